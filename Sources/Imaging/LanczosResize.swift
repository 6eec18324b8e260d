import Foundation

extension Image {
    /// The picture resampled to `width`×`height` with Pillow's `Image.LANCZOS` filter, sample
    /// for sample as Pillow computes it on 8-bit RGB: a 3-lobe Lanczos kernel widened when
    /// shrinking, coefficients in 22-bit fixed point, a horizontal pass rounded to 8 bits, then
    /// a vertical one. Networks trained on Pillow-resized inputs (Magenta's style predictor)
    /// see the same pixels. Samples are rounded to 0…255 first.
    public func resizedLanczos(width newWidth: Int, height newHeight: Int) -> Image {
        let input = samples.map { UInt8(min(max($0.rounded(), 0), 255)) }
        guard newWidth != width || newHeight != height else { return Image(width: width, height: height, samples: input.map(Float.init)) }
        let horizontal = Image.lanczosCoefficients(from: width, to: newWidth)
        let vertical = Image.lanczosCoefficients(from: height, to: newHeight)
        // Pillow only resamples the rows the vertical pass reads.
        let firstRow = vertical.first!.start, lastRow = vertical.last!.start + vertical.last!.weights.count
        var rows = input
        var rowCount = height
        if newWidth != width {
            rows = [UInt8](repeating: 0, count: (lastRow - firstRow) * newWidth * 3)
            for y in firstRow..<lastRow {
                for (x, tap) in horizontal.enumerated() {
                    for c in 0..<3 {
                        var sum = Image.half
                        for (k, weight) in tap.weights.enumerated() { sum += Int32(input[(y * width + tap.start + k) * 3 + c]) * weight }
                        rows[((y - firstRow) * newWidth + x) * 3 + c] = Image.clip8(sum)
                    }
                }
            }
            rowCount = lastRow - firstRow
        }
        let offset = newWidth != width ? firstRow : 0
        guard newHeight != height else { return Image(width: newWidth, height: rowCount, samples: rows.map(Float.init)) }
        var result = [Float](repeating: 0, count: newWidth * newHeight * 3)
        for (y, tap) in vertical.enumerated() {
            for x in 0..<newWidth {
                for c in 0..<3 {
                    var sum = Image.half
                    for (k, weight) in tap.weights.enumerated() {
                        sum += Int32(rows[((tap.start - offset + k) * newWidth + x) * 3 + c]) * weight
                    }
                    result[(y * newWidth + x) * 3 + c] = Float(Image.clip8(sum))
                }
            }
        }
        return Image(width: newWidth, height: newHeight, samples: result)
    }

    private static let precisionBits: Int32 = 32 - 8 - 2
    private static let half: Int32 = 1 << (precisionBits - 1)

    private static func clip8(_ sum: Int32) -> UInt8 { UInt8(min(max(sum >> precisionBits, 0), 255)) }

    /// For each output position, the first source position and the fixed-point weights of the
    /// ones from there (Pillow's `precompute_coeffs` and `normalize_coeffs_8bpc`).
    private static func lanczosCoefficients(from size: Int, to newSize: Int) -> [(start: Int, weights: [Int32])] {
        func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(x * Double.pi) / (x * Double.pi) }
        func lanczos(_ x: Double) -> Double { -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0 }
        let scale = Double(size) / Double(newSize)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        return (0..<newSize).map { i in
            let center = (Double(i) + 0.5) * scale
            let start = max(0, Int(center - support + 0.5))
            let end = min(size, Int(center + support + 0.5))
            var weights = (start..<end).map { lanczos((Double($0) - center + 0.5) * (1 / filterScale)) }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            let fixed = weights.map { w in Int32(w < 0 ? -0.5 + w * Double(1 << precisionBits) : 0.5 + w * Double(1 << precisionBits)) }
            return (start, fixed)
        }
    }
}
