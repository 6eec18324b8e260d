import Foundation
import Imaging
import Models
import Tensor

/// Trains an AdaIN decoder (Huang & Belongie 2017, as naoto0804/pytorch-AdaIN): each step
/// encodes a batch of content and of style crops with the frozen VGG-19, aligns the content
/// features to the style statistics (t = AdaIN(f(c), f(s))), decodes t, and descends on
/// `content_weight · mse(f(g(t)), t)` at relu4_1 plus `style_weight · Σ mse(μ(f(g(t))), μ(f(s)))
/// + mse(σ(f(g(t))), σ(f(s)))` over relu1_1…relu4_1, with Adam at a learning rate that decays
/// as `lr / (1 + decay · step)`. Resumable between any two steps.
public final class AdaINTrainer: ResumableTrainer {
    /// The decoder being trained.
    public let decoder: Sequential
    /// The run's settings.
    public let options: AdaINTrainingOptions
    /// Steps completed.
    public private(set) var step = 0
    /// Steps this run makes in all.
    public let totalSteps: Int
    private let network: AdaINNetwork
    private let content: TrainingDataset, styles: TrainingDataset
    private let optimizer: ParameterAdam
    private let fingerprint: String
    private var elapsedBefore: Double = 0
    private var start = Date()
    /// The style picture previews are painted in (the first of the style pictures).
    private let previewStyle: Image

    /// Prepares a run on `content` and `styles` (loaded at `options.loadSize`), the decoder from
    /// `initialWeights` (a `state_dict`) or freshly initialised from the seed.
    public init(encoder: VGG, options: AdaINTrainingOptions, content: TrainingDataset, styles: TrainingDataset,
                initialWeights: [String: NamedArray]? = nil) throws {
        try options.validate()
        guard encoder.architecture == .vgg19 else { throw StyleTransferError.badOption("AdaIN's encoder is VGG-19") }
        guard content.imageSize == options.loadSize, styles.imageSize == options.loadSize else {
            throw StyleTransferError.badOption("the pictures must be loaded at --load-size")
        }
        decoder = AdaINDecoder.make(seed: options.seed)
        if let initialWeights {
            guard AdaINDecoder.matches(parameterShapes: initialWeights.mapValues(\.shape)) else {
                throw StyleTransferError.badOption("the initial model is not an AdaIN decoder (naoto0804 layout)")
            }
            try decoder.load(initialWeights.mapValues { Tensor(shape: $0.shape, values: $0.values) })
        }
        network = AdaINNetwork(encoder: encoder, decoder: decoder)
        (self.options, self.content, self.styles) = (options, content, styles)
        totalSteps = options.totalSteps(contentCount: content.count)
        optimizer = ParameterAdam(parameters: decoder.parameters(), learningRate: options.learningRate)
        fingerprint = options.fingerprint(content: content, styles: styles)
        previewStyle = styles.picture(0)
    }

    /// Continues from `checkpoint`, which must come from a run with the same settings and inputs.
    public func resume(from checkpoint: TrainingCheckpoint) throws {
        try checkpoint.restore(into: decoder, optimizer: optimizer, fingerprint: fingerprint)
        step = checkpoint.step
        elapsedBefore = checkpoint.elapsed
        start = Date()
    }

    /// The state after the steps so far.
    public func checkpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(capturing: decoder, optimizer: optimizer, step: step, elapsed: elapsed, fingerprint: fingerprint)
    }

    /// Seconds of training so far, across resumes.
    public var elapsed: Double { elapsedBefore + Date().timeIntervalSince(start) }

    /// One optimiser step on the next content and style batches; returns its losses (weighted,
    /// at the weights before the step).
    @discardableResult
    public func trainStep() -> IterationRecord {
        let contentIndices = content.batchIndices(step: step, batchSize: options.batchSize, seed: options.seed)
        let contentBatch = crops(content, indices: contentIndices, salt: 1)
        let styleBatch = crops(styles, indices: styleIndices(count: contentIndices.count), salt: 2)
        let layers = Set(AdaINNetwork.styleLayers)
        let contentLayer = AdaINNetwork.contentLayer
        let (target, styleStatistics) = withoutGradients {
            let styleFeatures = network.encode(styleBatch, at: layers)
            let contentFeatures = network.encode(contentBatch, at: [contentLayer])[contentLayer]!
            return (AdaINNetwork.adaptiveInstanceNorm(contentFeatures, style: styleFeatures[contentLayer]!),
                    styleFeatures.mapValues(AdaINNetwork.meanAndDeviation))
        }
        let generated = network.encode(decoder(target), at: layers)
        let content = generated[contentLayer]!.meanSquaredError(target) * options.contentWeight
        var style: Tensor?
        var styleTerms: [String: Float] = [:]
        for layer in AdaINNetwork.styleLayers {
            let (mean, deviation) = AdaINNetwork.meanAndDeviation(generated[layer]!)
            let (targetMean, targetDeviation) = styleStatistics[layer]!
            let term = (mean.meanSquaredError(targetMean) + deviation.meanSquaredError(targetDeviation)) * options.styleWeight
            styleTerms[layer] = term.item()
            style = style.map { $0 + term } ?? term
        }
        let total = content + style!
        let record = IterationRecord(iteration: step + 1, total: total.item(), content: content.item(),
                                     style: style!.item(), tv: 0, styleLayers: styleTerms, elapsed: 0)
        total.backward()
        optimizer.learningRate = options.learningRate / (1 + options.learningRateDecay * Float(step))
        optimizer.update()
        step += 1
        var timed = record
        timed.elapsed = elapsed
        return timed
    }

    /// `count` style pictures for this step, from the style set in its own seeded order (a set
    /// smaller than a batch repeats its pictures).
    private func styleIndices(count: Int) -> [Int] {
        let indices = styles.batchIndices(step: step, batchSize: options.batchSize, seed: options.seed &+ 0x5EED)
        return (0..<count).map { indices[$0 % indices.count] }
    }

    /// The pictures at `indices` in 0…1, each cut to a random `imageSize` square drawn from
    /// the seed, the step and `salt` (none when the pictures are already that size).
    private func crops(_ dataset: TrainingDataset, indices: [Int], salt: UInt64) -> Tensor {
        let batch = dataset.batch(indices) * (1 / 255)
        let (side, loaded) = (options.imageSize, options.loadSize)
        guard side < loaded else { return batch }
        var generator = SeededGenerator(seed: options.seed &+ UInt64(step) &* 0x9E37_79B9 &+ salt)
        let pieces = (0..<indices.count).map { sample -> Tensor in
            let (y, x) = (Int.random(in: 0...(loaded - side), using: &generator),
                          Int.random(in: 0...(loaded - side), using: &generator))
            return batch.slice(axis: 0, sample..<(sample + 1)).slice(axis: 2, y..<(y + side)).slice(axis: 3, x..<(x + side))
        }
        return Tensor.concatenate(pieces, axis: 0)
    }

    /// `image` painted by the decoder as it is now in the first style picture's style.
    public func stylize(_ image: Image) throws -> Image {
        try Stylizer(network: network, stylePictures: [previewStyle]).stylize(image)
    }
}
