import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Convolutions of ×2 nearest-upsampled pictures computed from the picture itself (inference)
/// against the upsampled copy followed by the convolution, on the layouts and kernel paths a
/// decoder's layers take.
final class UpsampledConvolutionTests: XCTestCase {
    override func setUp() { installBackend() }

    private var backend: CPUBackend { Backend.current as! CPUBackend }

    /// (input shape, input layout, outputs): few channels in plain layout with outputs not a
    /// multiple of 8, blocked ones whose phases are blocked but not their outputs (6: 24 phase
    /// channels), blocked ones on oneDNN's direct path, and a wide one on Winograd's.
    private let cases: [([Int], Layout, Int)] = [
        ([2, 3, 4, 6], .plain, 5),
        ([2, 8, 5, 6], .channelsBlocked8, 6),
        ([2, 16, 5, 7], .channelsBlocked8, 8),
        ([1, 64, 9, 10], .channelsBlocked8, 32),
    ]

    func testMatchesTheUpsampledCopyThenTheConvolutionInEveryPaddingMode() {
        for (shape, layout, outputs) in cases {
            let x = randomTensor(shape, layout: layout, seed: 1)
            let (w, b) = (randomTensor([outputs, shape[1], 3, 3], seed: 2), randomTensor([outputs], seed: 3))
            for mode in [PaddingMode.zero, .reflect, .replicate] {
                for relu in [false, true] {
                    let label = "\(shape) → \(outputs), \(mode), ReLU \(relu)"
                    let copied = withoutGradients {
                        x.upsampledNearest(factor: 2).padded(Padding2D(1), mode: mode)
                            .conv2d(weight: w, bias: b, padding: Padding2D(0), applyingReLU: relu)
                    }
                    guard let direct = backend.upsampledConvolution(
                        x, factor: 2, weight: w, bias: b, geometry: WindowGeometry(kernel: 3, padding: 1),
                        paddingMode: mode, applyingReLU: relu) else { return XCTFail("no upsampled convolution for \(label)") }
                    XCTAssertEqual(direct.shape, [shape[0], outputs, 2 * shape[2], 2 * shape[3]], label)
                    assertCloseToScale(direct.toArray(), copied.toArray(), label)
                }
            }
        }
    }

    func testTheOpTakesTheCopyWithGradientsAndWhereThePhasesDoNotApply() {
        // With gradients the op upsamples and convolves, so finite differences see one function.
        let (x, w, b) = (randomTensor([1, 2, 3, 4], seed: 4), randomTensor([8, 2, 3, 3], seed: 5), randomTensor([8], seed: 6))
        assertGradientsMatch([x, w, b]) {
            $0[0].upsampledConv2d(factor: 2, weight: $0[1], bias: $0[2], padding: Padding2D(1), paddingMode: .reflect)
        }
        // conv2d pads with the mode it is given (replication too), not with zeros.
        XCTAssertEqual(withoutGradients { x.conv2d(weight: w, padding: Padding2D(1), paddingMode: .replicate).toArray() },
                       withoutGradients { x.padded(Padding2D(1), mode: .replicate).conv2d(weight: w).toArray() })
        let recorded = x.variable().upsampledConv2d(factor: 2, weight: w, bias: b, padding: Padding2D(1), paddingMode: .reflect)
        XCTAssertEqual(recorded.toArray(), withoutGradients {
            x.upsampledNearest(factor: 2).conv2d(weight: w, bias: b, padding: Padding2D(1), paddingMode: .reflect).toArray()
        })
        // Other factors, kernels and paddings go the long way (and still give the right values).
        for (factor, kernel, padding) in [(3, 3, 1), (2, 5, 2), (2, 3, 0)] {
            let filters = randomTensor([8, 2, kernel, kernel], seed: 7)
            let geometry = WindowGeometry(kernel: kernel, padding: padding)
            XCTAssertNil(backend.upsampledConvolution(x, factor: factor, weight: filters, bias: nil, geometry: geometry,
                                                      paddingMode: .zero, applyingReLU: false))
            XCTAssertEqual(withoutGradients {
                x.upsampledConv2d(factor: factor, weight: filters, padding: Padding2D(padding)).toArray()
            }, withoutGradients {
                x.upsampledNearest(factor: factor).conv2d(weight: filters, padding: Padding2D(padding)).toArray()
            })
        }
    }

    func testSequentialRunsUpsamplingPaddingConvolutionAndReLUAsOneOp() {
        var generator = SeededGenerator(seed: 8)
        let conv = Conv2d(inputChannels: 16, outputChannels: 8, kernelSize: 3, using: &generator)
        let chain = Sequential([.upsampleNearest(2), .reflectionPad(1), .conv(conv), .relu])
        let x = randomTensor([1, 16, 6, 5], layout: .channelsBlocked8, seed: 9)
        let fused = withoutGradients { chain(x) }
        let stepByStep = withoutGradients {
            x.upsampledNearest(factor: 2).padded(Padding2D(1), mode: .reflect).conv2d(weight: conv.weight, bias: conv.bias)
                .relu()
        }
        assertCloseToScale(fused.toArray(), stepByStep.toArray(), "upsample, pad, conv, ReLU")
        // The phases' sums round differently from the upsampled convolution's: proof the fused path ran.
        XCTAssertNotEqual(fused.toArray(), stepByStep.toArray())
    }
}
