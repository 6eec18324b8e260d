import CImageCodecs

/// JPEG through the TurboJPEG API, which reports errors by return value (no longjmp).
enum JPEG {
    /// Whether `data` starts like a JPEG stream.
    static func matches(_ data: [UInt8]) -> Bool { data.starts(with: [0xFF, 0xD8, 0xFF]) }

    /// Decodes a whole JPEG (grey, YCbCr, RGB, CMYK or YCCK), upright by its EXIF orientation;
    /// any warning (such as a truncated stream) counts as an error.
    static func decode(_ data: [UInt8], path: String) throws -> Image {
        let header = JPEGHeader(data)
        if let feature = header.unsupportedFeature { throw ImageError.unsupported(path: path, feature: feature) }
        guard let handle = tjInitDecompress() else { throw ImageError.unreadable(path: path, reason: "no decoder") }
        defer { tjDestroy(handle) }
        var (width, height, subsampling, colorspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        try data.withUnsafeBufferPointer { source in
            guard tjDecompressHeader3(handle, source.baseAddress, UInt(data.count), &width, &height,
                                      &subsampling, &colorspace) == 0, width > 0, height > 0 else {
                throw ImageError.corrupt(path: path, detail: String(cString: tjGetErrorStr2(handle)))
            }
        }
        try ImageFile.checkPixelCount(width: Int(width), height: Int(height), path: path)
        // libjpeg converts CMYK and YCCK only to CMYK; the step to RGB is ours.
        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let format = cmyk ? TJPF_CMYK : TJPF_RGB
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * (cmyk ? 4 : 3))
        let status = data.withUnsafeBufferPointer { source in
            tjDecompress2(handle, source.baseAddress, UInt(data.count), &pixels, width, 0, height,
                          Int32(format.rawValue), 0)
        }
        guard status == 0 else {
            throw ImageError.corrupt(path: path, detail: String(cString: tjGetErrorStr2(handle)))
        }
        let samples = cmyk ? rgb(fromAdobeCMYK: pixels) : pixels.map(Float.init)
        let image = Image(width: Int(width), height: Int(height), samples: samples)
        return image.oriented(header.orientation ?? .up)
    }

    /// RGB as Pillow shows CMYK JPEGs: the stored values taken as Adobe's inverted CMYK
    /// (255 = no ink, what Photoshop writes and libjpeg returns), then Pillow's naive
    /// conversion R = (255 − C)(255 − K) / 255 with its integer rounding.
    private static func rgb(fromAdobeCMYK pixels: [UInt8]) -> [Float] {
        var samples = [Float](repeating: 0, count: pixels.count / 4 * 3)
        for pixel in 0..<(pixels.count / 4) {
            let k = Int(pixels[4 * pixel + 3])
            for channel in 0..<3 {
                // Pillow: R = k − k·C/255 with C = 255 − stored, rounded as its MULDIV255.
                let product = (255 - Int(pixels[4 * pixel + channel])) * k + 128
                samples[3 * pixel + channel] = Float(k - ((product >> 8) + product) >> 8)
            }
        }
        return samples
    }

    /// Encodes at `quality` (1…100) with full-resolution chroma.
    static func encode(_ image: Image, quality: Int, path: String) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw ImageError.unwritable(path: path, reason: "no encoder") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let pixels = image.bytes
        let status = tjCompress2(handle, pixels, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                                 &output, &size, Int32(TJSAMP_444.rawValue), Int32(quality), 0)
        defer { tjFree(output) }
        guard status == 0, let output else {
            throw ImageError.unwritable(path: path, reason: String(cString: tjGetErrorStr2(handle)))
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
