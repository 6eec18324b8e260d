import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Our direct kernels for convolutions into and out of a few channels, against the written-out
/// definition of convolution (forward) and oneDNN (input gradient), on kernel sizes, paddings and
/// widths that leave partial pixel runs and clipped edges; and by finite differences.
final class NarrowConvolutionTests: XCTestCase {
    private let backend = CPUBackend(gradientPrecision: .float32, winograd: .whereFaster)
    /// (kernel height, kernel width, padding): Gatys' first layer, Magenta's 9×9 on a padded
    /// input, and a rectangular kernel with uneven padding.
    private let windows = [(3, 3, Padding2D(1)), (9, 9, Padding2D(0)), (9, 9, Padding2D(4)),
                           (2, 5, Padding2D(top: 0, bottom: 1, left: 4, right: 1))]

    override func setUpWithError() throws {
        installBackend()
        try XCTSkipUnless(NarrowConvolution.available, "needs AVX2 and FMA")
    }

    /// Runs `body` with the kernels on (`true`) or off (oneDNN), restoring the setting afterwards.
    private func withKernels<T>(_ on: Bool, _ body: () -> T) -> T {
        let saved = NarrowConvolution.enabled
        defer { NarrowConvolution.enabled = saved }
        NarrowConvolution.enabled = on
        return body()
    }

    /// (inputs, outputs, input layout) of the cases: few inputs into blocks, blocks into few outputs.
    private let channelCases: [(Int, Int, Layout)] = [(3, 16, .plain), (1, 8, .plain), (6, 24, .plain), (3, 64, .plain),
                                                       (8, 3, .channelsBlocked8), (16, 1, .channelsBlocked8),
                                                       (8, 4, .channelsBlocked8), (16, 6, .channelsBlocked8),
                                                       (8, 2, .channelsBlocked8), (8, 5, .channelsBlocked8),
                                                       (4, 3, .plain), (1, 1, .plain), (3, 2, .plain), (6, 6, .plain),
                                                       (2, 5, .plain), (5, 4, .plain)]

    /// The kernel a case runs on.
    private func expectedKernel(_ inputs: Int, _ outputs: Int, _ layout: Layout) -> NarrowConvolution.Kernel {
        layout == .channelsBlocked8 ? .fewOutputs : outputs % 8 == 0 ? .fewInputs : .fewInputsAndOutputs
    }

    /// Whether a convolution of kernel width `kw` on `kernel` runs by Winograd along rows (F(8, 9):
    /// within about 10⁻⁴ of the scale at worst).
    private func alongRows(_ kw: Int, _ kernel: NarrowConvolution.Kernel) -> Bool {
        kw == 9 && kernel == .fewInputs && NarrowConvolution.winogradRows
    }

    func testForwardMatchesTheDefinitionWithBiasAndReLU() {
        for (inputs, outputs, layout) in channelCases {
            for (kh, kw, padding) in windows {
                // 61 columns: full runs, single vectors and a partial one on the pixel-vector kernel.
                let shape = [2, inputs, 11, 61]
                let geometry = WindowGeometry(kernelHeight: kh, kernelWidth: kw, padding: padding)
                XCTAssertEqual(NarrowConvolution.kernel(inputChannels: inputs, outputChannels: outputs, inputLayout: layout,
                                                        geometry: geometry), expectedKernel(inputs, outputs, layout))
                let (x, w, b) = (randomValues(shape.reduce(1, *), seed: 1), randomValues(outputs * inputs * kh * kw, seed: 2),
                                 randomValues(outputs, seed: 3))
                for relu in [false, true] {
                    let y = backend.convolution(backend.reorder(backend.upload(x, shape: shape), to: layout),
                                                weight: backend.upload(w, shape: [outputs, inputs, kh, kw]),
                                                bias: backend.upload(b, shape: [outputs]), geometry: geometry, applyingReLU: relu)
                    let expected = convolutionByDefinition(x, shape: shape, weights: w, bias: b, outputs: outputs,
                                                           geometry: geometry).map { relu ? max(0, $0) : $0 }
                    XCTAssertEqual(y.shape, [2, outputs, geometry.outputHeight(11), geometry.outputWidth(61)])
                    assertCloseToScale(backend.download(backend.reorder(y, to: .plain)), expected,
                                "\(inputs)→\(outputs), \(kh)×\(kw), \(padding), ReLU \(relu)",
                                tolerance: alongRows(kw, expectedKernel(inputs, outputs, layout)) ? 3e-4 : 1e-5)
                }
            }
        }
    }

    func testInputGradientMatchesOneDNN() {
        for (inputs, outputs, layout) in channelCases {
            for (kh, kw, padding) in windows {
                let shape = [2, inputs, 10, 27]
                let geometry = WindowGeometry(kernelHeight: kh, kernelWidth: kw, padding: padding)
                let outputShape = [2, outputs, geometry.outputHeight(10), geometry.outputWidth(27)]
                let (dy, w) = (randomValues(outputShape.reduce(1, *), seed: 4), randomValues(outputs * inputs * kh * kw, seed: 5))
                let results = [true, false].map { on in
                    withKernels(on) {
                        let dx = backend.convolutionBackwardData(
                            backend.upload(dy, shape: outputShape), reluMask: nil,
                            weight: backend.upload(w, shape: [outputs, inputs, kh, kw]), inputShape: shape,
                            inputLayout: layout, geometry: geometry)
                        XCTAssertEqual(dx.layout, layout)
                        return backend.download(backend.reorder(dx, to: .plain))
                    }
                }
                assertCloseToScale(results[0], results[1], "\(inputs)→\(outputs), \(kh)×\(kw), \(padding)",
                                   tolerance: alongRows(kw, expectedKernel(inputs, outputs, layout).transposed) ? 3e-4 : 1e-5)
            }
        }
    }

    func testNineWideFewInputConvolutionsRunByWinogradAlongRowsOrDirectly() {
        // 3 → 40 (two blocks and a single one), 9×9 and 5×9 kernels, 75 columns (9 tiles of 8,
        // the last of 3: a run of 6 tiles and one of 3), rows clipped at the top and bottom.
        let (shape, outputs) = ([1, 3, 12, 75], 40)
        for (kh, padding) in [(9, Padding2D(4)), (5, Padding2D(top: 1, bottom: 3, left: 0, right: 8))] {
            let geometry = WindowGeometry(kernelHeight: kh, kernelWidth: 9, padding: padding)
            let (x, w, b) = (randomValues(shape.reduce(1, *), seed: 21), randomValues(outputs * 3 * kh * 9, seed: 22),
                             randomValues(outputs, seed: 23))
            let expected = convolutionByDefinition(x, shape: shape, weights: w, bias: b, outputs: outputs, geometry: geometry)
            let results = [true, false].map { rows in
                let saved = NarrowConvolution.winogradRows
                defer { NarrowConvolution.winogradRows = saved }
                NarrowConvolution.winogradRows = rows
                let y = backend.convolution(backend.upload(x, shape: shape),
                                            weight: backend.upload(w, shape: [outputs, 3, kh, 9]),
                                            bias: backend.upload(b, shape: [outputs]), geometry: geometry, applyingReLU: false)
                return backend.download(backend.reorder(y, to: .plain))
            }
            assertCloseToScale(results[0], expected, "along rows, \(kh)×9", tolerance: 3e-4)
            assertCloseToScale(results[1], expected, "directly, \(kh)×9")
            // The two paths sum differently: equal bits would mean the Winograd path never ran.
            XCTAssertNotEqual(results[0], results[1])
            // Convolutions kept near a direct sum (a quantised network's) run directly.
            let nearDirect = withConvolutionAccuracy(.nearDirect) {
                backend.download(backend.reorder(backend.convolution(
                    backend.upload(x, shape: shape), weight: backend.upload(w, shape: [outputs, 3, kh, 9]),
                    bias: backend.upload(b, shape: [outputs]), geometry: geometry, applyingReLU: false), to: .plain))
            }
            XCTAssertEqual(nearDirect, results[1])
        }
    }

    func testGradientsByFiniteDifferences() {
        let saved = Backend.current
        defer { Backend.current = saved }
        Backend.current = backend
        // The picture into 16 channels and back out to 3, as a network's two ends.
        let x = randomTensor([1, 3, 7, 15], seed: 6)
        let (w1, b1) = (randomTensor([16, 3, 3, 3], seed: 7), randomTensor([16], seed: 8))
        let (w2, b2) = (randomTensor([3, 16, 5, 5], seed: 9), randomTensor([3], seed: 10))
        assertGradientsMatch([x, w1, b1, w2, b2]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], padding: Padding2D(1))
                .conv2d(weight: $0[3], bias: $0[4], padding: Padding2D(2))
        }
        // Both sides narrow: 3 → 2, with a rectangular kernel and 19 columns (a vector and a partial one).
        let (w3, b3) = (randomTensor([2, 3, 3, 5], seed: 15), randomTensor([2], seed: 16))
        assertGradientsMatch([randomTensor([1, 3, 7, 19], seed: 17), w3, b3]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], padding: Padding2D(top: 1, bottom: 1, left: 2, right: 2))
        }
        // 9 wide, few inputs, directly: Winograd along rows leaves ~10⁻⁴ of the scale, noise that
        // finite differences amplify past any useful tolerance (its forward is checked against the
        // definition instead).
        let savedRows = NarrowConvolution.winogradRows
        defer { NarrowConvolution.winogradRows = savedRows }
        NarrowConvolution.winogradRows = false
        let (w4, b4) = (randomTensor([8, 2, 3, 9], seed: 18), randomTensor([8], seed: 19))
        assertGradientsMatch([randomTensor([1, 2, 5, 13], seed: 20), w4, b4]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], padding: Padding2D(top: 1, bottom: 1, left: 4, right: 4))
        }
    }

    func testGradientsThroughAReLUMatchOneDNN() {
        let saved = Backend.current
        defer { Backend.current = saved }
        Backend.current = backend
        // A ReLU after each end: its mask reaches both kernels' input gradients (finite differences
        // would cross its kinks here, so oneDNN's gradients are the reference).
        let x = randomTensor([2, 3, 9, 20], seed: 11)
        let (w1, w2) = (randomTensor([16, 3, 3, 3], seed: 12), randomTensor([3, 16, 9, 9], seed: 13))
        let projection = randomTensor([2, 3, 9, 20], seed: 14)
        let gradients = [true, false].map { on in
            withKernels(on) {
                let v = x.variable()
                (v.conv2d(weight: w1, padding: Padding2D(1)).relu().conv2d(weight: w2, padding: Padding2D(4)).relu()
                    * projection).sum().backward()
                return v.grad!.toArray()
            }
        }
        // The 16 → 3 9×9's input gradient runs by Winograd along rows (~10⁻⁴ of the scale); a
        // mask that failed to reach a kernel would leave errors of the scale itself.
        assertCloseToScale(gradients[0], gradients[1], "x's gradient", tolerance: 3e-4)
    }

    func testOnlyStrideOneUngroupedNarrowConvolutionsRunHereAndNotForExactRuns() {
        // A backend that keeps to oneDNN's (PyTorch's) arithmetic never runs them.
        let exact = CPUBackend(gradientPrecision: .float32, winograd: .never)
        let (x, w) = (randomTensor([1, 3, 6, 7], seed: 40), randomTensor([16, 3, 3, 3], seed: 41))
        let (mine, theirs) = (backend.convolution(x, weight: w, bias: nil, geometry: WindowGeometry(kernel: 3, padding: 1),
                                                  applyingReLU: false),
                              exact.convolution(x, weight: w, bias: nil, geometry: WindowGeometry(kernel: 3, padding: 1),
                                                applyingReLU: false))
        assertCloseToScale(backend.download(backend.reorder(mine, to: .plain)), exact.download(exact.reorder(theirs, to: .plain)),
                    "3→16")
        XCTAssertNotEqual(backend.download(backend.reorder(mine, to: .plain)), exact.download(exact.reorder(theirs, to: .plain)),
                          "oneDNN sums in another order: bit for bit equal results would mean ours did not run")
        let plain = WindowGeometry(kernel: 3, padding: 1)
        XCTAssertNil(NarrowConvolution.kernel(inputChannels: 3, outputChannels: 64, inputLayout: .plain,
                                              geometry: WindowGeometry(kernel: 3, stride: 2, padding: 1)))
        XCTAssertNil(NarrowConvolution.kernel(inputChannels: 8, outputChannels: 3, inputLayout: .channelsBlocked8,
                                              geometry: WindowGeometry(kernel: 3, padding: 3)))
        XCTAssertNil(NarrowConvolution.kernel(inputChannels: 7, outputChannels: 64, inputLayout: .plain, geometry: plain))
        XCTAssertNil(NarrowConvolution.kernel(inputChannels: 3, outputChannels: 12, inputLayout: .plain, geometry: plain))
        XCTAssertNil(NarrowConvolution.kernel(inputChannels: 8, outputChannels: 7, inputLayout: .channelsBlocked8,
                                              geometry: plain))
        XCTAssertNil(NarrowConvolution.kernel(inputChannels: 16, outputChannels: 16, inputLayout: .channelsBlocked8,
                                              geometry: plain))
        XCTAssertNil(withKernels(false) {
            NarrowConvolution.kernel(inputChannels: 3, outputChannels: 64, inputLayout: .plain, geometry: plain)
        })
    }
}
