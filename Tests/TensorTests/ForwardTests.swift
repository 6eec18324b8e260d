import Tensor
import TensorTestSupport
import XCTest

/// Forward values against straightforward reference loops.
final class ForwardTests: XCTestCase {
    override func setUp() { installBackend() }

    /// Direct six-loop convolution in double precision.
    /// Convolution written out from its definition: OIHW weights in `groups` groups, zero
    /// padding (top, bottom, left, right).
    private func referenceConvolution(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], _ b: [Float],
                                      stride: Int, padding: (Int, Int, Int, Int), groups: Int = 1) -> [Float] {
        let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3]), (o, kh, kw) = (ws[0], ws[2], ws[3])
        let (top, bottom, left, right) = padding
        let oh = (h + top + bottom - kh) / stride + 1, ow = (wd + left + right - kw) / stride + 1
        let (inPerGroup, outPerGroup) = (c / groups, o / groups)
        var y = [Float](repeating: 0, count: n * o * oh * ow)
        for s in 0..<n { for oc in 0..<o { for i in 0..<oh { for j in 0..<ow {
            var acc = Double(b.isEmpty ? 0 : b[oc])
            for g in 0..<inPerGroup { for u in 0..<kh { for v in 0..<kw {
                let ic = oc / outPerGroup * inPerGroup + g
                let yy = i * stride + u - top, xx = j * stride + v - left
                guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
                acc += Double(x[((s * c + ic) * h + yy) * wd + xx]) * Double(w[((oc * inPerGroup + g) * kh + u) * kw + v])
            } } }
            y[((s * o + oc) * oh + i) * ow + j] = Float(acc)
        } } } }
        return y
    }

    private func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, file: file, line: line)
    }

    func testConvolutionMatchesReferenceOnEveryPath() {
        for (shape, layout, kernel, stride, padding) in [([1, 3, 9, 7], Layout.plain, 3, 1, 1),
                                                         ([1, 16, 12, 10], .channelsBlocked16, 3, 1, 1),
                                                         ([2, 5, 11, 11], .plain, 5, 2, 2)] {
            let x = randomTensor(shape, layout: layout, seed: 1)
            let w = randomTensor([32, shape[1], kernel, kernel], seed: 2), b = randomTensor([32], seed: 3)
            let y = x.conv2d(weight: w, bias: b, stride: stride, padding: padding)
            assertClose(y.toArray(), referenceConvolution(x.toArray(), shape, w.toArray(), w.shape, b.toArray(),
                                                          stride: stride, padding: (padding, padding, padding, padding)))
        }
    }

    func testRectangularGroupedAndDepthwiseConvolutionsMatchTheDefinition() {
        let blocked = Layout.channelsBlocked16
        // (input, layout, weight, stride, padding top/bottom/left/right, groups)
        for (shape, layout, weightShape, stride, padding, groups) in [
            ([1, 3, 9, 8], Layout.plain, [4, 3, 1, 5], 1, (0, 0, 2, 2), 1),      // rectangular
            ([2, 6, 9, 8], .plain, [4, 3, 3, 2], 2, (0, 1, 1, 0), 2),            // grouped, asymmetric
            ([1, 16, 10, 9], blocked, [16, 1, 3, 3], 2, (0, 1, 0, 1), 16),       // depthwise, MobileNet's padding
            ([1, 16, 7, 6], blocked, [32, 1, 3, 3], 1, (1, 1, 1, 1), 16),        // depthwise, multiplier 2
            ([1, 16, 6, 7], blocked, [16, 4, 3, 1], 1, (1, 1, 0, 0), 4),         // grouped, blocked
        ] as [([Int], Layout, [Int], Int, (Int, Int, Int, Int), Int)] {
            let x = randomTensor(shape, layout: layout, seed: 21)
            let w = randomTensor(weightShape, seed: 22), b = randomTensor([weightShape[0]], seed: 23)
            let pad = Padding2D(top: padding.0, bottom: padding.1, left: padding.2, right: padding.3)
            let y = x.conv2d(weight: w, bias: b, stride: stride, padding: pad, groups: groups)
            let expected = referenceConvolution(x.toArray(), shape, w.toArray(), weightShape, b.toArray(),
                                                stride: stride, padding: padding, groups: groups)
            XCTAssertEqual(y.shape[1], weightShape[0])
            assertClose(y.toArray(), expected)
        }
    }

    func testFusedReLUEqualsConvolutionThenReLU() {
        let x = randomTensor([1, 16, 9, 8], layout: .channelsBlocked16, seed: 9)
        let w = randomTensor([32, 16, 3, 3], seed: 10), b = randomTensor([32], seed: 11)
        let fused = x.conv2d(weight: w, bias: b, padding: 1, applyingReLU: true).toArray()
        let separate = x.conv2d(weight: w, bias: b, padding: 1).relu().toArray()
        XCTAssertEqual(fused, separate)
        XCTAssertTrue(fused.contains(0) && fused.contains { $0 > 0 })
    }

    func testPoolingMatchesReference() {
        let x = randomTensor([1, 16, 5, 4], layout: .channelsBlocked16, seed: 4)
        let v = x.toArray()
        for kind in PoolingKind.allCases {
            var expected: [Float] = []
            for c in 0..<16 { for i in 0..<2 { for j in 0..<2 {
                let window = [v[(c * 5 + 2 * i) * 4 + 2 * j], v[(c * 5 + 2 * i) * 4 + 2 * j + 1],
                              v[(c * 5 + 2 * i + 1) * 4 + 2 * j], v[(c * 5 + 2 * i + 1) * 4 + 2 * j + 1]]
                expected.append(kind == .max ? window.max()! : window.reduce(0, +) / 4)
            } } }
            let y = x.pooled(kind)
            XCTAssertEqual(y.shape, [1, 16, 2, 2])
            assertClose(y.toArray(), expected, tolerance: 1e-6)
        }
    }

    func testGramMatchesItsDefinition() {
        let x = randomTensor([1, 2, 2, 3], seed: 5)
        let v = x.toArray()
        var gram = [Float](repeating: 0, count: 4)
        for i in 0..<2 { for j in 0..<2 { for k in 0..<6 { gram[i * 2 + j] += v[i * 6 + k] * v[j * 6 + k] / 12 } } }
        assertClose(x.gramMatrix(scale: 1 / 12).toArray(), gram)
    }

    func testBlockedLayoutSurvivesConvolutionChains() {
        let x = randomTensor([1, 3, 8, 8], seed: 6)
        let y = x.conv2d(weight: randomTensor([16, 3, 3, 3], seed: 7), padding: 1).relu()
        let z = y.conv2d(weight: randomTensor([32, 16, 3, 3], seed: 8), padding: 1).pooled(.max)
        // 16-channel blocks on AVX-512, 8 on AVX2: whichever, never plain between layers.
        XCTAssertNotEqual(y.layout, .plain)
        XCTAssertEqual(z.layout, y.layout)
        XCTAssertEqual(z.shape, [1, 32, 4, 4])
    }
}
