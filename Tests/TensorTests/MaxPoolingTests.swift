import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Our 2×2 max pooling against oneDNN's (values and gradients, odd sizes included), against
/// PyTorch's rules on ties and NaN, and by finite differences.
final class MaxPoolingTests: XCTestCase {

    override func setUpWithError() throws {
        installBackend()
        try XCTSkipUnless(MaxPooling.enabled, "needs AVX2")
    }

    /// `body`'s result with our kernels and with oneDNN's.
    private func bothWays<T>(_ body: () -> T) -> (ours: T, oneDNN: T) {
        defer { MaxPooling.enabled = true }
        MaxPooling.enabled = true
        let ours = body()
        MaxPooling.enabled = false
        return (ours, body())
    }

    func testValuesAndGradientsMatchOneDNN() {
        for shape in [[2, 16, 8, 10], [1, 8, 7, 9], [1, 24, 2, 3]] {
            let x = randomTensor(shape, layout: .channelsBlocked8, seed: 21)
            let projection = randomTensor([shape[0], shape[1], shape[2] / 2, shape[3] / 2], seed: 22)
            let (ours, oneDNN) = bothWays { () -> ([Float], [Float]) in
                let v = x.variable()
                let y = v.pooled(.max)
                (y * projection).sum().backward()
                return (y.toArray(), v.grad!.toArray())
            }
            XCTAssertEqual(ours.0, oneDNN.0, "\(shape) values")
            XCTAssertEqual(ours.1, oneDNN.1, "\(shape) gradients")
        }
    }

    func testTiesGoToTheFirstPositionAndNaNWins() {
        // One 2×2 window per channel: channel 0 all zeros (a tie: the gradient goes to the
        // top-left), channel 1 a tie between the last two, channel 2 a NaN bottom-left.
        var values = [Float](repeating: 0, count: 8 * 4)
        for (channel, window) in [(1, [1, 2, 5, 5]), (2, [9, 1, .nan, 3])] as [(Int, [Float])] {
            for k in 0..<4 { values[channel * 4 + k] = window[k] }
        }
        let x = Backend.current.reorder(Tensor(shape: [1, 8, 2, 2], values: values), to: .channelsBlocked8)
        let v = x.variable()
        let y = v.pooled(.max)
        y.sum().backward()
        let (pooled, gradient) = (y.toArray(), v.grad!.toArray())
        XCTAssertEqual(Array(pooled[0..<2]), [0, 5])
        XCTAssertTrue(pooled[2].isNaN)
        XCTAssertEqual(Array(gradient[0..<12]), [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0])
    }

    func testGradientsByFiniteDifferences() {
        let x = randomTensor([1, 8, 6, 5], layout: .channelsBlocked8, seed: 23)
        assertGradientsMatch([x]) { $0[0].pooled(.max) }
    }
}
