/// Conditional instance normalisation (Dumoulin et al.): instance norm whose scale and shift
/// are chosen per sample from `S` learnt styles, or mixed (γ = Σ wᵢγᵢ, β = Σ wᵢβᵢ).
public final class ConditionalInstanceNorm2d: Module {
    /// γ, one row per style: `[S, C]` (starts at 1).
    public let weight: Tensor
    /// β, one row per style: `[S, C]` (starts at 0).
    public let bias: Tensor
    /// Added to the variance.
    public let epsilon: Float

    /// A layer for `styles` styles of `channels` channels, every γ 1 and β 0.
    public init(styles: Int, channels: Int, epsilon: Float = 1e-5) {
        weight = Tensor(shape: [styles, channels], values: Array(repeating: 1, count: styles * channels),
                        requiresGrad: true)
        bias = Tensor(shape: [styles, channels], values: Array(repeating: 0, count: styles * channels),
                      requiresGrad: true)
        self.epsilon = epsilon
    }

    /// `x` normalised per sample and channel, then scaled and shifted by each sample's mix of
    /// styles (`styleWeights` `[N, S]`, one row per sample), then ReLU if `applyingReLU`.
    public func callAsFunction(_ x: Tensor, styleWeights: Tensor, applyingReLU: Bool = false) -> Tensor {
        precondition(styleWeights.shape == [x.shape[0], weight.shape[0]],
                     "style weights \(styleWeights.shape) for \(x.shape[0]) samples of \(weight.shape[0]) styles")
        return x.instanceNormalized(gamma: styleWeights.matmul(weight), beta: styleWeights.matmul(bias),
                                    epsilon: epsilon, applyingReLU: applyingReLU)
    }
}
