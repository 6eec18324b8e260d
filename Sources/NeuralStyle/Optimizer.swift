/// The objective an optimiser minimises: loss and gradient at a point. Called exactly once
/// per iteration, so callers may report progress from inside it.
public typealias Objective = (_ x: [Float]) -> (loss: Float, gradient: [Float])

/// A first-order minimiser over a flat vector of parameters.
public protocol Optimizer {
    /// Runs `iterations` iterations from `x`, leaving the last iterate in `x`.
    func minimize(_ x: inout [Float], iterations: Int, objective: Objective)
}

/// `Σ a·b` in double precision.
func dot(_ a: [Float], _ b: [Float]) -> Float {
    var sum = 0.0
    for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
    return Float(sum)
}

/// `y += alpha · x`.
func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
    for i in y.indices { y[i] += alpha * x[i] }
}
