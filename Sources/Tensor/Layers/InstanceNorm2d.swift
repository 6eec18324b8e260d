/// Instance normalisation with a learnt per-channel scale and shift, as
/// `torch.nn.InstanceNorm2d(C, affine=True)` (parameters `weight` = γ, `bias` = β); or
/// conditional (Dumoulin et al.): one γ/β row per style, chosen or mixed per sample
/// (γ = Σ wᵢγᵢ, β = Σ wᵢβᵢ).
public final class InstanceNorm2d: Module {
    /// γ: `[C]`, or `[S, C]` one row per style (starts at 1).
    public let weight: Tensor
    /// β: `[C]`, or `[S, C]` one row per style (starts at 0).
    public let bias: Tensor
    /// Added to the variance.
    public let epsilon: Float

    /// A layer for `channels` channels, γ = 1 and β = 0; with `styles`, conditional on that many styles.
    public init(channels: Int, styles: Int? = nil, epsilon: Float = 1e-5) {
        let shape = styles.map { [$0, channels] } ?? [channels]
        let count = shape.reduce(1, *)
        weight = Tensor(shape: shape, values: Array(repeating: 1, count: count), requiresGrad: true)
        bias = Tensor(shape: shape, values: Array(repeating: 0, count: count), requiresGrad: true)
        self.epsilon = epsilon
    }

    /// The number of styles of a conditional layer, nil for a plain one.
    public var styleCount: Int? { weight.shape.count == 2 ? weight.shape[0] : nil }

    /// `x` normalised per sample and channel, scaled and shifted, then ReLU if `applyingReLU`.
    /// A conditional layer needs `styleWeights` `[N, S]`: each sample's mix of styles.
    public func callAsFunction(_ x: Tensor, styleWeights: Tensor? = nil, applyingReLU: Bool = false) -> Tensor {
        guard let styles = styleCount else {
            return x.instanceNormalized(gamma: weight, beta: bias, epsilon: epsilon, applyingReLU: applyingReLU)
        }
        guard let styleWeights, styleWeights.shape == [x.shape[0], styles] else {
            preconditionFailure("a conditional instance norm of \(styles) styles needs [\(x.shape[0]), \(styles)] style weights")
        }
        return x.instanceNormalized(gamma: styleWeights.matmul(weight), beta: styleWeights.matmul(bias),
                                    epsilon: epsilon, applyingReLU: applyingReLU)
    }
}
