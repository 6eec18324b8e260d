import NeuralStyle
import Tensor
import TensorTestSupport
import XCTest

/// The style-transfer loss terms built from the engine's ops.
final class LossTermTests: XCTestCase {
    override func setUp() { installBackend() }

    func testTotalVariationMatchesItsDefinition() {
        let x = randomTensor([1, 2, 2, 3], seed: 5)
        let v = x.toArray()
        var tv: Float = 0
        for c in 0..<2 { for i in 0..<1 { for j in 0..<2 {
            let p = v[(c * 2 + i) * 3 + j]
            tv += (p - v[(c * 2 + i) * 3 + j + 1]) * (p - v[(c * 2 + i) * 3 + j + 1])
                + (p - v[(c * 2 + i + 1) * 3 + j]) * (p - v[(c * 2 + i + 1) * 3 + j])
        } } }
        XCTAssertEqual(x.totalVariation().item(), tv, accuracy: 1e-5)
    }

    func testTotalVariationGradient() {
        let x = randomTensor([1, 3, 6, 7], seed: 15)
        assertGradientsMatch([x]) { $0[0].totalVariation() }
    }

    func testNormalisedGramIsDividedByTheFeatureSize() {
        let x = randomTensor([2, 16, 5, 4], layout: .channelsBlocked16, seed: 12)
        let a = x.gramMatrix().toArray(), b = x.gramMatrix(scale: 1).toArray()
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v / 320, accuracy: 1e-6) }
        assertGradientsMatch([x]) { $0[0].gramMatrix() }
    }

    func testNormalizingGradientScalesTheIncomingGradientToUnitL1Norm() {
        let x = randomTensor([1, 3, 4, 5], seed: 3).variable()
        let weights = randomTensor([1, 3, 4, 5], seed: 4)
        XCTAssertEqual(x.normalizingGradient(scale: 7).toArray(), x.toArray(), "forward is the identity")
        (x.normalizingGradient(scale: 7) * weights).sum().backward()
        let w = weights.toArray(), norm = w.reduce(0) { $0 + abs($1) }
        for (g, expected) in zip(x.grad!.toArray(), w.map { 7 * $0 / norm }) {
            XCTAssertEqual(g, expected, accuracy: 1e-6)
        }
    }
}
