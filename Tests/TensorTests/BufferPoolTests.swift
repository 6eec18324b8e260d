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

    /// A device's pool (here host memory standing in for it, its allocations counted): storages
    /// made from it go back to it, and it keeps even small buffers, since a device allocation is
    /// slow at any size.
    func testStoragesGoBackToTheirOwnPoolAndDevicePoolsKeepSmallBuffers() {
        final class Allocations: @unchecked Sendable {
            var made = 0, freed = 0
        }
        let allocations = Allocations()
        let device = BufferPool(budget: 1 << 20, memory: .init(device: { bytes in
            allocations.made += 1
            return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        }, free: { pointer in
            allocations.freed += 1
            pointer.deallocate()
        }))
        XCTAssertFalse(device.memory.isHost)
        let hostInUse = BufferPool.shared.bytesInUse
        do {
            let storage = Storage(count: 10, pool: device)
            XCTAssertTrue(storage.pool === device)
            XCTAssertEqual(device.bytesInUse, 40)
            XCTAssertEqual(BufferPool.shared.bytesInUse, hostInUse, "nothing taken from the host's pool")
        }
        XCTAssertEqual(device.bytesInUse, 0, "given back when the storage went")
        XCTAssertEqual(device.bytesAllocated, 40, "and kept, though small")
        _ = Storage(count: 10, pool: device)
        XCTAssertEqual(allocations.made, 1, "the kept buffer is reused")
        XCTAssertEqual(allocations.freed, 0)
        XCTAssertTrue(Storage(count: 10).pool === BufferPool.shared)
    }
}
