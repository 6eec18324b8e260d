import Dispatch
import Foundation
import Synchronization

/// `0..<count` cut into contiguous ranges, one per task: a single range when the work is
/// too small to be worth spreading over the cores.
private func chunks(of count: Int) -> [Range<Int>] {
    let n = min(max(1, count / (1 << 15)), ProcessInfo.processInfo.activeProcessorCount * 4)
    return (0..<n).map { (count * $0 / n)..<(count * ($0 + 1) / n) }
}

/// libgomp's entry point for a parallel region (what `#pragma omp parallel` compiles to),
/// looked up at run time: oneDNN's own OpenMP threads then run our loops too, instead of
/// spinning against a second pool of threads.
private typealias GOMPParallel = @convention(c) (
    @convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void

private struct OpenMP {
    let parallel: GOMPParallel

    /// libgomp's entry point if the process has it loaded (oneDNN built with GNU OpenMP), else nil.
    static let runtime: OpenMP? = {
        guard let parallel = dlsym(dlopen(nil, RTLD_NOW), "GOMP_parallel") else { return nil }
        return OpenMP(parallel: unsafeBitCast(parallel, to: GOMPParallel.self))
    }()
}

/// One parallel loop, as `runRegion` receives it on every thread of the team.
private struct Region: ~Copyable {
    let ranges: [Range<Int>]
    let body: (Range<Int>) -> Void
    /// The next range not yet taken.
    let next: Atomic<Int>
}

/// Each OpenMP thread takes the next range not yet taken until none is left: a thread slowed
/// by the host (or given the heavier ranges) leaves more of them to the others, instead of
/// the others spinning at the end of the region.
private func runRegion(_ context: UnsafeMutableRawPointer?) {
    let region = context!.assumingMemoryBound(to: Region.self)
    while true {
        let index = region.pointee.next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < region.pointee.ranges.count else { return }
        region.pointee.body(region.pointee.ranges[index])
    }
}

/// Runs `body` over every range, on OpenMP's threads where oneDNN uses OpenMP, else Dispatch's.
private func forEachRange(_ ranges: [Range<Int>], _ body: (Range<Int>) -> Void) {
    guard let runtime = OpenMP.runtime else {
        return DispatchQueue.concurrentPerform(iterations: ranges.count) { body(ranges[$0]) }
    }
    withoutActuallyEscaping(body) { body in
        var region = Region(ranges: ranges, body: body, next: Atomic(0))
        withUnsafeMutablePointer(to: &region) { runtime.parallel(runRegion, $0, 0, 0) }
    }
}

/// Runs `body` over contiguous chunks of `0..<count` on all cores; small ranges run inline.
/// For element-wise loops over large buffers (backends' kernels, optimisers' vector updates).
public func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    let ranges = chunks(of: count)
    guard ranges.count > 1 else { return body(0..<count) }
    forEachRange(ranges, body)
}

/// Sum of `f(range)` over chunks of `0..<count`, each chunk's partial in double precision,
/// added in chunk order (the same result on every run on one machine).
public func parallelSum(_ count: Int, _ f: (Range<Int>) -> Double) -> Double {
    let ranges = chunks(of: count)
    guard ranges.count > 1 else { return f(0..<count) }
    let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: ranges.count)
    defer { partials.deallocate() }
    let indices = ranges.indices.map { $0..<($0 + 1) }
    forEachRange(indices) { partials[$0.lowerBound] = f(ranges[$0.lowerBound]) }
    return partials.reduce(0, +)
}

/// Runs `body(i)` for every `i` in `0..<count` on all cores, one index per task: for loops
/// over a few large independent items (planes of an image, samples of a batch).
public func parallelTasks(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1 else { return count == 1 ? body(0) : () }
    forEachRange((0..<count).map { $0..<($0 + 1) }) { body($0.lowerBound) }
}
