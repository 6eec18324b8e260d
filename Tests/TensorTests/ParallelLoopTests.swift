import Tensor
import TensorTestSupport
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
        XCTAssertEqual(Double(backend.sum(a, to: [1]).item()), va.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-3)
        XCTAssertEqual(Double(backend.absoluteSum(a).item()), va.reduce(0.0) { $0 + Double(abs($1)) }, accuracy: 1e-2)
        XCTAssertEqual(backend.binary(.multiply, a, b).toArray(), zip(va, vb).map { $0 * $1 })
        let sum = backend.affine(a, scale: 1, shift: 0)
        backend.add(b, into: sum)
        XCTAssertEqual(sum.toArray(), zip(va, vb).map { $0 + $1 })
        XCTAssertEqual(Double(backend.dot(a, b).item()), zip(va, vb).reduce(0.0) { $0 + Double($1.0 * $1.1) }, accuracy: 1e-3)
        backend.axpy(2, a, sum)
        XCTAssertEqual(sum.toArray(), zip(va, vb).map { $0 + $1 + 2 * $0 })
    }

    func testTasksOfUnequalLengthRunOnceEach() {
        // Threads take tasks as they free up: the long first tasks must not make any run twice or never.
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        parallelTasks(64) { task in
            var sum = 0.0
            for k in 0..<(task < 4 ? 200_000 : 1_000) { sum += Double(k) }  // each task writes only its own slot
            counts[task] += sum > 0 ? 1 : 0
        }
        XCTAssertEqual(Array(counts), [Int](repeating: 1, count: 64))
    }
}
