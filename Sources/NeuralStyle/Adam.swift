import Foundation

/// Adam (Kingma & Ba) as torch.optim.Adam, with optional step decay of the learning rate
/// (torch's StepLR): after every `decayEvery` iterations the rate is multiplied by `decayFactor`.
public struct Adam: Optimizer {
    /// Initial step size.
    public var learningRate: Float
    /// Decay of the first-moment average.
    public var beta1: Float
    /// Decay of the second-moment average.
    public var beta2: Float
    /// Added to the denominator for stability.
    public var epsilon: Float
    /// Iterations between learning-rate decays; nil for a constant rate.
    public var decayEvery: Int?
    /// Multiplier applied at each decay.
    public var decayFactor: Float

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

    public func minimize(_ x: inout [Float], iterations: Int, objective: Objective) {
        guard iterations > 0 else { return }
        var m = [Float](repeating: 0, count: x.count), v = m
        for t in 1...iterations {
            let g = objective(x).gradient
            let correction1 = 1 - pow(beta1, Float(t)), correction2 = 1 - pow(beta2, Float(t))
            let stepSize = learningRate(at: t) / correction1
            for i in x.indices {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                x[i] -= stepSize * m[i] / ((v[i] / correction2).squareRoot() + epsilon)
            }
        }
    }
}
