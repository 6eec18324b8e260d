import Tensor
import TensorCPU
import XCTest

/// Element-wise kernels on tensors large enough to be split across threads (OpenMP's team
/// where oneDNN brought libgomp): every chunk done once, none skipped.
final class ParallelLoopTests: XCTestCase {
    func testSplitLoopsCoverEveryElementOnce() {
        installBackend()
        let backend = Backend.current
        let count = 300_007
        let a = Tensor(shape: [count], values: randomValues(count, seed: 40))
        let b = Tensor(shape: [count], values: randomValues(count, seed: 41))
        let (va, vb) = (a.toArray(), b.toArray())
        XCTAssertEqual(Double(backend.sum(a)), va.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-3)
        XCTAssertEqual(Double(backend.absoluteSum(a)), va.reduce(0.0) { $0 + Double(abs($1)) }, accuracy: 1e-2)
        XCTAssertEqual(backend.binary(.multiply, a, b).toArray(), zip(va, vb).map { $0 * $1 })
        let sum = backend.scaled(a, by: 1)
        backend.add(b, into: sum)
        XCTAssertEqual(sum.toArray(), zip(va, vb).map { $0 + $1 })
    }
}
