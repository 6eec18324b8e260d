import CImageCodecs

/// PNG through libpng's simplified API, which catches libpng's errors internally.
enum PNG {
    private static let formatRGB: UInt32 = 2 // PNG_FORMAT_RGB
    private static let formatRGBA: UInt32 = 3 // PNG_FORMAT_RGBA

    /// Whether `data` starts with the PNG signature.
    static func matches(_ data: [UInt8]) -> Bool { data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) }

    /// Decodes any PNG (grey, palette, alpha, 16-bit) to 8-bit RGB: transparency composited
    /// on white, upright by an eXIf chunk's orientation.
    static func decode(_ data: [UInt8], path: String) throws -> Image {
        // libpng keeps pointers to the control struct and the data between the two calls,
        // so both must stay put: one heap struct, one buffer borrow around both calls.
        let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        image.initialize(to: png_image())
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        defer {
            png_image_free(image)
            image.deallocate()
        }
        try checkChunkLengths(data, path: path)
        let decoded: Image = try data.withUnsafeBytes { source in
            guard png_image_begin_read_from_memory(image, source.baseAddress, source.count) != 0 else {
                throw ImageError.corrupt(path: path, detail: message(image.pointee))
            }
            let (width, height) = (Int(image.pointee.width), Int(image.pointee.height))
            try ImageFile.checkPixelCount(width: width, height: height, path: path)
            // Without it libpng takes 16-bit samples lacking gAMA/sRGB chunks as linear light
            // and brightens them on the way to 8-bit sRGB; Pillow and browsers take them as sRGB.
            image.pointee.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            let hasAlpha = image.pointee.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
            image.pointee.format = hasAlpha ? formatRGBA : formatRGB
            var pixels = [UInt8](repeating: 0, count: width * height * (hasAlpha ? 4 : 3))
            guard pixels.withUnsafeMutableBytes({ png_image_finish_read(image, nil, $0.baseAddress, 0, nil) }) != 0 else {
                throw ImageError.corrupt(path: path, detail: message(image.pointee))
            }
            let samples = hasAlpha ? Transparency.compositedOnWhite(pixels) : pixels.map(Float.init)
            return Image(width: width, height: height, samples: samples)
        }
        return decoded.oriented(orientation(data) ?? .up)
    }

    /// Refuses a chunk that claims more bytes than the file has left: libpng allocates a buffer
    /// of the declared length for some chunks (eXIf, up to 2 GiB) before it finds the data missing.
    private static func checkChunkLengths(_ data: [UInt8], path: String) throws {
        var offset = 8 // after the signature
        while offset + 8 <= data.count {
            let length = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let start = offset + 8
            guard length <= data.count - start else {
                throw ImageError.corrupt(path: path, detail: "its \(type) chunk claims \(length) bytes, more than the file has left")
            }
            if type == "IEND" { return }
            offset = start + length + 4 // and the CRC
        }
    }

    /// The orientation in an eXIf chunk before the image data, if any.
    private static func orientation(_ data: [UInt8]) -> ExifOrientation? {
        var offset = 8 // after the signature
        while offset + 8 <= data.count {
            let length = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let start = offset + 8
            guard length <= data.count - start, type != "IDAT", type != "IEND" else { return nil }
            if type == "eXIf" { return ExifOrientation.parse(tiff: data[start..<(start + length)]) }
            offset = start + length + 4 // and the CRC
        }
        return nil
    }

    /// Encodes as 8-bit RGB.
    static func encode(_ image: Image, path: String) throws -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = formatRGB
        let pixels = image.bytes
        var size = 0
        guard png_image_write_to_memory(&png, nil, &size, 0, pixels, 0, nil) != 0 else {
            throw ImageError.unwritable(path: path, reason: message(png))
        }
        var output = [UInt8](repeating: 0, count: size)
        guard png_image_write_to_memory(&png, &output, &size, 0, pixels, 0, nil) != 0 else {
            throw ImageError.unwritable(path: path, reason: message(png))
        }
        return Array(output.prefix(size))
    }

    private static func message(_ image: png_image) -> String {
        var text = image.message
        return withUnsafeBytes(of: &text) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    }
}
