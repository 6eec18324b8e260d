import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Gram matrices of 8-channel-blocked maps read in place, against `dnnl_sgemm` on plain copies,
/// and by finite differences.
final class BlockedGramTests: XCTestCase {
    override func setUpWithError() throws {
        installBackend()
        try XCTSkipUnless(BlockedGram.enabled, "needs AVX2")
    }

    /// Runs `body` with the kernels on (`true`) or off (sgemm), restoring the setting afterwards.
    private func withKernels<T>(_ on: Bool, _ body: () -> T) -> T {
        let saved = BlockedGram.enabled
        defer { BlockedGram.enabled = saved }
        BlockedGram.enabled = on
        return body()
    }

    func testGramAndItsGradientMatchSgemmOnPlainCopies() {
        // 24 channels: a tile of two blocks and one of one; 1 100 pixels: runs of 512 and a partial
        // one, and pixel runs of 6 with a remainder in the gradient; two samples.
        for shape in [[2, 24, 25, 44], [1, 64, 7, 9]] {
            let x = randomTensor(shape, layout: .channelsBlocked8, seed: 1)
            let dg = randomTensor([shape[0], shape[1], shape[1]], seed: 2)
            let backend = Backend.current
            let results = [true, false].map { on in
                withKernels(on) {
                    XCTAssertEqual(BlockedGram.takes(x), on)
                    let (g, context) = backend.gram(x, scale: 0.01)
                    let dx = backend.gramBackward(dg, scale: 0.01, context: context)
                    XCTAssertEqual(dx.layout, .channelsBlocked8)
                    return (g.toArray(), dx.toArray())
                }
            }
            assertCloseToScale(results[0].0, results[1].0, "\(shape) Gram")
            assertCloseToScale(results[0].1, results[1].1, "\(shape) gradient")
            // Symmetric to the bit: each entry is written at (i, j) and (j, i).
            let (c, g) = (shape[1], results[0].0)
            XCTAssertTrue((0..<c).allSatisfy { i in (0..<c).allSatisfy { j in g[i * c + j] == g[j * c + i] } })
        }
    }

    func testGradientsByFiniteDifferences() {
        let x = randomTensor([1, 16, 5, 7], layout: .channelsBlocked8, seed: 3)
        assertGradientsMatch([x]) { $0[0].gramMatrix(scale: 0.05) }
    }
}
