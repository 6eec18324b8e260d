import Tensor
import XCTest

/// The buffer pool reuses idle buffers, and frees them rather than grow past its budget.
final class BufferPoolTests: XCTestCase {
    private let megabyte = 1 << 20

    /// Takes and returns a 2 MiB buffer, then asks for 0.75 MiB (which the idle one is too
    /// large to serve); returns the bytes the pool then holds.
    private func allocatedAfterTwoSizes(budget: Int) -> Int {
        let pool = BufferPool(budget: budget)
        pool.give(pool.take(2 * megabyte), bytes: 2 * megabyte)
        let again = pool.take(2 * megabyte)
        XCTAssertEqual(pool.bytesAllocated, 2 * megabyte, "an idle buffer of the same size is reused")
        pool.give(again, bytes: 2 * megabyte)
        let small = pool.take(3 * megabyte / 4)
        defer { pool.give(small, bytes: 3 * megabyte / 4) }
        return pool.bytesAllocated
    }

    func testIdleBuffersAreKeptWithinTheBudgetAndFreedBeyondIt() {
        XCTAssertEqual(allocatedAfterTwoSizes(budget: 8 * megabyte), 2 * megabyte + 3 * megabyte / 4)
        XCTAssertEqual(allocatedAfterTwoSizes(budget: 5 * megabyte / 2), 3 * megabyte / 4)
    }
}
