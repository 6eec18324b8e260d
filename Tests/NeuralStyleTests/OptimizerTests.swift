import Foundation
@testable import NeuralStyle
import Tensor
import XCTest

/// Trajectories against torch.optim on the objective of scripts/pytorch/optimizer_reference.py.
final class OptimizerTests: XCTestCase {
    override func setUp() { prepareComputeBackend() }

    /// The objective on a tensor point, through the array version below.
    private func objective(_ x: Tensor) -> (loss: Float, gradient: Tensor) {
        let (loss, gradient) = objective(x.toArray())
        return (loss, Tensor(shape: x.shape, values: gradient))
    }

    private func objective(_ x: [Float]) -> (loss: Float, gradient: [Float]) {
        var loss: Float = 0
        var gradient = [Float](repeating: 0, count: x.count)
        for i in x.indices {
            let (d, c) = (Float(1 + i), Float(sin(Double(i + 1))))
            loss += 0.5 * d * (x[i] - c) * (x[i] - c) + 0.05 * pow(x[i], 4)
            gradient[i] = d * (x[i] - c) + 0.2 * pow(x[i], 3)
        }
        return (loss, gradient)
    }

    private func run(_ optimizer: Optimizer, iterations: Int) -> (losses: [Float], x: [Float]) {
        let x = Tensor(shape: [6], values: [Float](repeating: 0, count: 6))
        var losses: [Float] = []
        optimizer.minimize(x, iterations: iterations) { point in
            let result = objective(point)
            losses.append(result.loss)
            return result
        }
        return (losses, x.toArray())
    }

    private func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, file: StaticString = #filePath,
                             line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertLessThanOrEqual(abs(x - y), tolerance * max(1, abs(y)), "\(a) vs \(b)", file: file, line: line)
        }
    }

    func testLBFGSFollowsTorchOptim() {
        let (losses, x) = run(LBFGS(historySize: 100, learningRate: 1), iterations: 8)
        assertClose(losses, [4.889289379119873, 2.335216999053955, 0.28828349709510803, 0.17621654272079468,
                             0.11648577451705933, 0.10871723294258118, 0.10521221160888672, 0.1049695760011673], 1e-4)
        assertClose(x, [0.7551102638244629, 0.8482805490493774, 0.1409088373184204, -0.7368109822273254,
                        -0.9270834922790527, -0.27859318256378174], 1e-3)
    }

    func testAdamWithStepDecayFollowsTorchOptim() {
        let adam = Adam(learningRate: 0.3, decayEvery: 3, decayFactor: 0.5)
        XCTAssertEqual([1, 3, 4, 7].map(adam.learningRate(at:)), [0.3, 0.3, 0.15, 0.075])
        let (losses, x) = run(adam, iterations: 8)
        assertClose(losses, [4.889289379119873, 2.062194347381592, 0.7017412781715393, 0.27168795466423035,
                             0.31877273321151733, 0.43173539638519287, 0.5432697534561157, 0.573119044303894], 1e-4)
        assertClose(x, [1.0011130571365356, 1.1089825630187988, 0.09484697878360748, -0.998762309551239,
                        -1.1785075664520264, -0.23947633802890778], 1e-4)
    }

    func testOneEvaluationPerIterationAndNoEarlyStop() {
        // A start at the minimum: torch would stop on tolerances; we must not.
        let x = Tensor(shape: [2], values: [1, 2])
        var calls = 0
        LBFGS().minimize(x, iterations: 5) { point in
            calls += 1
            return (0, Tensor.full(point.shape, value: 0))
        }
        XCTAssertEqual(calls, 5)
    }

    func testRestoredStateContinuesExactly() throws {
        let makers: [() -> Optimizer] = [{ LBFGS(historySize: 3) }, { Adam(learningRate: 0.3, decayEvery: 2) }]
        for make in makers {
            let (_, uninterrupted) = run(make(), iterations: 8)
            let first = make()
            let x = Tensor(shape: [6], values: [Float](repeating: 0, count: 6))
            first.minimize(x, iterations: 5) { objective($0) }
            let second = make()
            try second.restore(first.state)
            XCTAssertEqual(second.state, first.state)
            second.minimize(x, iterations: 8) { objective($0) }
            XCTAssertEqual(x.toArray(), uninterrupted, "\(type(of: first)) resumed differently")
        }
        XCTAssertThrowsError(try LBFGS().restore(Adam().state))
    }
}
