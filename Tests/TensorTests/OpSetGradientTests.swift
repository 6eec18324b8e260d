import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Finite-difference checks of the general op set (broadcasting arithmetic, unary functions,
/// reductions, shapes, padding, resizing, normalisation, matmul) and forward checks against
/// definitions written out here.
final class OpSetGradientTests: XCTestCase {
    override func setUp() { installBackend() }

    func testBroadcastingArithmetic() {
        let a = randomTensor([2, 3, 4, 5], seed: 1), b = randomTensor([1, 3, 1, 1], seed: 2)
        let c = randomTensor([4, 5], seed: 3)
        assertGradientsMatch([a, b]) { $0[0] + $0[1] }
        assertGradientsMatch([a, b]) { $0[0] - $0[1] }
        assertGradientsMatch([a, c]) { $0[0] * $0[1] }
        let positive = Tensor(shape: [1, 3, 1, 1], values: [1.5, 2, 2.5])
        assertGradientsMatch([a, positive]) { $0[0] / $0[1] }
        assertGradientsMatch([b, a]) { $0[0] / ($0[1].squared() + 1) }
    }

    func testBroadcastForwardMatchesDefinition() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), b = Tensor(shape: [3], values: [10, 20, 30])
        XCTAssertEqual((a + b).toArray(), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((b - a).toArray(), [9, 18, 27, 6, 15, 24])
        XCTAssertEqual((a / Tensor(shape: [2, 1], values: [1, 2])).toArray(), [1, 2, 3, 2, 2.5, 3])
    }

    func testPerChannelBroadcastKeepsTheBlockedLayout() {
        for layout in [Layout.channelsBlocked8, .channelsBlocked16] {
            let x = randomTensor([2, 16, 3, 4], layout: layout, seed: 51)
            let perChannel = Tensor(shape: [1, 16, 1, 1], values: randomValues(16, seed: 52).map { 2 + $0 })
            let perSample = Tensor(shape: [2, 16, 1, 1], values: randomValues(32, seed: 53).map { 2 + $0 })
            XCTAssertEqual((x * perChannel).layout, layout)
            XCTAssertEqual((perSample - x).layout, layout)
            for (y, expected) in [(x / perSample, x.reordered(to: .plain) / perSample),
                                  (perChannel - x, perChannel - x.reordered(to: .plain))] {
                XCTAssertEqual(y.toArray(), expected.toArray())
            }
            assertGradientsMatch([x, perChannel]) { $0[0] * $0[1] + $0[1] }
            assertGradientsMatch([x, perSample]) { $0[1] / $0[0].squared().affine(scale: 1, shift: 1) - $0[0] / $0[1] }
        }
    }

    func testSameShapeDivisionInBlockedLayout() {
        let a = randomTensor([1, 16, 3, 3], layout: .channelsBlocked16, seed: 4)
        let b = Tensor(shape: [1, 16, 3, 3], values: randomValues(144, seed: 5).map { 2 + $0 })
        assertGradientsMatch([a, b]) { $0[0] / $0[1] }
    }

    func testUnaryFunctions() {
        let x = randomTensor([2, 16, 3, 4], layout: .channelsBlocked16, seed: 6)
        assertGradientsMatch([x]) { $0[0].tanh() }
        assertGradientsMatch([x]) { $0[0].sigmoid() }
        assertGradientsMatch([x]) { $0[0].squared() }
        assertGradientsMatch([x]) { $0[0].clamped(-0.5, 0.5) }
        assertGradientsMatch([x]) { ($0[0].squared() + 0.5).sqrt() }
        XCTAssertEqual(Tensor(shape: [3], values: [-7, 3, 9]).clamped(0, 6).toArray(), [0, 3, 6])
        XCTAssertEqual(Tensor(shape: [1], values: [0]).sigmoid().toArray(), [0.5])
    }

    func testFakeQuantisationMatchesONNXAndPassesGradientsStraightThrough() {
        forEachElementwiseKernel { _ in fakeQuantisationMatchesONNXAndPassesGradientsStraightThrough() }
    }

    private func fakeQuantisationMatchesONNXAndPassesGradientsStraightThrough() {
        // Scale 0.5: 0.25 and 0.75 are halves of a step and round to even (0 and 2 steps).
        let x = Tensor(shape: [8], values: [0.25, 0.75, -0.25, 1.3, 70, -70, 0.1, -1.6])
        XCTAssertEqual(x.fakeQuantized(scale: 0.5).toArray(), [0, 1, 0, 1.5, 63.5, -64, 0, -1.5])
        XCTAssertEqual(x.fakeQuantized(scale: 0.5, zeroPoint: 10, range: 0...255).toArray(),
                       [0, 1, 0, 1.5, 70, -5, 0, -1.5])
        // The staircase has no useful derivative; the estimator passes dy where nothing was clamped.
        let v = x.variable()
        (v.fakeQuantized(scale: 0.5) * Tensor(shape: [8], values: [1, 2, 3, 4, 5, 6, 7, 8])).sum().backward()
        XCTAssertEqual(v.grad?.toArray(), [1, 2, 3, 4, 0, 0, 7, 8])
        let blocked = randomTensor([1, 16, 2, 3], layout: .channelsBlocked16, seed: 9)
        XCTAssertEqual(blocked.fakeQuantized(scale: 0.1).toArray(),
                       blocked.toArray().map { ($0 / 0.1).rounded(.toNearestOrEven) * 0.1 })
        // Far outside the range: clamped, not overflowed; NaN stays NaN (eight at a time and alone).
        let extremes = Tensor(shape: [11], values: [1e30, -1e30, .nan, 0.25, 0.75, 1e30, -1e30, .nan, 0.3, .nan, -1e30])
            .fakeQuantized(scale: 0.5).toArray()
        let expected: [Float] = [63.5, -64, .nan, 0, 1, 63.5, -64, .nan, 0.5, .nan, -64]
        XCTAssertEqual(extremes.map(\.isNaN), expected.map(\.isNaN))
        XCTAssertEqual(extremes.filter { !$0.isNaN }, expected.filter { !$0.isNaN })
    }

    func testAffineAndScalarArithmetic() {
        let x = randomTensor([3, 4], seed: 7)
        assertGradientsMatch([x]) { ($0[0] * 3 + 2) / 4 - 1 }
        XCTAssertEqual((Tensor(shape: [2], values: [1, 2]) * 2 + 1).toArray(), [3, 5])
    }

    func testReductionsAlongAxes() {
        let x = randomTensor([2, 3, 4, 5], seed: 8)
        assertGradientsMatch([x]) { $0[0].sum(alongAxes: [2, 3]) }
        assertGradientsMatch([x]) { $0[0].mean(alongAxes: [0, 2, 3], keepingDimensions: true) }
        assertGradientsMatch([x]) { $0[0].variance(alongAxes: [2, 3]) }
        assertGradientsMatch([x]) { $0[0].variance(alongAxes: [2, 3], unbiased: true) }
        let y = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(y.sum(alongAxes: [0]).toArray(), [5, 7, 9])
        XCTAssertEqual(y.sum(alongAxes: [1], keepingDimensions: true).shape, [2, 1])
        XCTAssertEqual(y.mean(alongAxes: [1]).toArray(), [2, 5])
        XCTAssertEqual(y.variance(alongAxes: [1], unbiased: true).toArray(), [1, 1])
        XCTAssertEqual(y.sum().item(), 21)
        // Spatial sums read blocked layouts in place; planes of more than 256 pixels add in runs.
        for layout in [Layout.plain, .channelsBlocked8, .channelsBlocked16] {
            let z = randomTensor([2, 16, 30, 41], layout: layout, seed: 10)
            let values = z.toArray(), plane = 30 * 41
            let expected = (0..<32).map { k in Float(values[k * plane..<(k + 1) * plane].reduce(0.0) { $0 + Double($1) }) }
            for (got, want) in zip(z.sum(alongAxes: [2, 3], keepingDimensions: true).toArray(), expected) {
                XCTAssertEqual(got, want, accuracy: 1e-5 * Float(plane), "\(layout)")
            }
            // The same bits in every layout: the plain layout's order of addition.
            XCTAssertEqual(z.sum(alongAxes: [2, 3]).toArray(), z.reordered(to: .plain).sum(alongAxes: [2, 3]).toArray())
        }
        // Blocked feature maps stay blocked through spatial means and their gradients (AdaIN's statistics).
        for layout in [Layout.channelsBlocked8, .channelsBlocked16] {
            let z = randomTensor([2, 16, 3, 4], layout: layout, seed: 11)
            assertGradientsMatch([z]) { $0[0].mean(alongAxes: [2, 3], keepingDimensions: true) * $0[0] }
            assertGradientsMatch([z]) { $0[0].variance(alongAxes: [2, 3], unbiased: true) }
            let v = z.variable()
            (v.mean(alongAxes: [2, 3], keepingDimensions: true) * randomTensor([2, 16, 1, 1], seed: 12)).sum().backward()
            XCTAssertEqual(v.grad?.layout, layout, "the gradient comes back in the feature map's layout")
        }
    }

    func testReshapeSliceAndConcatenate() {
        let x = randomTensor([2, 16, 3, 4], layout: .channelsBlocked16, seed: 9)
        let z = randomTensor([2, 5, 3, 4], seed: 10)
        assertGradientsMatch([x]) { $0[0].reshaped([2, 16, 12]) }
        assertGradientsMatch([x]) { $0[0].slice(axis: 1, 3..<9) }
        assertGradientsMatch([x]) { $0[0].slice(axis: -1, 1..<4).slice(axis: 0, 1..<2) }
        assertGradientsMatch([x, z]) { Tensor.concatenate([$0[0], $0[1], $0[0]], axis: 1) }
        assertGradientsMatch([z]) { Tensor.concatenate([$0[0], $0[0]], axis: 0) }
        let y = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(y.slice(axis: 1, 1..<3).toArray(), [2, 3, 5, 6])
        XCTAssertEqual(Tensor.concatenate([y, y.slice(axis: 1, 0..<1)], axis: 1).toArray(), [1, 2, 3, 1, 4, 5, 6, 4])
    }

    func testPaddingZeroReflectionAndReplicationAsymmetric() {
        let padding = Padding2D(top: 2, bottom: 1, left: 0, right: 3)
        for layout in [Layout.plain, .channelsBlocked8, .channelsBlocked16] {
            let x = randomTensor([2, 16, 5, 4], layout: layout, seed: 11)
            assertGradientsMatch([x]) { $0[0].padded(padding, mode: .zero) }
            assertGradientsMatch([x]) { $0[0].padded(padding, mode: .reflect) }
            assertGradientsMatch([x]) { $0[0].padded(padding, mode: .replicate) }
        }
        // Against PyTorch's ReflectionPad2d((1, 2, 1, 0)) on [[1, 2, 3], [4, 5, 6]].
        let y = Tensor(shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(y.padded(Padding2D(top: 1, bottom: 0, left: 1, right: 2), mode: .reflect).toArray(),
                       [5, 4, 5, 6, 5, 4, 2, 1, 2, 3, 2, 1, 5, 4, 5, 6, 5, 4])
        // ReplicationPad2d((1, 2, 1, 0)).
        XCTAssertEqual(y.padded(Padding2D(top: 1, bottom: 0, left: 1, right: 2), mode: .replicate).toArray(),
                       [1, 1, 2, 3, 3, 3, 1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6])
        XCTAssertEqual(y.padded(Padding2D(1), mode: .zero).toArray(),
                       [0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0])
    }

    func testNearestUpsampling() {
        for layout in [Layout.plain, .channelsBlocked8, .channelsBlocked16] {
            let x = randomTensor([2, 16, 3, 4], layout: layout, seed: 12)
            assertGradientsMatch([x]) { $0[0].upsampledNearest(factor: 2) }
        }
        let y = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4]).upsampledNearest(factor: 2)
        XCTAssertEqual(y.toArray(), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    func testInstanceNormalisationPlainAffineAndConditional() {
        let x = randomTensor([2, 3, 4, 5], seed: 13)
        let gamma = randomTensor([3], seed: 14), beta = randomTensor([3], seed: 15)
        let perSampleGamma = randomTensor([2, 3], seed: 16), perSampleBeta = randomTensor([2, 3], seed: 17)
        assertGradientsMatch([x]) { $0[0].instanceNormalized() }
        assertGradientsMatch([x, gamma, beta]) { $0[0].instanceNormalized(gamma: $0[1], beta: $0[2]) }
        assertGradientsMatch([x, perSampleGamma, perSampleBeta]) { $0[0].instanceNormalized(gamma: $0[1], beta: $0[2]) }
    }

    func testConditionalInstanceNormMixesStylesPerSample() {
        let x = randomTensor([2, 3, 4, 5], seed: 41)
        let mix = Tensor(shape: [2, 4], values: [0.5, 0, 0.5, 0, 0, 1, 0, 0])
        let gamma = randomTensor([4, 3], seed: 42), beta = randomTensor([4, 3], seed: 43)
        assertGradientsMatch([x, gamma, beta]) {
            $0[0].instanceNormalized(gamma: mix.matmul($0[1]), beta: mix.matmul($0[2]))
        }
        let layer = InstanceNorm2d(channels: 3, styles: 4)
        layer.weight.assign(gamma)
        layer.bias.assign(beta)
        let second = layer(x, styleWeights: mix).slice(axis: 0, 1..<2).toArray()
        let alone = x.slice(axis: 0, 1..<2).instanceNormalized(gamma: gamma.slice(axis: 0, 1..<2).reshaped([3]),
                                                               beta: beta.slice(axis: 0, 1..<2).reshaped([3])).toArray()
        XCTAssertEqual(second.count, alone.count)
        for (a, b) in zip(second, alone) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testInstanceNormalisationBlockedMatchesItsDefinition() {
        for layout in [Layout.channelsBlocked8, .channelsBlocked16] {
            assertInstanceNormMatchesItsDefinition(randomTensor([2, 32, 3, 5], layout: layout, seed: 18))
        }
    }

    /// The statistics in double, against the kernels (AVX2 and portable) on planes whose mean is
    /// far from zero (a one-pass variance that cancels would be off by far more than 1e-3 here),
    /// in every layout, across runs of 256 pixels and a plain plane's odd tail; inference, which
    /// keeps no x̂, gives the same values as a recorded pass.
    func testInstanceNormKernelsMatchADoubleReference() {
        forEachElementwiseKernel { kernels in
            for layout in [Layout.plain, .channelsBlocked8, .channelsBlocked16] {
                let x = randomTensor([2, 16, 17, 19], seed: 31) + 1000
                let placed = x.reordered(to: layout)
                let gamma = randomTensor([16], seed: 32), beta = randomTensor([16], seed: 33)
                let inferred = withoutGradients { placed.instanceNormalized(gamma: gamma, beta: beta, applyingReLU: true) }
                let recorded = placed.variable().instanceNormalized(gamma: gamma, beta: beta, applyingReLU: true)
                XCTAssertEqual(inferred.toArray(), recorded.toArray(), "\(layout), kernels \(kernels)")
                let (values, g, b, pixels) = (x.toArray().map(Double.init), gamma.toArray(), beta.toArray(), 17 * 19)
                var expected = [Float]()
                for plane in 0..<32 {
                    let slice = values[plane * pixels..<(plane + 1) * pixels]
                    let mean = slice.reduce(0, +) / Double(pixels)
                    let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(pixels)
                    let c = plane % 16
                    expected += slice.map { Float(max(0, ($0 - mean) / (variance + 1e-5).squareRoot() * Double(g[c]) + Double(b[c]))) }
                }
                for (a, e) in zip(inferred.toArray(), expected) { XCTAssertEqual(a, e, accuracy: 5e-4, "\(layout), kernels \(kernels)") }
            }
        }
    }

    private func assertInstanceNormMatchesItsDefinition(_ x: Tensor) {
        let gamma = randomTensor([32], seed: 19), beta = randomTensor([32], seed: 20)
        assertGradientsMatch([x, gamma, beta]) { $0[0].instanceNormalized(gamma: $0[1], beta: $0[2]) }
        let composed = (x - x.mean(alongAxes: [2, 3], keepingDimensions: true))
            / (x.variance(alongAxes: [2, 3]) + 1e-5).sqrt() * gamma.reshaped([1, 32, 1, 1]) + beta.reshaped([1, 32, 1, 1])
        let fused = x.instanceNormalized(gamma: gamma, beta: beta)
        for (a, b) in zip(fused.toArray(), composed.toArray()) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testInstanceNormalisationWithFusedReLUMatchesTheComposition() {
        let x = randomTensor([2, 16, 4, 4], layout: .channelsBlocked16, seed: 21)
        let gamma = randomTensor([16], seed: 22), beta = randomTensor([16], seed: 23)
        let projection = randomTensor([2, 16, 4, 4], seed: 24)
        func gradients(fused: Bool) -> [[Float]] {
            let (xv, gv, bv) = (x.variable(), gamma.variable(), beta.variable())
            let y = fused ? xv.instanceNormalized(gamma: gv, beta: bv, applyingReLU: true)
                          : xv.instanceNormalized(gamma: gv, beta: bv).relu()
            (y * projection).sum().backward()
            return [y.toArray()] + [xv, gv, bv].map { $0.grad!.toArray() }
        }
        for (f, s) in zip(gradients(fused: true), gradients(fused: false)) {
            for (a, b) in zip(f, s) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        }
    }

    func testBatchedMatmulWithTransposesAndSharedBatch() {
        let a = randomTensor([2, 3, 4], seed: 25), b = randomTensor([2, 4, 5], seed: 26)
        let at = randomTensor([2, 4, 3], seed: 27), bt = randomTensor([2, 5, 4], seed: 28)
        let shared = randomTensor([1, 4, 5], seed: 29), matrix = randomTensor([5, 4], seed: 30)
        assertGradientsMatch([a, b]) { $0[0].matmul($0[1]) }
        assertGradientsMatch([at, b]) { $0[0].matmul($0[1], transposingSelf: true) }
        assertGradientsMatch([a, bt]) { $0[0].matmul($0[1], transposingOther: true) }
        assertGradientsMatch([at, bt]) { $0[0].matmul($0[1], transposingSelf: true, transposingOther: true) }
        assertGradientsMatch([a, shared]) { $0[0].matmul($0[1]) }
        assertGradientsMatch([matrix, a.slice(axis: 0, 0..<1).reshaped([3, 4])]) { $0[1].matmul($0[0], transposingOther: true) }
        let p = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), q = Tensor(shape: [2, 2], values: [5, 6, 7, 8])
        XCTAssertEqual(p.matmul(q).toArray(), [19, 22, 43, 50])
        XCTAssertEqual(p.matmul(q, transposingSelf: true).toArray(), [26, 30, 38, 44])
    }

    func testModuleParametersAreNamedLikePyTorchAndLoadStrictly() throws {
        final class Block: Module {
            let conv: Conv2d
            let norm: InstanceNorm2d
            let layers: [Conv2d]
            init() {
                var generator = SeededGenerator(seed: 1)
                conv = Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, using: &generator)
                norm = InstanceNorm2d(channels: 4)
                layers = [Conv2d(inputChannels: 4, outputChannels: 2, kernelSize: 1, bias: false, using: &generator)]
            }
        }
        let block = Block()
        XCTAssertEqual(block.namedParameters().map(\.name),
                       ["conv.weight", "conv.bias", "norm.weight", "norm.bias", "layers.0.weight"])
        XCTAssertEqual(block.trainableParameters().count, 5)
        block.freeze()
        XCTAssertEqual(block.trainableParameters().count, 0)
        var state = block.stateDictionary().mapValues { Tensor(shape: $0.shape, values: Array(repeating: 0.5, count: $0.count)) }
        try block.load(state)
        XCTAssertEqual(block.norm.weight.toArray(), [0.5, 0.5, 0.5, 0.5])
        state["extra"] = Tensor(scalar: 1)
        XCTAssertThrowsError(try block.load(state))
        state["extra"] = nil
        state["conv.bias"] = Tensor(shape: [3], values: [1, 2, 3])
        XCTAssertThrowsError(try block.load(state)) { XCTAssertTrue("\($0)".contains("conv.bias")) }
    }
}
