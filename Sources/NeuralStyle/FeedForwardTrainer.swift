import Foundation
import Imaging
import Models
import Tensor

/// Trains a TransformerNet to paint like one style picture (Johnson et al. 2016, as
/// pytorch/examples' `fast_neural_style`): each step stylises a batch of photographs and
/// descends on `content_weight · mse(φ(y), φ(x))` at the content layers plus
/// `style_weight · Σ mse(Gram(φ(y)), Gram(φ(style)))` over the style layers, with φ a frozen
/// VGG fed each network's own preprocessing of y/255 and x/255, and Gram `F Fᵀ/(C·H·W)` per
/// picture. Resumable between any two steps.
public final class FeedForwardTrainer {
    /// The network being trained.
    public let network: TransformerNet
    /// The run's settings.
    public let options: TrainingOptions
    /// The photographs.
    public let dataset: TrainingDataset
    /// Steps completed.
    public private(set) var step = 0
    /// Steps this run makes in all.
    public let totalSteps: Int
    private let lossNetwork: VGG
    private let optimizer: ParameterAdam
    private let styleTargets: [String: Tensor]
    private let fingerprint: String
    private var elapsedBefore: Double = 0
    private var start = Date()

    /// Prepares a run: the style's Gram matrices once, the network from `initialWeights` (a
    /// `state_dict`) or freshly initialised from the seed.
    public init(lossNetwork: VGG, options: TrainingOptions, style: Image, dataset: TrainingDataset,
                initialWeights: [String: NamedArray]? = nil) throws {
        try options.validate()
        var options = options
        if let initialWeights {
            let initial = try StyleModelFile.network(from: initialWeights, source: "the initial model")
            options.channels = initial.channels
            network = initial
            network.freeze(false)
        } else {
            network = TransformerNet(channels: options.channels, seed: options.seed)
        }
        self.options = options
        self.dataset = dataset
        self.lossNetwork = lossNetwork
        totalSteps = options.totalSteps(datasetCount: dataset.count)
        optimizer = ParameterAdam(parameters: network.parameters(), learningRate: options.learningRate)
        let styleImage = options.styleSize.map { style.resized(width: $0, height: $0) } ?? style
        let minimum = lossNetwork.architecture.minimumInputSide(for: Set(options.styleLayers.map(\.name) + options.contentLayers.map(\.name)))
        guard min(styleImage.width, styleImage.height) >= minimum, options.imageSize >= minimum else {
            throw StyleTransferError.badOption("the style picture and --image-size need at least \(minimum) pixels "
                                               + "on each side for the chosen layers")
        }
        let styleTensor = lossNetwork.preprocessing.networkInput(
            Preprocessing.rgb255.tensor(rgb: styleImage.samples, width: styleImage.width, height: styleImage.height))
        styleTargets = lossNetwork.features(styleTensor, at: Set(options.styleLayers.map(\.name)))
            .mapValues { $0.gramMatrix().detached() }
        fingerprint = options.fingerprint(datasetCount: dataset.count, styleSide: (styleImage.width, styleImage.height))
    }

    /// Continues from `checkpoint`, which must come from a run with the same settings and inputs.
    public func resume(from checkpoint: TrainingCheckpoint) throws {
        guard checkpoint.fingerprint == fingerprint else {
            throw StyleTransferError.badCheckpoint("it belongs to a run with other settings or pictures")
        }
        let parameters = network.namedParameters()
        func tensors(_ part: [String: NamedArray]) throws -> [Tensor] {
            try parameters.map { name, parameter in
                guard let array = part[name], array.shape == parameter.shape else {
                    throw StyleTransferError.badCheckpoint("it lacks a fitting '\(name)'")
                }
                return Tensor(shape: array.shape, values: array.values)
            }
        }
        for ((_, parameter), value) in zip(parameters, try tensors(checkpoint.network)) { parameter.assign(value) }
        try optimizer.restore(step: checkpoint.step, moments: Array(zip(try tensors(checkpoint.m), try tensors(checkpoint.v))))
        step = checkpoint.step
        elapsedBefore = checkpoint.elapsed
        start = Date()
    }

    /// The state after the steps so far.
    public func checkpoint() -> TrainingCheckpoint {
        func arrays(_ tensors: [Tensor]) -> [String: NamedArray] {
            Dictionary(uniqueKeysWithValues: zip(network.namedParameters(), tensors).map {
                ($0.name, NamedArray(shape: $1.shape, values: $1.toArray()))
            })
        }
        return TrainingCheckpoint(step: step, elapsed: elapsed, fingerprint: fingerprint,
                                  network: arrays(network.parameters()), m: arrays(optimizer.moments.map(\.m)),
                                  v: arrays(optimizer.moments.map(\.v)))
    }

    /// Seconds of training so far, across resumes.
    public var elapsed: Double { elapsedBefore + Date().timeIntervalSince(start) }

    /// One optimiser step on the next batch; returns its losses (weighted, at the weights before the step).
    @discardableResult
    public func trainStep() -> IterationRecord {
        let indices = dataset.batchIndices(step: step, batchSize: options.batchSize, seed: options.seed)
        let x = dataset.batch(indices)
        let y = network(x)
        let preprocessing = lossNetwork.preprocessing
        let layers = Set(options.contentLayers.map(\.name) + options.styleLayers.map(\.name))
        var features = lossNetwork.features(preprocessing.networkInput(y), at: layers)
        let contentFeatures = withoutGradients {
            lossNetwork.features(preprocessing.networkInput(x), at: Set(options.contentLayers.map(\.name)))
        }
        var content: Tensor?
        for layer in options.contentLayers {
            let term = features[layer.name]!.meanSquaredError(contentFeatures[layer.name]!) * (options.contentWeight * layer.weight)
            content = content.map { $0 + term } ?? term
        }
        var style: Tensor?
        var styleTerms: [String: Float] = [:]
        for layer in options.styleLayers.reversed() {
            let feature = features.removeValue(forKey: layer.name)!
            let term = feature.gramMatrix().meanSquaredError(styleTargets[layer.name]!) * (options.styleWeight * layer.weight)
            styleTerms[layer.name] = term.item()
            style = style.map { $0 + term } ?? term
        }
        features = [:]
        let tv = options.tvWeight > 0 ? y.totalVariation() * (options.tvWeight / Float(indices.count)) : nil
        let total = [content, style, tv].compactMap { $0 }.reduce(Tensor(scalar: 0), +)
        let record = IterationRecord(iteration: step + 1, total: total.item(), content: content?.item() ?? 0,
                                     style: style?.item() ?? 0, tv: tv?.item() ?? 0, styleLayers: styleTerms,
                                     elapsed: 0)
        total.backward()
        optimizer.update()
        step += 1
        var timed = record
        timed.elapsed = elapsed
        return timed
    }

    /// `image` painted by the network as it is now (no gradients recorded).
    public func stylize(_ image: Image) throws -> Image { try Stylizer(network: network).stylize(image) }
}
