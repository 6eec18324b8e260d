import Dispatch
import Foundation

/// Splits `0..<count` into contiguous chunks run on all cores; small ranges run inline.
func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(max(1, count / (1 << 15)), ProcessInfo.processInfo.activeProcessorCount * 4)
    guard chunks > 1 else { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
    }
}

/// Sum of `f(i)` over `0..<count`, in double precision per chunk, parallel for large counts.
func parallelSum(_ count: Int, _ f: (Range<Int>) -> Double) -> Double {
    let chunks = min(max(1, count / (1 << 15)), ProcessInfo.processInfo.activeProcessorCount * 4)
    guard chunks > 1 else { return f(0..<count) }
    let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: chunks)
    defer { partials.deallocate() }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        partials[chunk] = f((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
    }
    return partials.reduce(0, +)
}
