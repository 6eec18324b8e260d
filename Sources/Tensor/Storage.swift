import Foundation

/// A contiguous, 64-byte-aligned block of host memory holding a tensor's elements,
/// recycled through `BufferPool` when released.
///
/// Storage is a reference type so that tensors, tape closures and backend caches can
/// share one buffer without copying; `version` counts in-place writes so that caches
/// of derived data (e.g. weights reordered for a kernel) know when they are stale.
public final class Storage {
    /// Number of `Float` elements.
    public let count: Int
    /// The first element; valid for `count` elements while the storage is alive.
    public let pointer: UnsafeMutablePointer<Float>
    /// Incremented by every in-place write made through `markModified()`.
    public private(set) var version = 0

    /// Allocates `count` elements, zero-filled when `zeroed` is true.
    public init(count: Int, zeroed: Bool = false) {
        self.count = count
        pointer = BufferPool.shared.take(Storage.bytes(count)).bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    /// Copies `values` into a new storage.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { BufferPool.shared.give(UnsafeMutableRawPointer(pointer), bytes: Storage.bytes(count)) }

    private static func bytes(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Float>.stride }

    /// The elements as a buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// Records that the contents changed in place (optimiser steps do this).
    public func markModified() { version &+= 1 }
}
