import Imaging
import Models
import Tensor

/// The Gatys objective with neural-style's conventions:
/// `content_weight·mean((F−Fc)²)` per content layer, `style_weight·mean((G−Gs)²)` per style
/// layer with `G = FFᵀ/(C·H·W)`, and `tv_weight/2·Σ(neighbour differences)²`, all on the
/// preprocessed image. Targets are computed once, when the loss is built.
///
/// With masks (Gatys et al. 2017's spatial control) each style has its own region: its term
/// compares the style's Gram matrix with the guided Gram matrix `(F∘M)(F∘M)ᵀ/(C·ΣM²)` of
/// the image's features weighted by the region's mask, resampled to each layer's size.
/// Pixels outside every region feel only the content and TV terms.
public final class StyleLoss {
    private let network: VGG
    private let contentLayers: [WeightedLayer]
    private let styleLayers: [WeightedLayer]
    private let contentWeight: Float, styleWeight: Float, tvWeight: Float
    private let normalizeGradients: Bool
    private let contentTargets: [String: Tensor]
    /// Per style layer, one target per region (a single blended one without masks).
    private let styleTargets: [String: [Tensor]]
    private let masks: [Image]?
    private var layerMasks: [String: [(mask: Tensor, area: Float)]] = [:]
    private let layers: Set<String>

    /// Builds targets from a preprocessed content tensor and style tensors with blend weights
    /// (normalised to sum to 1; the style target is the blended Gram matrix). With `masks`
    /// (one per style, white = that style's region; any size, resampled as needed) each
    /// style paints only its region and the blend weights are not used.
    /// `normalizeGradients` divides each term's gradient by its L1 norm (jcjohnson's option).
    public init(network: VGG, content: Tensor, styles: [(tensor: Tensor, weight: Float)], masks: [Image]? = nil,
                contentLayers: [WeightedLayer], styleLayers: [WeightedLayer],
                contentWeight: Float, styleWeight: Float, tvWeight: Float, normalizeGradients: Bool = false) {
        precondition(masks == nil || masks!.count == styles.count, "one mask per style image")
        self.network = network
        self.contentLayers = StyleLoss.merged(contentLayers)
        self.styleLayers = StyleLoss.merged(styleLayers)
        self.contentWeight = contentWeight
        self.styleWeight = styleWeight
        self.tvWeight = tvWeight
        self.normalizeGradients = normalizeGradients
        self.masks = masks
        layers = Set(contentLayers.map(\.name) + styleLayers.map(\.name))
        contentTargets = network.features(content, at: Set(contentLayers.map(\.name)))
        let blendTotal = styles.reduce(0) { $0 + $1.weight }
        var targets: [String: [Tensor]] = [:]
        for (style, weight) in styles {
            let features = network.features(style, at: Set(styleLayers.map(\.name)))
            for (name, feature) in features {
                let gram = feature.gramMatrix()
                if masks != nil {
                    targets[name, default: []].append(gram)
                } else {
                    let blended = gram * (weight / blendTotal)
                    targets[name] = [targets[name]?.first.map { $0 + blended } ?? blended]
                }
            }
        }
        styleTargets = targets
    }

    /// The total loss of `image` on the tape, and its weighted terms.
    public func callAsFunction(_ image: Tensor) -> (total: Tensor, terms: IterationRecord) {
        // Each feature map is dropped as soon as its terms are on the tape (which keeps only what
        // backward needs), and style layers go deepest first: the largest map is then alone
        // when its Gram matrix is made.
        var features = network.features(image, at: layers)
        var content: Tensor?
        for layer in contentLayers {
            let weight = contentWeight * layer.weight
            let term = input(features[layer.name]!, weight).meanSquaredError(contentTargets[layer.name]!) * weight
            content = content.map { $0 + term } ?? term
            if !styleLayers.contains(where: { $0.name == layer.name }) { features[layer.name] = nil }
        }
        var layerTotals: [String: Tensor] = [:]
        for layer in styleLayers.reversed() {
            let weight = styleWeight * layer.weight
            let feature = features.removeValue(forKey: layer.name)!
            var layerTotal: Tensor?
            for (region, target) in styleTargets[layer.name]!.enumerated() {
                let gram: Tensor
                if masks != nil {
                    let (mask, area) = regionMask(region, layer: layer.name, like: feature)
                    guard area > 1e-6 else { continue }
                    gram = (input(feature, weight) * mask).gramMatrix() * (Float(feature.shape[2] * feature.shape[3]) / area)
                } else {
                    gram = input(feature, weight).gramMatrix()
                }
                let term = gram.meanSquaredError(target) * weight
                layerTotal = layerTotal.map { $0 + term } ?? term
            }
            layerTotals[layer.name] = layerTotal
        }
        var style: Tensor?
        var styleTerms: [String: Float] = [:]
        for layer in styleLayers {
            guard let layerTotal = layerTotals[layer.name] else { continue }
            styleTerms[layer.name] = layerTotal.item()
            style = style.map { $0 + layerTotal } ?? layerTotal
        }
        let tv = image.totalVariation() * (tvWeight / 2)
        let total = [content, style].compactMap { $0 }.reduce(tv, +)
        let terms = IterationRecord(iteration: 0, total: total.item(), content: content?.item() ?? 0,
                                    style: style?.item() ?? 0, tv: tv.item(), styleLayers: styleTerms, elapsed: 0)
        return (total, terms)
    }

    /// `layers` with each name once, its weights summed: every term is linear in its weight, so
    /// a layer listed twice counts exactly as its two listings would.
    private static func merged(_ layers: [WeightedLayer]) -> [WeightedLayer] {
        var result: [WeightedLayer] = []
        for layer in layers {
            if let index = result.firstIndex(where: { $0.name == layer.name }) {
                result[index].weight += layer.weight
            } else {
                result.append(layer)
            }
        }
        return result
    }

    /// A loss term's view of `feature`: itself, or with its gradient normalised to `weight`.
    private func input(_ feature: Tensor, _ weight: Float) -> Tensor {
        normalizeGradients ? feature.normalizingGradient(scale: weight) : feature
    }

    /// Region `index`'s mask at `feature`'s size, repeated over channels in its layout, and the
    /// mask's energy `Σm²` over one channel; made once per layer.
    private func regionMask(_ index: Int, layer: String, like feature: Tensor) -> (mask: Tensor, area: Float) {
        if let cached = layerMasks[layer] { return cached[index] }
        let (channels, height, width) = (feature.shape[1], feature.shape[2], feature.shape[3])
        layerMasks[layer] = masks!.map { image in
            let weights = image.resized(width: width, height: height).luminance().map { min(max($0 / 255, 0), 1) }
            var values = [Float]()
            values.reserveCapacity(channels * weights.count)
            for _ in 0..<channels { values += weights }
            let mask = Tensor(shape: [1, channels, height, width], values: values).reordered(to: feature.layout)
            return (mask, weights.reduce(0) { $0 + $1 * $1 })
        }
        return layerMasks[layer]![index]
    }
}
