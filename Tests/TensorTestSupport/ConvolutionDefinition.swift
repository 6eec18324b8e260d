import Tensor
import XCTest

/// The written-out definition of a stride-1 convolution, in double precision: y[n, o, r, q] =
/// b[o] + Σ x[n, c, r − top + i, q − left + j] · w[o, c, i, j], zeros outside the input (NCHW
/// `x` of `shape`, OIHW `weights`, `outputs` channels, the kernel and padding of `geometry`).
public func convolutionByDefinition(_ x: [Float], shape: [Int], weights: [Float], bias: [Float]? = nil, outputs: Int,
                                    geometry: WindowGeometry) -> [Float] {
    let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
    let (kh, kw, padding) = (geometry.kernelHeight, geometry.kernelWidth, geometry.padding)
    let (oh, ow) = (geometry.outputHeight(h), geometry.outputWidth(w))
    var y = [Float](repeating: 0, count: n * outputs * oh * ow)
    for image in 0..<n { for o in 0..<outputs { for r in 0..<oh { for q in 0..<ow {
        var sum = Double(bias?[o] ?? 0)
        for channel in 0..<c { for i in 0..<kh { for j in 0..<kw {
            let (row, column) = (r - padding.top + i, q - padding.left + j)
            guard row >= 0, row < h, column >= 0, column < w else { continue }
            sum += Double(x[((image * c + channel) * h + row) * w + column])
                * Double(weights[((o * c + channel) * kh + i) * kw + j])
        } } }
        y[((image * outputs + o) * oh + r) * ow + q] = Float(sum)
    } } } }
    return y
}

/// Asserts `actual` equals `expected` within `tolerance` of the largest expected magnitude (1e-5:
/// what f32 sums in another order, or F(4×4, 3×3) Winograd at ~1e-6, keep to).
public func assertCloseToScale(_ actual: [Float], _ expected: [Float], _ message: String, tolerance: Float = 1e-5,
                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
    let scale = expected.map(abs).max() ?? 1
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance * scale, message, file: file, line: line)
}
