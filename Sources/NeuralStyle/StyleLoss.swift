import Models
import Tensor

/// The Gatys objective with neural-style's conventions:
/// `content_weight·mean((F−Fc)²)` per content layer, `style_weight·mean((G−Gs)²)` per style
/// layer with `G = FFᵀ/(C·H·W)`, and `tv_weight/2·Σ(neighbour differences)²`, all on the
/// preprocessed image. Targets are computed once, when the loss is built.
public final class StyleLoss {
    private let network: VGG19
    private let contentLayers: [WeightedLayer]
    private let styleLayers: [WeightedLayer]
    private let contentWeight: Float, styleWeight: Float, tvWeight: Float
    private let contentTargets: [String: Tensor]
    private let styleTargets: [String: Tensor]
    private let layers: Set<String>

    /// Builds targets from a preprocessed content tensor and style tensors with blend weights
    /// (normalised to sum to 1; the style target is the blended Gram matrix).
    public init(network: VGG19, content: Tensor, styles: [(tensor: Tensor, weight: Float)],
                contentLayers: [WeightedLayer], styleLayers: [WeightedLayer],
                contentWeight: Float, styleWeight: Float, tvWeight: Float) {
        self.network = network
        self.contentLayers = contentLayers
        self.styleLayers = styleLayers
        self.contentWeight = contentWeight
        self.styleWeight = styleWeight
        self.tvWeight = tvWeight
        layers = Set(contentLayers.map(\.name) + styleLayers.map(\.name))
        contentTargets = network.features(content, at: Set(contentLayers.map(\.name)))
        let blendTotal = styles.reduce(0) { $0 + $1.weight }
        var targets: [String: Tensor] = [:]
        for (style, weight) in styles {
            let features = network.features(style, at: Set(styleLayers.map(\.name)))
            for layer in styleLayers {
                let gram = features[layer.name]!.gramMatrix() * (weight / blendTotal)
                targets[layer.name] = targets[layer.name].map { $0 + gram } ?? gram
            }
        }
        styleTargets = targets
    }

    /// The total loss of `image` on the tape, and its weighted terms.
    public func callAsFunction(_ image: Tensor) -> (total: Tensor, terms: IterationRecord) {
        let features = network.features(image, at: layers)
        var content: Tensor?
        for layer in contentLayers {
            let term = features[layer.name]!.meanSquaredError(contentTargets[layer.name]!) * (contentWeight * layer.weight)
            content = content.map { $0 + term } ?? term
        }
        var style: Tensor?
        var styleTerms: [String: Float] = [:]
        for layer in styleLayers {
            let term = features[layer.name]!.gramMatrix().meanSquaredError(styleTargets[layer.name]!)
                * (styleWeight * layer.weight)
            styleTerms[layer.name] = term.scalar
            style = style.map { $0 + term } ?? term
        }
        let tv = image.totalVariation() * (tvWeight / 2)
        let total = [content, style].compactMap { $0 }.reduce(tv, +)
        let terms = IterationRecord(iteration: 0, total: total.scalar, content: content?.scalar ?? 0,
                                    style: style?.scalar ?? 0, tv: tv.scalar, styleLayers: styleTerms, elapsed: 0)
        return (total, terms)
    }
}
