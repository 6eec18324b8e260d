import CImageCodecs

/// WebP through libwebp's simple API, which reports errors by return value.
enum WebP {
    /// The format's limit on either side.
    private static let maximumSide = 16383

    /// Whether `data` starts like a WebP file (a RIFF container of type WEBP).
    static func matches(_ data: [UInt8]) -> Bool {
        data.count >= 12 && data.starts(with: Array("RIFF".utf8)) && data[8..<12].elementsEqual("WEBP".utf8)
    }

    /// Decodes a still WebP (lossy or lossless) to 8-bit RGB, transparency composited on white.
    static func decode(_ data: [UInt8], path: String) throws -> Image {
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(data, data.count, &features)
        guard status == VP8_STATUS_OK else { throw ImageError.corrupt(path: path, detail: describe(status)) }
        try ImageFile.checkPixelCount(width: Int(features.width), height: Int(features.height), path: path)
        guard features.has_animation == 0 else { throw ImageError.unsupported(path: path, feature: "animated WebP") }
        var (width, height): (Int32, Int32) = (0, 0)
        guard let rgba = WebPDecodeRGBA(data, data.count, &width, &height) else {
            throw ImageError.corrupt(path: path, detail: "libwebp could not decode it")
        }
        defer { WebPFree(rgba) }
        let pixels = Array(UnsafeBufferPointer(start: rgba, count: Int(width) * Int(height) * 4))
        return Image(width: Int(width), height: Int(height), samples: Transparency.compositedOnWhite(pixels))
    }

    /// Encodes lossy at `quality` (0…100).
    static func encode(_ image: Image, quality: Float, path: String) throws -> [UInt8] {
        guard image.width <= maximumSide, image.height <= maximumSide else {
            throw ImageError.unwritable(path: path, reason: "WebP pictures are at most \(maximumSide) pixels a side")
        }
        var output: UnsafeMutablePointer<UInt8>?
        let size = WebPEncodeRGB(image.bytes, Int32(image.width), Int32(image.height), Int32(image.width * 3),
                                 quality, &output)
        defer { WebPFree(output) }
        guard size > 0, let output else { throw ImageError.unwritable(path: path, reason: "libwebp could not encode it") }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    private static func describe(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA: return "the data ends early"
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "a feature libwebp does not support"
        case VP8_STATUS_BITSTREAM_ERROR: return "bad bitstream"
        default: return "libwebp status \(status.rawValue)"
        }
    }
}
