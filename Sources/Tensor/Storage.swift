import Foundation

/// A contiguous block of a tensor's elements, recycled through its `BufferPool` when released:
/// host memory, 64-byte aligned, from `BufferPool.shared` unless a backend gives its own pool
/// (a device's memory, whose address `pointer` then holds: only that backend reads it).
///
/// Storage is a reference type so that tensors, tape closures and backend caches can
/// share one buffer without copying; `version` counts in-place writes so that caches
/// of derived data (e.g. weights reordered for a kernel) know when they are stale.
public final class Storage {
    /// Number of `Float` elements.
    public let count: Int
    /// The first element; valid for `count` elements while the storage is alive.
    public let pointer: UnsafeMutablePointer<Float>
    /// The pool it came from and goes back to.
    public let pool: BufferPool
    /// Incremented by every in-place write made through `markModified()`.
    public private(set) var version = 0

    /// Allocates `count` elements from `pool`, zero-filled when `zeroed` is true (host pools only:
    /// a device's backend clears its own memory).
    public init(count: Int, zeroed: Bool = false, pool: BufferPool = .shared) {
        precondition(!zeroed || pool.memory.isHost, "a device's storage cannot be zeroed from the host")
        self.count = count
        self.pool = pool
        pointer = pool.take(Storage.bytes(count)).bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    /// Copies `values` into a new host storage.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pool.give(UnsafeMutableRawPointer(pointer), bytes: Storage.bytes(count)) }

    private static func bytes(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Float>.stride }

    /// The elements as a buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// Records that the contents changed in place (optimiser steps do this).
    public func markModified() { version &+= 1 }
}
