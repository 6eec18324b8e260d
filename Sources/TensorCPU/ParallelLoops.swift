import Dispatch
import Foundation

/// `0..<count` cut into contiguous ranges, one per task: a single range when the work is
/// too small to be worth spreading over the cores.
private func chunks(of count: Int) -> [Range<Int>] {
    let n = min(max(1, count / (1 << 15)), ProcessInfo.processInfo.activeProcessorCount * 4)
    return (0..<n).map { (count * $0 / n)..<(count * ($0 + 1) / n) }
}

/// Runs `body` over contiguous chunks of `0..<count` on all cores; small ranges run inline.
func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    let ranges = chunks(of: count)
    guard ranges.count > 1 else { return body(0..<count) }
    DispatchQueue.concurrentPerform(iterations: ranges.count) { body(ranges[$0]) }
}

/// Sum of `f(range)` over chunks of `0..<count`, each chunk's partial in double precision.
func parallelSum(_ count: Int, _ f: (Range<Int>) -> Double) -> Double {
    let ranges = chunks(of: count)
    guard ranges.count > 1 else { return f(0..<count) }
    let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: ranges.count)
    defer { partials.deallocate() }
    DispatchQueue.concurrentPerform(iterations: ranges.count) { partials[$0] = f(ranges[$0]) }
    return partials.reduce(0, +)
}
