import Foundation
import Tensor

/// Adam (as torch.optim.Adam) over a network's parameter tensors, run by the backend's
/// `adamUpdate` kernel so that parameters and moments never leave the device.
public final class ParameterAdam {
    /// Step size (a schedule may change it between steps).
    public var learningRate: Float
    /// Decays of the first and second moment averages, and the denominator's guard.
    public let beta1: Float, beta2: Float, epsilon: Float
    /// Steps taken so far.
    public private(set) var step = 0
    private let parameters: [Tensor]
    private var m: [Tensor], v: [Tensor]

    /// An optimiser for `parameters` with zero moments.
    public init(parameters: [Tensor], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.parameters = parameters
        (self.learningRate, self.beta1, self.beta2, self.epsilon) = (learningRate, beta1, beta2, epsilon)
        m = parameters.map { Tensor.full($0.shape, value: 0, layout: $0.layout) }
        v = m.map { Tensor.full($0.shape, value: 0, layout: $0.layout) }
    }

    /// Moves every parameter that has a gradient one step, then forgets the gradients.
    public func update() {
        step += 1
        let t = Float(step)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            Backend.current.adamUpdate(parameter, gradient: gradient, m: m[index], v: v[index], beta1: beta1,
                                       beta2: beta2, stepSize: learningRate / correction1, correction2: correction2,
                                       epsilon: epsilon)
            parameter.zeroGrad()
        }
    }

    /// The moments, one pair per parameter in order (sharing memory).
    public var moments: [(m: Tensor, v: Tensor)] { Array(zip(m, v)) }

    /// Continues from saved moments after `step` steps.
    public func restore(step: Int, moments: [(m: Tensor, v: Tensor)]) throws {
        guard moments.count == parameters.count,
              zip(moments, parameters).allSatisfy({ $0.m.shape == $1.shape && $0.v.shape == $1.shape }) else {
            throw StyleTransferError.badCheckpoint("its Adam moments do not fit this network")
        }
        for (index, pair) in moments.enumerated() {
            Backend.current.assign(pair.m, to: m[index])
            Backend.current.assign(pair.v, to: v[index])
        }
        self.step = step
    }
}
