import CImageCodecs

/// JPEG through the TurboJPEG API, which reports errors by return value (no longjmp).
enum JPEG {
    /// Whether `data` starts like a JPEG stream.
    static func matches(_ data: [UInt8]) -> Bool { data.starts(with: [0xFF, 0xD8, 0xFF]) }

    /// Decodes a whole JPEG, upright by its EXIF orientation; any warning (such as a truncated
    /// stream) counts as an error.
    static func decode(_ data: [UInt8], path: String) throws -> Image {
        let header = JPEGHeader(data)
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
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = data.withUnsafeBufferPointer { source in
            tjDecompress2(handle, source.baseAddress, UInt(data.count), &pixels, width, 0, height,
                          Int32(TJPF_RGB.rawValue), 0)
        }
        guard status == 0 else {
            throw ImageError.corrupt(path: path, detail: String(cString: tjGetErrorStr2(handle)))
        }
        let image = Image(width: Int(width), height: Int(height), samples: pixels.map(Float.init))
        return image.oriented(header.orientation ?? .up)
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
