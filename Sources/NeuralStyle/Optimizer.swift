import Tensor

/// The objective an optimiser minimises: loss and gradient (shaped like the point) at a
/// point. Called exactly once per iteration, so callers may report progress from inside it;
/// when it throws (a diverged run), the iteration is abandoned before the optimiser or the
/// point changes.
public typealias Objective = (_ x: Tensor) throws -> (loss: Float, gradient: Tensor)

/// A first-order minimiser over a tensor of parameters, advanced one iteration at a time so
/// that a run can be saved between iterations and resumed exactly. The point and the
/// optimiser's vectors stay on the backend's device; its kernels (`axpy`, `dot`,
/// `adamUpdate`) do the arithmetic.
public protocol Optimizer: AnyObject {
    /// Iterations completed so far.
    var iteration: Int { get }
    /// Performs the next iteration on `x` (a plain tensor, updated in place), evaluating `objective` once.
    func step(_ x: Tensor, objective: Objective) rethrows
    /// Everything needed to continue exactly from here.
    var state: OptimizerState { get }
    /// Continues from `state`, saved by an optimiser of the same kind.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Iterates until `iterations` are complete (counting those already done), leaving the
    /// last iterate in `x`.
    public func minimize(_ x: Tensor, iterations: Int, objective: Objective) rethrows {
        while iteration < iterations { try step(x, objective: objective) }
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
