import Foundation

/// Recycles freed buffers (tensor storages, and backends' own scratch such as masks).
/// Each optimisation iteration allocates the same sizes in the same order, so after the
/// first one every allocation is a reuse: no page faults, no zeroing by the kernel
/// (PyTorch loses seconds per 20 iterations there).
///
/// A request takes an idle buffer of exactly its size or, failing that, the smallest idle
/// one up to twice its size: activations come in sizes a factor of two apart, and reusing
/// across sizes keeps the pool near the true peak instead of the sum of per-size peaks.
/// Where that is not enough and a new buffer would take the pool past `budget`, idle
/// buffers are freed first, largest first: very large pictures then cost page faults
/// instead of memory they do not have.
public final class BufferPool {
    /// The pool every `Storage` uses, with nine tenths of the memory this process may use as its
    /// budget.
    public static let shared = BufferPool(budget: Int(Double(availableMemory) * 0.9))

    /// Bytes of RAM in this machine, or the container's limit where that is lower (cgroup v2 or v1).
    private static var availableMemory: Int {
        let physical = sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
        let limits = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"].compactMap { path in
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return ([physical] + limits).min()!
    }

    /// Most bytes the pool keeps obtained from the system while idle buffers can be freed instead.
    public let budget: Int
    /// Where its buffers come from.
    public let memory: Memory

    /// Where a pool's buffers come from: the host's memory, or a device's (a backend's own
    /// allocator, e.g. CUDA's; the pointers then address device memory and are never read on
    /// the host). Device allocations are slow at any size, so a device pool keeps every buffer.
    public struct Memory: Sendable {
        /// Whether the buffers are host memory.
        public let isHost: Bool
        let allocate: @Sendable (Int) -> UnsafeMutableRawPointer
        let free: @Sendable (UnsafeMutableRawPointer) -> Void

        /// A device's memory: `allocate(bytes)` returns a new buffer (or stops the program with a
        /// message when the device has no more), `free` gives one back.
        public init(device allocate: @escaping @Sendable (Int) -> UnsafeMutableRawPointer,
                    free: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
            (isHost, self.allocate, self.free) = (false, allocate, free)
        }

        private init() {
            (isHost, allocate, free) = (true, BufferPool.allocate, { Foundation.free($0) })
        }

        /// The host's memory, 64-byte aligned.
        public static let host = Memory()
    }

    /// A pool of `memory`'s buffers that frees idle ones rather than grow past `budget` bytes.
    public init(budget: Int, memory: Memory = .host) { (self.budget, self.memory) = (budget, memory) }

    /// Host buffers below this size go straight to malloc; the allocator serves them well.
    private static let minimumPooledBytes = 1 << 16

    private func pooled(_ bytes: Int) -> Bool { bytes >= BufferPool.minimumPooledBytes || !memory.isHost }
    private var idle: [Int: [UnsafeMutableRawPointer]] = [:]
    private var capacities: [UnsafeMutableRawPointer: Int] = [:]
    private let lock = NSLock()
    /// Bytes of pooled buffers held by their users, and the most ever held at once.
    public private(set) var bytesInUse = 0, peakBytesInUse = 0
    /// Bytes of pooled buffers obtained from the system (in use or idle).
    public private(set) var bytesAllocated = 0

    /// A 64-byte-aligned buffer of at least `bytes` bytes.
    public func take(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard pooled(bytes) else { return memory.allocate(bytes) }
        lock.lock()
        defer { lock.unlock() }
        let capacity = idle[bytes]?.isEmpty == false ? bytes
            : idle.keys.filter { $0 > bytes && $0 <= 2 * bytes && idle[$0]?.isEmpty == false }.min()
        let pointer: UnsafeMutableRawPointer
        if let capacity {
            pointer = idle[capacity]!.removeLast()
        } else {
            releaseIdleBuffers(toFit: bytes)
            pointer = memory.allocate(bytes)
            capacities[pointer] = bytes
            bytesAllocated += bytes
        }
        bytesInUse += capacities[pointer]!
        peakBytesInUse = max(peakBytesInUse, bytesInUse)
        return pointer
    }

    deinit {
        for buffers in idle.values { buffers.forEach(memory.free) }
    }

    /// Takes back a buffer that `take(bytes)` returned.
    public func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        guard pooled(bytes) else { return memory.free(pointer) }
        lock.lock()
        defer { lock.unlock() }
        let capacity = capacities[pointer]!
        idle[capacity, default: []].append(pointer)
        bytesInUse -= capacity
    }

    /// Frees idle buffers, largest first, until `bytes` more fit in the budget or none is idle.
    private func releaseIdleBuffers(toFit bytes: Int) {
        for capacity in idle.keys.sorted(by: >) {
            while bytesAllocated + bytes > budget, let pointer = idle[capacity]?.popLast() {
                capacities[pointer] = nil
                bytesAllocated -= capacity
                memory.free(pointer)
            }
        }
    }

    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, max(bytes, 64)) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        return raw
    }
}
