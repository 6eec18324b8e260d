import Foundation
import Imaging
import Models
import Tensor

/// Trains a TransformerNet to paint like one style picture (Johnson et al. 2016, as
/// pytorch/examples' `fast_neural_style`): each step stylises a batch of photographs and
/// descends on `content_weight · mse(φ(y), φ(x))` at the content layers plus
/// `style_weight · Σ mse(Gram(φ(y)), Gram(φ(style)))` over the style layers, with φ a frozen
/// VGG fed each network's own preprocessing of y/255 and x/255, and Gram `F Fᵀ/(C·H·W)` per
/// picture. With several style pictures the network is conditional (Dumoulin et al.): step k
/// trains style k mod S, selected by one-hot style weights. Adding styles to a trained network
/// (`addingStyles`) trains only the new styles' γ/β rows, each step one new style in turn:
/// every convolution and the old rows stay exactly as they were. Resumable between any two steps.
public final class FeedForwardTrainer: ResumableTrainer {
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
    /// The styles (γ/β rows) this run trains, step k style `lowerBound + k mod count`: all of
    /// the network's, or only those added to a trained network.
    public let trainedStyles: Range<Int>
    private let lossNetwork: VGG
    private let optimizer: ParameterAdam
    /// Per style, the Gram matrices of its picture at the style layers.
    private let styleTargets: [[String: Tensor]]
    private let fingerprint: String
    /// `[styles, 1]`: 1 for the rows in `trainedStyles`, 0 for the others; nil when all are trained.
    private let trainedRowMask: Tensor?
    private var elapsedBefore: Double = 0
    private var start = Date()

    /// Prepares a run: each style's Gram matrices once, the network from `initialWeights` (a
    /// `state_dict` of a network with as many styles) or freshly initialised from the seed.
    /// With `addingStyles`, `styles` are new ones for the network of `initialWeights` (of any
    /// number of styles; required): it becomes a conditional network with the new rows
    /// initialised from the mean of the old rows, and only those rows' γ/β are trained.
    public init(lossNetwork: VGG, options: TrainingOptions, styles: [Image], dataset: TrainingDataset,
                initialWeights: [String: NamedArray]? = nil, addingStyles: Bool = false) throws {
        try options.validate()
        guard !styles.isEmpty else { throw StyleTransferError.badOption("training needs at least one style picture") }
        var options = options
        if let initialWeights {
            let initial = try StyleModelFile.network(from: initialWeights, source: "the initial model")
            options.channels = initial.channels
            if addingStyles {
                network = initial.addingStyles(styles.count)
                network.freeze()
                for norm in network.instanceNorms { (norm.weight.isTrainable, norm.bias.isTrainable) = (true, true) }
                trainedStyles = initial.styles..<network.styles
            } else {
                guard initial.styles == styles.count else {
                    throw StyleTransferError.badOption("the initial model paints \(initial.styles) style(s), not \(styles.count)")
                }
                network = initial
                network.freeze(false)
                trainedStyles = 0..<styles.count
            }
        } else {
            guard !addingStyles else { throw StyleTransferError.badOption("adding styles needs a trained network to add them to") }
            network = TransformerNet(channels: options.channels, styles: styles.count, seed: options.seed)
            trainedStyles = 0..<styles.count
        }
        let (trained, rows) = (trainedStyles, network.styles)
        trainedRowMask = trained.count == rows ? nil
            : Tensor(shape: [rows, 1], values: (0..<rows).map { Float(trained.contains($0) ? 1 : 0) })
        self.options = options
        self.dataset = dataset
        self.lossNetwork = lossNetwork
        totalSteps = options.totalSteps(datasetCount: dataset.count)
        optimizer = ParameterAdam(parameters: network.parameters(), learningRate: options.learningRate)
        let styleImages = styles.map { style in options.styleSize.map { style.resized(width: $0, height: $0) } ?? style }
        let minimum = lossNetwork.architecture.minimumInputSide(for: Set(options.styleLayers.map(\.name) + options.contentLayers.map(\.name)))
        guard styleImages.allSatisfy({ min($0.width, $0.height) >= minimum }), options.imageSize >= minimum else {
            throw StyleTransferError.badOption("the style pictures and --image-size need at least \(minimum) pixels "
                                               + "on each side for the chosen layers")
        }
        styleTargets = withoutGradients {
            styleImages.map { image in
                let styleTensor = lossNetwork.preprocessing.networkInput(
                    Preprocessing.rgb255.tensor(rgb: image.samples, width: image.width, height: image.height))
                return lossNetwork.features(styleTensor, at: Set(options.styleLayers.map(\.name))).mapValues { $0.gramMatrix() }
            }
        }
        fingerprint = options.fingerprint(dataset: dataset, styles: styleImages)
            + (addingStyles ? "; styles added to: \(trainedStyles.lowerBound)" : "")
    }

    /// Continues from `checkpoint`, which must come from a run with the same settings and inputs.
    public func resume(from checkpoint: TrainingCheckpoint) throws {
        try checkpoint.restore(into: network, optimizer: optimizer, fingerprint: fingerprint)
        step = checkpoint.step
        elapsedBefore = checkpoint.elapsed
        start = Date()
    }

    /// The state after the steps so far.
    public func checkpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(capturing: network, optimizer: optimizer, step: step, elapsed: elapsed, fingerprint: fingerprint)
    }

    /// Seconds of training so far, across resumes.
    public var elapsed: Double { elapsedBefore + Date().timeIntervalSince(start) }

    /// One optimiser step on the next batch; returns its losses (weighted, at the weights before the step).
    @discardableResult
    public func trainStep() -> IterationRecord {
        let indices = dataset.batchIndices(step: step, batchSize: options.batchSize, seed: options.seed)
        let x = dataset.batch(indices)
        let styleIndex = step % styleTargets.count
        let row = trainedStyles.lowerBound + styleIndex
        let oneHot = (0..<indices.count).flatMap { _ in (0..<network.styles).map { Float($0 == row ? 1 : 0) } }
        let y = network(x, styleWeights: Tensor(shape: [indices.count, network.styles], values: oneHot))
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
            let term = feature.gramMatrix().meanSquaredError(styleTargets[styleIndex][layer.name]!) * (options.styleWeight * layer.weight)
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
        keepUntrainedRows()
        optimizer.update()
        step += 1
        var timed = record
        timed.elapsed = elapsed
        return timed
    }

    /// `image` painted by the network as it is now in its first trained style (no gradients recorded).
    public func stylize(_ image: Image) throws -> Image {
        let weights = (0..<network.styles).map { Float($0 == trainedStyles.lowerBound ? 1 : 0) }
        return try Stylizer(network: network, styleWeights: weights).stylize(image)
    }

    /// Zeroes the γ/β gradients of the rows outside `trainedStyles`, so that Adam (whose moments
    /// for them then stay zero) leaves those rows exactly as they are.
    private func keepUntrainedRows() {
        guard let trainedRowMask else { return }
        for norm in network.instanceNorms {
            for gradient in [norm.weight.grad, norm.bias.grad].compactMap({ $0 }) {
                Backend.current.assign(gradient * trainedRowMask, to: gradient)
            }
        }
    }
}
