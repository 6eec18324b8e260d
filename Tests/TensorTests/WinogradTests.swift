import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Our Winograd kernels (forward, input and weight gradients) against the written-out definition
/// of convolution, on every padding they take and on sizes that leave partial tiles, and by
/// finite differences; each on every way the kernels run here (Swift; AVX2 with 4×4 and 6×6
/// output tiles, block by block and in groups).
final class WinogradTests: XCTestCase {
    private let paddings = [Padding2D(1), Padding2D(0), Padding2D(2), Padding2D(top: 0, bottom: 1, left: 2, right: 1)]

    override func setUp() { installBackend() }

    /// Runs `body` once per way of running the kernels this CPU has, with a backend that runs
    /// every convolution it can on them, named for messages.
    private func forEachKernel(_ body: (String, CPUBackend) -> Void) {
        let (avx2, blockwise) = (WinogradConvolution.usesAVX2Kernels, WinogradConvolution.blockwiseChannelProduct)
        defer { (WinogradConvolution.usesAVX2Kernels, WinogradConvolution.blockwiseChannelProduct) = (avx2, blockwise) }
        var ways = [("Swift", false, blockwise, CPUBackend.WinogradTiles.four)]
        if WinogradConvolution.avx2KernelsAvailable {
            for tiles in [CPUBackend.WinogradTiles.four, .six] {
                ways += [("AVX2 \(tiles) blockwise", true, Int.max, tiles), ("AVX2 \(tiles) grouped", true, 0, tiles)]
            }
        }
        for (name, usesAVX2, product, tiles) in ways {
            (WinogradConvolution.usesAVX2Kernels, WinogradConvolution.blockwiseChannelProduct) = (usesAVX2, product)
            body(name, CPUBackend(gradientPrecision: .float32, winograd: .always, winogradTiles: tiles))
        }
    }

    func testForwardMatchesTheDefinitionWithBiasAndReLU() {
        // 32 outputs run on the AVX2 kernels where the CPU has them; 24 (not a multiple of 16) in Swift.
        forEachKernel { kernel, winograd in
            for (index, padding) in paddings.enumerated() {
                for ((height, width), outputs) in [((11, 9), 32), ((4, 4), 24), ((3, 5), 32), ((7, 13), 24)] {
                    let shape = [2, 16, height, width]
                    let (x, w, b) = (randomValues(shape.reduce(1, *), seed: 1), randomValues(outputs * 16 * 9, seed: 2),
                                     randomValues(outputs, seed: 3))
                    let geometry = WindowGeometry(kernelHeight: 3, kernelWidth: 3, padding: padding)
                    for relu in [false, true] {
                        let y = winograd.convolution(
                            winograd.reorder(winograd.upload(x, shape: shape), to: .channelsBlocked8),
                            weight: winograd.upload(w, shape: [outputs, 16, 3, 3]),
                            bias: winograd.upload(b, shape: [outputs]), geometry: geometry, applyingReLU: relu)
                        let expected = convolutionByDefinition(x, shape: shape, weights: w, bias: b, outputs: outputs,
                                                               geometry: geometry).map { relu ? max(0, $0) : $0 }
                        XCTAssertEqual(y.layout, .channelsBlocked8)
                        assertCloseToScale(winograd.download(winograd.reorder(y, to: .plain)), expected,
                                    "\(kernel), padding \(index), \(height)×\(width), \(outputs) outputs, ReLU \(relu)")
                    }
                }
            }
        }
    }

    func testInputGradientMatchesTheDefinition() {
        forEachKernel { kernel, winograd in inputGradientMatchesTheDefinition(kernel, winograd) }
    }

    private func inputGradientMatchesTheDefinition(_ kernel: String, _ winograd: CPUBackend) {
        for (index, padding) in paddings.enumerated() {
            let shape = [2, 16, 10, 7]
            let geometry = WindowGeometry(kernelHeight: 3, kernelWidth: 3, padding: padding)
            let outputShape = [2, 8, geometry.outputHeight(10), geometry.outputWidth(7)]
            let (dy, w) = (randomValues(outputShape.reduce(1, *), seed: 4), randomValues(8 * 16 * 9, seed: 5))
            let dx = winograd.convolutionBackwardData(
                winograd.reorder(winograd.upload(dy, shape: outputShape), to: .channelsBlocked8), reluMask: nil,
                weight: winograd.upload(w, shape: [8, 16, 3, 3]), inputShape: shape, inputLayout: .channelsBlocked8,
                geometry: geometry)
            // dx[c, y, x] = Σ dy[o, y + top − i, x + left − j] · w[o, c, i, j]
            var expected = [Float](repeating: 0, count: shape.reduce(1, *))
            let (oh, ow) = (outputShape[2], outputShape[3])
            for n in 0..<2 { for c in 0..<16 { for y in 0..<10 { for x in 0..<7 {
                var sum: Float = 0
                for o in 0..<8 { for i in 0..<3 { for j in 0..<3 {
                    let (r, q) = (y + padding.top - i, x + padding.left - j)
                    guard r >= 0, r < oh, q >= 0, q < ow else { continue }
                    sum += dy[((n * 8 + o) * oh + r) * ow + q] * w[((o * 16 + c) * 3 + i) * 3 + j]
                } } }
                expected[((n * 16 + c) * 10 + y) * 7 + x] = sum
            } } } }
            assertCloseToScale(winograd.download(winograd.reorder(dx, to: .plain)), expected, "\(kernel), padding \(index)")
        }
    }

    func testWeightGradientMatchesTheDefinition() {
        forEachKernel { kernel, winograd in
            for (index, padding) in paddings.enumerated() {
                let shape = [2, 16, 10, 7]
                let geometry = WindowGeometry(kernelHeight: 3, kernelWidth: 3, padding: padding)
                let outputShape = [2, 24, geometry.outputHeight(10), geometry.outputWidth(7)]
                let (dy, x) = (randomValues(outputShape.reduce(1, *), seed: 33), randomValues(shape.reduce(1, *), seed: 34))
                let (dw, db) = winograd.convolutionBackwardWeights(
                    winograd.reorder(winograd.upload(dy, shape: outputShape), to: .channelsBlocked8),
                    input: winograd.reorder(winograd.upload(x, shape: shape), to: .channelsBlocked8),
                    weightShape: [24, 16, 3, 3], withBias: true, geometry: geometry)
                // dw[o, c, i, j] = Σ dy[n, o, r, q] · x[n, c, r − top + i, q − left + j]; db[o] = Σ dy[n, o, r, q]
                var (expected, bias) = ([Float](repeating: 0, count: 24 * 16 * 9), [Float](repeating: 0, count: 24))
                let (oh, ow) = (outputShape[2], outputShape[3])
                for n in 0..<2 { for o in 0..<24 { for r in 0..<oh { for q in 0..<ow {
                    let g = dy[((n * 24 + o) * oh + r) * ow + q]
                    bias[o] += g
                    for c in 0..<16 { for i in 0..<3 { for j in 0..<3 {
                        let (y, z) = (r - padding.top + i, q - padding.left + j)
                        guard y >= 0, y < 10, z >= 0, z < 7 else { continue }
                        expected[((o * 16 + c) * 3 + i) * 3 + j] += g * x[((n * 16 + c) * 10 + y) * 7 + z]
                    } } }
                } } } }
                assertCloseToScale(winograd.download(dw), expected, "\(kernel), padding \(index)")
                assertCloseToScale(winograd.download(db!), bias, "\(kernel), padding \(index), bias")
            }
        }
    }

    func testInputGradientThroughAReLUMaskIsTheMaskedOnes() {
        // On the AVX2 kernels the mask is applied as dy is read; it must equal masking first.
        forEachKernel { kernel, winograd in
            for padding in paddings {
                let shape = [2, 16, 9, 11]
                let geometry = WindowGeometry(kernelHeight: 3, kernelWidth: 3, padding: padding)
                let outputShape = [2, 32, geometry.outputHeight(9), geometry.outputWidth(11)]
                let blocked = { (values: [Float]) in
                    winograd.reorder(winograd.upload(values, shape: outputShape), to: .channelsBlocked8)
                }
                let dy = blocked(randomValues(outputShape.reduce(1, *), seed: 30))
                let mask = winograd.reluMask(blocked(randomValues(outputShape.reduce(1, *), seed: 31)))
                let weight = winograd.upload(randomValues(32 * 16 * 9, seed: 32), shape: [32, 16, 3, 3])
                let gradients = [(dy, mask as AnyObject?), (winograd.reluBackward(dy, mask: mask), nil)].map { dy, mask in
                    winograd.download(winograd.reorder(winograd.convolutionBackwardData(
                        dy, reluMask: mask, weight: weight, inputShape: shape, inputLayout: .channelsBlocked8,
                        geometry: geometry), to: .plain))
                }
                XCTAssertEqual(gradients[0], gradients[1], "\(kernel), \(padding)")
            }
        }
    }

    func testGradientsByFiniteDifferences() {
        let saved = Backend.current
        defer { Backend.current = saved }
        // 16 → 16 channels: forward and input gradient both on the AVX2 kernels where the CPU has them.
        // The convolution is linear in each input, so central differences are exact at any step:
        // a long one keeps 6×6 tiles' rounding (a few 1e-6 of the outputs) out of the difference.
        forEachKernel { _, winograd in
            Backend.current = winograd
            let x = randomTensor([1, 16, 6, 5], layout: .channelsBlocked8, seed: 6)
            let w = randomTensor([16, 16, 3, 3], seed: 7), b = randomTensor([16], seed: 8)
            for padding in paddings {
                assertGradientsMatch([x, w, b], step: 0.25) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: padding) }
            }
        }
    }

    func testCheaperTilesAreSixOnManyPixelsAndFourOnFew() {
        // VGG-19's layers at 512×354: 6×6 at full size, halved and quartered; 4×4 at an eighth and
        // a sixteenth, where the 6×6 filters' larger transform outweighs the fewer products.
        for (height, width, tile) in [(354, 512, 6), (177, 256, 6), (88, 128, 6), (44, 64, 4), (22, 32, 4)] {
            XCTAssertEqual(WinogradConvolution.tile(outputHeight: height, outputWidth: width, avx2: true, choice: .cheaper),
                           tile, "\(height)×\(width)")
        }
        XCTAssertEqual(WinogradConvolution.tile(outputHeight: 354, outputWidth: 512, avx2: false, choice: .six), 4)
        XCTAssertEqual(WinogradConvolution.tile(outputHeight: 22, outputWidth: 32, avx2: true, choice: .six), 6)
        XCTAssertEqual(WinogradConvolution.tile(outputHeight: 354, outputWidth: 512, avx2: true, choice: .four), 4)
        withConvolutionAccuracy(.nearDirect) {
            XCTAssertEqual(WinogradConvolution.tile(outputHeight: 354, outputWidth: 512, avx2: true, choice: .six), 4)
        }
        // And the choice reaches the kernels: on 96×96 `.cheaper` computes what `.six` does, bit
        // for bit, and not what `.four` does.
        guard WinogradConvolution.usesAVX2Kernels else { return }
        let shape = [1, 32, 96, 96]
        let (x, w) = (randomValues(shape.reduce(1, *), seed: 13), randomValues(32 * 32 * 9, seed: 14))
        let outputs = [CPUBackend.WinogradTiles.cheaper, .six, .four].map { tiles in
            let backend = CPUBackend(gradientPrecision: .float32, winograd: .always, winogradTiles: tiles)
            let y = backend.convolution(backend.reorder(backend.upload(x, shape: shape), to: .channelsBlocked8),
                                        weight: backend.upload(w, shape: [32, 32, 3, 3]), bias: nil,
                                        geometry: WindowGeometry(kernel: 3, padding: 1), applyingReLU: false)
            return backend.download(y)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertNotEqual(outputs[0], outputs[2])
    }

    func testWhereFasterTakesOnlyWideConvolutionsOfManyTiles() {
        let fast = CPUBackend(gradientPrecision: .float32, winograd: .whereFaster)
        let direct = CPUBackend(gradientPrecision: .float32, winograd: .never)
        // Winograd (within 1e-5, but not bit for bit) on 128 channels and 12×12 tiles, and with the
        // AVX2 kernels on 32 to 64 channels too; else oneDNN's direct kernels on both backends, bit
        // for bit: too few channels, or too few tiles (6×6).
        let avx2 = WinogradConvolution.usesAVX2Kernels
        for (channels, side, winograd) in [(128, 48, true), (64, 48, avx2), (32, 48, avx2), (16, 48, false),
                                           (128, 24, false)] {
            let shape = [1, channels, side, side]
            let (x, w) = (randomValues(shape.reduce(1, *), seed: 9), randomValues(channels * channels * 9, seed: 10))
            let outputs = [fast, direct].map { backend in
                let y = backend.convolution(backend.reorder(backend.upload(x, shape: shape), to: .channelsBlocked8),
                                            weight: backend.upload(w, shape: [channels, channels, 3, 3]), bias: nil,
                                            geometry: WindowGeometry(kernel: 3, padding: 1), applyingReLU: false)
                return backend.download(backend.reorder(y, to: .plain))
            }
            if winograd {
                XCTAssertNotEqual(outputs[0], outputs[1], "\(channels) channels, \(side)²")
                assertCloseToScale(outputs[0], outputs[1], "\(channels) channels, \(side)²")
            } else {
                XCTAssertEqual(outputs[0], outputs[1], "\(channels) channels, \(side)²")
            }
        }
    }

    func testWhereFasterTakesWeightGradientsOnlyOfEnoughTilesAndChannels() {
        let fast = CPUBackend(gradientPrecision: .float32, winograd: .whereFaster)
        let direct = CPUBackend(gradientPrecision: .float32, winograd: .never)
        // Winograd where the forward runs on it with 64 channels or more and more tiles than half
        // the channels (12×12 tiles of 128 channels); oneDNN's bit for bit on 32 channels, and on
        // 128 channels of 6×6 tiles (36 < 64).
        let avx2 = WinogradConvolution.usesAVX2Kernels
        for (channels, side, winograd) in [(128, 48, true), (64, 48, avx2), (32, 48, false), (128, 24, false)] {
            let shape = [1, channels, side, side]
            let (x, dy) = (randomValues(shape.reduce(1, *), seed: 11), randomValues(shape.reduce(1, *), seed: 12))
            let gradients = [fast, direct].map { backend in
                let blocked = { backend.reorder(backend.upload($0, shape: shape), to: .channelsBlocked8) }
                return backend.download(backend.convolutionBackwardWeights(
                    blocked(dy), input: blocked(x), weightShape: [channels, channels, 3, 3], withBias: false,
                    geometry: WindowGeometry(kernel: 3, padding: 1)).weight)
            }
            if winograd {
                XCTAssertNotEqual(gradients[0], gradients[1], "\(channels) channels, \(side)²")
                assertCloseToScale(gradients[0], gradients[1], "\(channels) channels, \(side)²")
            } else {
                XCTAssertEqual(gradients[0], gradients[1], "\(channels) channels, \(side)²")
            }
        }
    }
}
