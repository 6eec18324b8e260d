/// Full-range BT.601 constants, as JPEG/JFIF uses them: Y = Kr·R + Kg·G + Kb·B in 0…255,
/// Cb and Cr centred on 128.
private enum BT601 {
    static let kr: Float = 0.299, kg: Float = 0.587, kb: Float = 0.114
    /// B − Y = 1.772·(Cb − 128).
    static let cbScale: Float = 2 * (1 - kb)
    /// R − Y = 1.402·(Cr − 128).
    static let crScale: Float = 2 * (1 - kr)
}

extension Image {
    /// The luma (Y) of every pixel, row by row, in 0…255 for in-range pictures.
    public func luminance() -> [Float] {
        (0..<(width * height)).map { pixel in
            let i = pixel * 3
            return BT601.kr * samples[i] + BT601.kg * samples[i + 1] + BT601.kb * samples[i + 2]
        }
    }

    /// The picture as full-range BT.601 YCbCr: Y, Cb, Cr per pixel, interleaved like `samples`.
    /// Nothing is clamped, so out-of-range RGB survives a round trip through `init(width:height:yCbCr:)`.
    public func yCbCr() -> [Float] {
        var result = [Float](repeating: 0, count: samples.count)
        for i in stride(from: 0, to: samples.count, by: 3) {
            let (r, g, b) = (samples[i], samples[i + 1], samples[i + 2])
            let y = BT601.kr * r + BT601.kg * g + BT601.kb * b
            result[i] = y
            result[i + 1] = 128 + (b - y) / BT601.cbScale
            result[i + 2] = 128 + (r - y) / BT601.crScale
        }
        return result
    }

    /// A `width`×`height` picture from full-range BT.601 YCbCr samples (Y, Cb, Cr interleaved),
    /// the inverse of `yCbCr()`. The RGB is not clamped; call `clamped()` when done.
    public init(width: Int, height: Int, yCbCr: [Float]) {
        precondition(yCbCr.count == width * height * 3,
                     "\(yCbCr.count) YCbCr samples for a \(width)×\(height) image")
        var rgb = [Float](repeating: 0, count: yCbCr.count)
        for i in stride(from: 0, to: yCbCr.count, by: 3) {
            let y = yCbCr[i]
            let r = y + BT601.crScale * (yCbCr[i + 2] - 128)
            let b = y + BT601.cbScale * (yCbCr[i + 1] - 128)
            rgb[i] = r
            rgb[i + 1] = (y - BT601.kr * r - BT601.kb * b) / BT601.kg
            rgb[i + 2] = b
        }
        self.init(width: width, height: height, samples: rgb)
    }

    /// The picture with this picture's Cb and Cr but Y taken from `luminance` (one value per
    /// pixel, row by row): how a stylised luminance gets the content's colours back. Not clamped.
    public func replacingLuminance(with luminance: [Float]) -> Image {
        precondition(luminance.count == width * height,
                      "\(luminance.count) luminance values for a \(width)×\(height) image")
        let current = self.luminance()
        var result = samples
        // Fixed Cb and Cr fix B − Y and R − Y, hence G − Y too, so a new Y moves R, G and B
        // by the same amount: exactly the YCbCr round trip, with less rounding.
        for pixel in 0..<(width * height) {
            let shift = luminance[pixel] - current[pixel]
            for c in 0..<3 { result[pixel * 3 + c] += shift }
        }
        return Image(width: width, height: height, samples: result)
    }

    /// The picture in grey: each pixel's Y copied into R, G and B.
    public func grayscale() -> Image {
        Image(grey: luminance(), width: width, height: height)
    }

    /// A `width`×`height` grey picture with `values` (one per pixel, row by row) in R, G and B.
    init(grey values: [Float], width: Int, height: Int) {
        var rgb = [Float](repeating: 0, count: values.count * 3)
        for (pixel, value) in values.enumerated() {
            rgb[pixel * 3] = value
            rgb[pixel * 3 + 1] = value
            rgb[pixel * 3 + 2] = value
        }
        self.init(width: width, height: height, samples: rgb)
    }
}
