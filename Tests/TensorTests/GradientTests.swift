import Tensor
import TensorTestSupport
import XCTest

/// Finite-difference checks of every op's backward rule.
final class GradientTests: XCTestCase {
    override func setUp() { installBackend() }

    func testConvolution3x3FromPlainInputWithBias() {
        let x = randomTensor([1, 3, 7, 6], seed: 1)
        let w = randomTensor([16, 3, 3, 3], seed: 2)
        let b = randomTensor([16], seed: 3)
        assertGradientsMatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1) }
    }

    func testConvolution3x3BlockedWinogradPath() {
        let x = randomTensor([1, 16, 8, 8], layout: .channelsBlocked16, seed: 4)
        let w = randomTensor([32, 16, 3, 3], seed: 5)
        let b = randomTensor([32], seed: 6)
        assertGradientsMatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1) }
    }

    func testConvolutionStridedGeneralKernelBatched() {
        let x = randomTensor([2, 4, 9, 9], seed: 7)
        let w = randomTensor([5, 4, 5, 5], seed: 8)
        assertGradientsMatch([x, w]) { $0[0].conv2d(weight: $0[1], stride: 2, padding: 2) }
    }

    func testConvolutionRectangularAsymmetricAndGrouped() {
        let x = randomTensor([2, 6, 7, 8], seed: 31)
        let w = randomTensor([4, 3, 3, 2], seed: 32), b = randomTensor([4], seed: 33)
        let padding = Padding2D(top: 0, bottom: 1, left: 2, right: 1)
        assertGradientsMatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: padding, groups: 2) }
    }

    func testConvolutionDepthwiseBlocked() {
        for layout in [Layout.channelsBlocked8, .channelsBlocked16] {
            let x = randomTensor([1, 16, 7, 6], layout: layout, seed: 34)
            let w = randomTensor([16, 1, 3, 3], seed: 35), b = randomTensor([16], seed: 36)
            let padding = Padding2D(top: 0, bottom: 1, left: 0, right: 1)
            assertGradientsMatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: padding,
                                                           groups: 16) }
            assertGradientsMatch([x, w]) { $0[0].conv2d(weight: $0[1], padding: 1, groups: 16, applyingReLU: false) }
        }
    }

    func testConvolutionWithFusedReLUMatchesTheComposition() {
        // Finite differences across a ReLU kink are unreliable when a bias step moves a whole
        // channel; both parts are checked above, so the fused op must equal their composition.
        let x = randomTensor([1, 16, 6, 7], layout: .channelsBlocked16, seed: 19)
        let w = randomTensor([16, 16, 3, 3], seed: 20), b = randomTensor([16], seed: 21)
        let projection = Tensor(shape: [1, 16, 6, 7], values: randomValues(672, seed: 22))
        func gradients(fused: Bool, frozenInput: Bool) -> [[Float]] {
            let (xv, wv, bv) = (frozenInput ? x : x.variable(), w.variable(), b.variable())
            let y = fused ? xv.conv2d(weight: wv, bias: bv, padding: 1, applyingReLU: true)
                          : xv.conv2d(weight: wv, bias: bv, padding: 1).relu()
            (y * projection).sum().backward()
            return [xv, wv, bv].compactMap { $0.grad?.toArray() }
        }
        for frozenInput in [false, true] { // a frozen input must not skip the ReLU for the weights
            let (fused, separate) = (gradients(fused: true, frozenInput: frozenInput),
                                     gradients(fused: false, frozenInput: frozenInput))
            XCTAssertEqual(fused.count, frozenInput ? 2 : 3)
            for (f, s) in zip(fused, separate) {
                for (a, b) in zip(f, s) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
            }
        }
    }

    func testReLU() {
        let x = randomTensor([1, 16, 5, 5], layout: .channelsBlocked16, seed: 9)
        assertGradientsMatch([x]) { $0[0].relu() }
    }

    func testMaxPoolingBlockedAndOddSize() {
        let x = randomTensor([1, 16, 7, 6], layout: .channelsBlocked16, seed: 10)
        assertGradientsMatch([x]) { $0[0].pooled(.max) }
    }

    func testAveragePoolingPlain() {
        let x = randomTensor([2, 3, 6, 5], seed: 11)
        assertGradientsMatch([x]) { $0[0].pooled(.average) }
    }

    func testGramMatrixOfBlockedFeatures() {
        let x = randomTensor([1, 16, 5, 4], layout: .channelsBlocked16, seed: 12)
        assertGradientsMatch([x]) { $0[0].gramMatrix(scale: 0.05) }
    }

    func testMeanSquaredError() {
        let a = randomTensor([1, 16, 3, 3], layout: .channelsBlocked16, seed: 13)
        let b = randomTensor([1, 16, 3, 3], seed: 14)
        assertGradientsMatch([a, b]) { $0[0].meanSquaredError($0[1]) }
    }

    func testElementwiseArithmeticAndReductions() {
        let a = randomTensor([2, 3, 4], seed: 16), b = randomTensor([2, 3, 4], seed: 17)
        assertGradientsMatch([a, b]) { ($0[0] + $0[1]) * ($0[0] - $0[1]) * 0.5 }
        assertGradientsMatch([a]) { $0[0].squared().mean() * 3 + $0[0].sum() }
    }

    func testReorderRoundTrip() {
        let x = randomTensor([1, 32, 3, 2], seed: 18)
        assertGradientsMatch([x]) { $0[0].reordered(to: .channelsBlocked16) * 2 }
    }

    /// The tape holds variables weakly: one released before backward (nobody can read its
    /// gradient) is not kept alive by the tape, and backward still serves the others.
    func testBackwardSkipsVariablesThatWereReleased() {
        let kept = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        weak var released: Tensor?
        let loss: Tensor = {
            let temporary = Tensor(shape: [2], values: [3, 4], requiresGrad: true)
            released = temporary
            return (kept * 3 + temporary * 2).sum()
        }()
        XCTAssertNil(released, "the tape keeps a variable nobody else holds alive")
        loss.backward()
        XCTAssertEqual(kept.grad?.toArray(), [3, 3])
    }

    func testGradientAccumulatesOverSharedUses() {
        let x = Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true)
        (x * x + x).sum().backward() // d/dx = 2x + 1
        XCTAssertEqual(x.grad?.toArray(), [3, 5, 7])
    }

    /// An intermediate read by several ops: later gradients are summed in place into the first
    /// (which only the tape holds), never into one that another vertex still holds.
    func testGradientsOfAnIntermediateSumCorrectly() {
        let x = randomTensor([1, 16, 4, 3], layout: .channelsBlocked16, seed: 15)
        assertGradientsMatch([x]) { inputs in
            let y = inputs[0] * 1.5
            let passedThrough = y + y.relu() // `+` hands the same gradient to both of its inputs
            return (passedThrough * 2 + y.squared()).sum() + y.gramMatrix(scale: 0.1).sum()
        }
    }
}
