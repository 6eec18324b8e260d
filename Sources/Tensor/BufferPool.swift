import Foundation

/// Recycles freed buffers by size (tensor storages, and backends' own scratch such as masks). Each optimisation iteration allocates the same
/// sizes in the same order, so after the first one every allocation is a reuse: no
/// page faults, no zeroing by the kernel (PyTorch loses seconds per 20 iterations there).
public final class BufferPool {
    /// The pool every `Storage` uses.
    public static let shared = BufferPool()

    /// Buffers below this size go straight to malloc; the allocator serves them well.
    private static let minimumPooledBytes = 1 << 16
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private let lock = NSLock()
    /// Bytes of pooled-size buffers held by tensors, and the most ever held at once.
    public private(set) var bytesInUse = 0, peakBytesInUse = 0
    /// Bytes of pooled-size buffers obtained from the system (in use or waiting in the pool).
    public private(set) var bytesAllocated = 0

    /// A 64-byte-aligned buffer of at least `bytes` bytes.
    public func take(_ bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= BufferPool.minimumPooledBytes {
            lock.lock()
            let reused = free[bytes]?.popLast()
            bytesInUse += bytes
            peakBytesInUse = max(peakBytesInUse, bytesInUse)
            lock.unlock()
            if let reused { return reused }
        }
        if bytes >= BufferPool.minimumPooledBytes {
            lock.lock()
            bytesAllocated += bytes
            lock.unlock()
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, max(bytes, 64)) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        return raw
    }

    /// Takes back a buffer that `take(bytes)` returned.
    public func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes >= BufferPool.minimumPooledBytes else { return Foundation.free(pointer) }
        lock.lock()
        free[bytes, default: []].append(pointer)
        bytesInUse -= bytes
        lock.unlock()
    }
}
