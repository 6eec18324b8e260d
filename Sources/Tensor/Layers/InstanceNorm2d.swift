/// Instance normalisation with a learnt per-channel scale and shift, as
/// `torch.nn.InstanceNorm2d(C, affine=True)` (parameters `weight` = γ, `bias` = β).
public final class InstanceNorm2d: Module {
    /// γ, one per channel (starts at 1).
    public let weight: Tensor
    /// β, one per channel (starts at 0).
    public let bias: Tensor
    /// Added to the variance.
    public let epsilon: Float

    /// A layer for `channels` channels, γ = 1 and β = 0.
    public init(channels: Int, epsilon: Float = 1e-5) {
        weight = Tensor(shape: [channels], values: Array(repeating: 1, count: channels), requiresGrad: true)
        bias = Tensor(shape: [channels], values: Array(repeating: 0, count: channels), requiresGrad: true)
        self.epsilon = epsilon
    }

    /// `x` normalised per sample and channel, scaled and shifted, then ReLU if `applyingReLU`.
    public func callAsFunction(_ x: Tensor, applyingReLU: Bool = false) -> Tensor {
        x.instanceNormalized(gamma: weight, beta: bias, epsilon: epsilon, applyingReLU: applyingReLU)
    }
}
