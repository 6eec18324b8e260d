import Tensor

/// The objective an optimiser minimises: loss and gradient at a point. Called exactly once
/// per iteration, so callers may report progress from inside it.
public typealias Objective = (_ x: [Float]) -> (loss: Float, gradient: [Float])

/// A first-order minimiser over a flat vector of parameters, advanced one iteration at a
/// time so that a run can be saved between iterations and resumed exactly.
public protocol Optimizer: AnyObject {
    /// Iterations completed so far.
    var iteration: Int { get }
    /// Performs the next iteration on `x`, evaluating `objective` once.
    func step(_ x: inout [Float], objective: Objective)
    /// Everything needed to continue exactly from here.
    var state: OptimizerState { get }
    /// Continues from `state`, saved by an optimiser of the same kind.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Iterates until `iterations` are complete (counting those already done), leaving the
    /// last iterate in `x`.
    public func minimize(_ x: inout [Float], iterations: Int, objective: Objective) {
        while iteration < iterations { step(&x, objective: objective) }
    }
}

/// An optimiser's whole state: its kind, iteration count, scalars and vectors by name.
public struct OptimizerState: Equatable, Sendable {
    /// Which optimiser saved it (e.g. "lbfgs").
    public var kind: String
    /// Iterations completed.
    public var iteration: Int
    /// Named scalars (step length, Hessian scale, …).
    public var scalars: [String: Float]
    /// Named lists of vectors (moments, curvature pairs, …).
    public var vectors: [String: [[Float]]]

    /// Collects a state; the optimisers build these.
    public init(kind: String, iteration: Int, scalars: [String: Float] = [:], vectors: [String: [[Float]]] = [:]) {
        self.kind = kind
        self.iteration = iteration
        self.scalars = scalars
        self.vectors = vectors
    }

    /// The scalar `name`, or a `badCheckpoint` error.
    func scalar(_ name: String) throws -> Float {
        guard let value = scalars[name] else { throw StyleTransferError.badCheckpoint("\(kind) state lacks \(name)") }
        return value
    }

    /// The vector list `name`, or a `badCheckpoint` error.
    func vectorList(_ name: String) throws -> [[Float]] {
        guard let value = vectors[name] else { throw StyleTransferError.badCheckpoint("\(kind) state lacks \(name)") }
        return value
    }

    /// Throws unless the state was saved by an optimiser of `kind`.
    func expect(_ kind: String) throws {
        guard self.kind == kind else {
            throw StyleTransferError.badCheckpoint("it holds \(self.kind) state, but this run uses \(kind)")
        }
    }
}

// L-BFGS runs these over its whole history every iteration (hundreds of passes over
// picture-sized vectors), so they use all cores.

/// `Σ a·b`: per chunk in sixteen float lanes (vectorised), summed in double precision.
func dot(_ a: [Float], _ b: [Float]) -> Float {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            let pa = UnsafeRawPointer(a.baseAddress!), pb = UnsafeRawPointer(b.baseAddress!)
            return Float(parallelSum(min(a.count, b.count)) { range in
                var lanes = SIMD16<Float>()
                var i = range.lowerBound
                while i + 16 <= range.upperBound {
                    lanes += pa.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        * pb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    i += 16
                }
                var sum = (0..<16).reduce(0.0) { $0 + Double(lanes[$1]) }
                for j in i..<range.upperBound { sum += Double(a[j]) * Double(b[j]) }
                return sum
            })
        }
    }
}

/// `y += alpha · x`.
func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            let (px, py) = (x.baseAddress!, y.baseAddress!)
            parallelChunks(min(x.count, y.count)) { range in for i in range { py[i] += alpha * px[i] } }
        }
    }
}
