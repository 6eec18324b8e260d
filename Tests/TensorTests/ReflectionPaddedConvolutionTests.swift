import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Reflection-padded convolutions without the padded copy (inference) against the copy followed
/// by an unpadded convolution, on every kernel path a network's layers take.
final class ReflectionPaddedConvolutionTests: XCTestCase {
    override func setUp() { installBackend() }

    private var backend: CPUBackend { Backend.current as! CPUBackend }

    /// (input shape, input layout, outputs, kernel height and width, stride, padding) of a network's
    /// reflection-padded layers: Johnson's and Magenta's 9×9 first layer (Winograd along rows),
    /// 3×3 ones on blocks (Winograd or oneDNN), a strided one on odd sides (borders at the bottom
    /// and right too), and an uneven padding around a rectangular kernel (40 outputs: four vectors
    /// and one).
    private let cases: [([Int], Layout, Int, (Int, Int), Int, Padding2D)] = [
        ([2, 3, 13, 29], .plain, 16, (9, 9), 1, Padding2D(4)),
        ([1, 32, 10, 12], .channelsBlocked8, 32, (3, 3), 1, Padding2D(1)),
        ([1, 8, 11, 9], .channelsBlocked8, 16, (3, 3), 2, Padding2D(1)),
        ([1, 4, 7, 10], .plain, 40, (3, 5), 1, Padding2D(top: 2, bottom: 0, left: 1, right: 3)),
    ]

    func testMatchesTheCopyThenAnUnpaddedConvolutionWithBiasAndReLU() {
        let usesC = CPUBackend.pixelConvolutionInC
        defer { CPUBackend.pixelConvolutionInC = usesC }
        for inC in Set([false, usesC]) {
            CPUBackend.pixelConvolutionInC = inC
            matchesTheCopyThenAnUnpaddedConvolution(label: inC ? "border in C" : "border in Swift")
        }
    }

    private func matchesTheCopyThenAnUnpaddedConvolution(label path: String) {
        for (shape, layout, outputs, (kh, kw), stride, padding) in cases {
            let x = randomTensor(shape, layout: layout, seed: 1)
            let (w, b) = (randomTensor([outputs, shape[1], kh, kw], seed: 2), randomTensor([outputs], seed: 3))
            for relu in [false, true] {
                let label = "\(path): \(shape) → \(outputs), \(kh)×\(kw) stride \(stride), \(padding), ReLU \(relu)"
                let copied = withoutGradients {
                    x.padded(padding, mode: .reflect).conv2d(weight: w, bias: b, stride: stride, padding: Padding2D(0),
                                                             applyingReLU: relu)
                }
                guard let direct = backend.paddedConvolution(
                    x, weight: w, bias: b, geometry: WindowGeometry(kernelHeight: kh, kernelWidth: kw, stride: stride,
                                                                    padding: padding),
                    mode: .reflect, applyingReLU: relu, evenWhereCostlier: true) else { return XCTFail("no reflection-padded convolution for \(label)") }
                let zeroPadded = withoutGradients {
                    x.conv2d(weight: w, bias: b, stride: stride, padding: padding, applyingReLU: relu)
                }
                XCTAssertEqual(direct.shape, copied.shape, label)
                let expected = copied.toArray()
                // Winograd along rows (the 9×9 one) leaves ~10⁻⁴ of the scale in either path.
                assertCloseToScale(direct.toArray(), expected, label, tolerance: kw == 9 ? 3e-4 : 1e-5)
                XCTAssertNotEqual(zeroPadded.toArray(), expected, label)
            }
        }
    }

    func testTheOpSparesTheCopyWhereTheBorderCostsLessAndNotWithGradients() {
        // 3×3, 8 → 8 channels on 40×44: a border of 164 pixels, 94 464 multiply-adds against a copy of
        // 15 456 floats (≤ 8 per float); the same picture with 64 outputs, or a 9×9 kernel, is not.
        let x = randomTensor([1, 8, 40, 44], layout: .channelsBlocked8, seed: 9)
        for (outputs, kernel, spares) in [(8, 3, true), (64, 3, false), (8, 9, false)] {
            let (w, padding) = (randomTensor([outputs, 8, kernel, kernel], seed: 10), Padding2D(kernel / 2))
            let geometry = WindowGeometry(kernel: kernel, padding: kernel / 2)
            let spared = backend.reflectionPaddedConvolution(x, weight: w, bias: nil, geometry: geometry, applyingReLU: true)
            XCTAssertEqual(spared != nil, spares, "\(outputs) outputs, \(kernel)×\(kernel)")
            let copied = withoutGradients {
                x.padded(padding, mode: .reflect).conv2d(weight: w, padding: Padding2D(0), applyingReLU: true).toArray()
            }
            // The op takes the backend's path without gradients, the copy with them.
            let op = withoutGradients {
                x.conv2d(weight: w, padding: padding, paddingMode: .reflect, applyingReLU: true).toArray()
            }
            XCTAssertEqual(op, spared?.toArray() ?? copied)
            let recorded = x.variable().conv2d(weight: w, padding: padding, paddingMode: .reflect, applyingReLU: true)
            XCTAssertEqual(recorded.toArray(), copied)
        }
    }

    func testBorderPixelsAreExactlyThoseWhoseWindowReachesThePadding() {
        for (height, width, kh, kw, stride, padding) in [(13, 29, 9, 9, 1, Padding2D(4)), (11, 9, 3, 3, 2, Padding2D(1)),
                                                          (10, 10, 3, 3, 2, Padding2D(1)), (7, 10, 3, 5, 1,
                                                          Padding2D(top: 2, bottom: 0, left: 1, right: 3)),
                                                          (4, 4, 3, 3, 1, Padding2D(2))] {
            let g = WindowGeometry(kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding)
            let (oh, ow) = (g.outputHeight(height), g.outputWidth(width))
            var expected: [[Int]] = []
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let (iy, ix) = (oy * stride - padding.top, ox * stride - padding.left)
                    if iy < 0 || ix < 0 || iy + kh > height || ix + kw > width { expected.append([oy, ox]) }
                }
            }
            let listed = CPUBackend.borderPixels(outputHeight: oh, outputWidth: ow, height: height, width: width, geometry: g)
            XCTAssertEqual(listed.map { [$0.0, $0.1] }, expected, "\(height)×\(width), \(kh)×\(kw) stride \(stride), \(padding)")
        }
    }

    func testGradientsFollowTheCopyAndNarrowOrGroupedOnesTakeIt() {
        // With gradients the op pads and convolves, so finite differences see one function.
        let (x, w, b) = (randomTensor([1, 2, 5, 6], seed: 4), randomTensor([8, 2, 3, 3], seed: 5), randomTensor([8], seed: 6))
        assertGradientsMatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: Padding2D(1), paddingMode: .reflect) }
        let geometry = WindowGeometry(kernel: 3, padding: 1)
        XCTAssertNil(backend.paddedConvolution(x, weight: randomTensor([3, 2, 3, 3], seed: 7), bias: nil,
                                               geometry: geometry, mode: .reflect, applyingReLU: false, evenWhereCostlier: true))
        let grouped = WindowGeometry(kernelHeight: 3, kernelWidth: 3, padding: Padding2D(1), groups: 2)
        XCTAssertNil(backend.paddedConvolution(x, weight: randomTensor([8, 1, 3, 3], seed: 8), bias: nil,
                                               geometry: grouped, mode: .reflect, applyingReLU: false, evenWhereCostlier: true))
    }
}
