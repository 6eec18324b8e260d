/// The objective an optimiser minimises: loss and gradient at a point. Called exactly once
/// per iteration, so callers may report progress from inside it.
public typealias Objective = (_ x: [Float]) -> (loss: Float, gradient: [Float])

/// A first-order minimiser over a flat vector of parameters.
public protocol Optimizer {
    /// Runs `iterations` iterations from `x`, leaving the last iterate in `x`.
    func minimize(_ x: inout [Float], iterations: Int, objective: Objective)
}

/// `Σ a·b`, in sixteen float lanes (vectorised) summed in double precision.
func dot(_ a: [Float], _ b: [Float]) -> Float {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            let n = min(a.count, b.count), wide = n / 16 * 16
            var lanes = SIMD16<Float>()
            let pa = UnsafeRawPointer(a.baseAddress!), pb = UnsafeRawPointer(b.baseAddress!)
            for i in stride(from: 0, to: wide, by: 16) {
                lanes += pa.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    * pb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            }
            var sum = (0..<16).reduce(0.0) { $0 + Double(lanes[$1]) }
            for i in wide..<n { sum += Double(a[i]) * Double(b[i]) }
            return Float(sum)
        }
    }
}

/// `y += alpha · x`.
func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            for i in 0..<min(x.count, y.count) { y[i] += alpha * x[i] }
        }
    }
}
