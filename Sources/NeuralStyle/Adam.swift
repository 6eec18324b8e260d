import Foundation
import Tensor

/// Adam (Kingma & Ba) as torch.optim.Adam, with optional step decay of the learning rate
/// (torch's StepLR): after every `decayEvery` iterations the rate is multiplied by `decayFactor`.
public final class Adam: Optimizer {
    /// Initial step size.
    public let learningRate: Float
    /// Decay of the first-moment average.
    public let beta1: Float
    /// Decay of the second-moment average.
    public let beta2: Float
    /// Added to the denominator for stability.
    public let epsilon: Float
    /// Iterations between learning-rate decays; nil for a constant rate.
    public let decayEvery: Int?
    /// Multiplier applied at each decay.
    public let decayFactor: Float
    public private(set) var iteration = 0
    private var m: Tensor?, v: Tensor?

    /// Configures the optimiser; the defaults are neural-style's (learning rate 10).
    public init(learningRate: Float = 10, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                decayEvery: Int? = nil, decayFactor: Float = 0.1) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decayEvery = decayEvery
        self.decayFactor = decayFactor
    }

    /// The learning rate used at `iteration` (counted from 1).
    public func learningRate(at iteration: Int) -> Float {
        guard let decayEvery, decayEvery > 0 else { return learningRate }
        return learningRate * pow(decayFactor, Float((iteration - 1) / decayEvery))
    }

    public func step(_ x: Tensor, objective: Objective) rethrows {
        let g = try objective(x).gradient
        if m?.count != x.count {
            m = Tensor.full(x.shape, value: 0, layout: x.layout)
            v = Tensor.full(x.shape, value: 0, layout: x.layout)
        }
        iteration += 1
        let t = Float(iteration)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        Backend.current.adamUpdate(x, gradient: g, m: m!, v: v!, beta1: beta1, beta2: beta2,
                                   stepSize: learningRate(at: iteration) / correction1, correction2: correction2,
                                   epsilon: epsilon)
    }

    public var state: OptimizerState {
        OptimizerState(kind: "adam", iteration: iteration, vectors: ["m": [m?.toArray() ?? []], "v": [v?.toArray() ?? []]])
    }

    public func restore(_ state: OptimizerState) throws {
        try state.expect("adam")
        let m = try state.vectorList("m").first ?? [], v = try state.vectorList("v").first ?? []
        guard m.count == v.count else { throw StyleTransferError.badCheckpoint("inconsistent Adam moments") }
        iteration = state.iteration
        (self.m, self.v) = m.isEmpty ? (nil, nil) : (Tensor(shape: [m.count], values: m), Tensor(shape: [v.count], values: v))
    }
}
