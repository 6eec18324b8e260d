import Foundation
import Imaging
import Models
import Tensor

/// Style transfer by optimisation (Gatys, Ecker & Bethge 2016): starting from the content
/// (or noise), descend on the pixels of the image to match the content's features and the
/// styles' Gram matrices through a frozen VGG network; optionally coarse to fine, with colour
/// and spatial control (Gatys et al. 2017), resumable between any two iterations.
public final class GatysStyleTransfer {
    /// The frozen loss network.
    public let network: VGG
    /// The run's settings.
    public let options: GatysOptions

    /// Where a run stands after an iteration.
    public struct Position: Sendable {
        /// Level index, from 0, and how many levels there are.
        public let level: Int, levels: Int
        /// Iterations done at this level, and its total.
        public let iteration: Int, iterations: Int
    }

    /// Prepares a run with `network` (whose pooling should match `options.pooling`), on the
    /// backend the caller installed (`Backend.current`; `prepareComputeBackend()` picks the CPU).
    public init(network: VGG, options: GatysOptions) {
        self.network = network
        self.options = options
    }

    /// Paints `content` in the style of `styles`: `optimize`'s picture.
    public func run(content: Image, styles: [Image], masks: [Image]? = nil, resumingFrom checkpoint: Checkpoint? = nil,
                    onEvaluation: (IterationRecord, () -> Image) -> Void = { _, _ in },
                    afterIteration: (Position, () -> Checkpoint) -> Bool = { _, _ in true }) throws -> Image {
        try optimize(content: content, styles: styles, masks: masks, resumingFrom: checkpoint,
                     onEvaluation: onEvaluation, afterIteration: afterIteration).image
    }

    /// Paints `content` in the style of `styles`; the result is the lowest-loss point evaluated
    /// at the last level, and each level starts from the previous level's.
    ///
    /// - Parameters:
    ///   - masks: one per style (white = where that style goes); nil paints every style everywhere.
    ///   - checkpoint: a saved state of this same run (same options and input pictures) to continue from.
    ///   - onEvaluation: sees each objective evaluation's losses and can render the image
    ///     being evaluated on demand.
    ///   - afterIteration: called after every iteration with the position and a way to save
    ///     the state; returning false stops the run with `StyleTransferError.stopped`.
    /// - Throws: `GatysDivergence` when the loss or gradient stops being finite (carrying the
    ///   best picture before it); `badOption` for inputs and options no run can use, including
    ///   sizes that would not fit in memory (`GatysMemory`), before any work.
    public func optimize(content: Image, styles: [Image], masks: [Image]? = nil,
                         resumingFrom checkpoint: Checkpoint? = nil,
                         onEvaluation: (IterationRecord, () -> Image) -> Void = { _, _ in },
                         afterIteration: (Position, () -> Checkpoint) -> Bool = { _, _ in true }) throws -> GatysResult {
        try validate(styles: styles, masks: masks)
        try GatysMemory(options: options, architecture: network.architecture)
            .check(content: (content.width, content.height), styles: styles.map { ($0.width, $0.height) },
                   budget: Backend.current.memoryBudget)
        let (paintedContent, paintedStyles) = colorPrepared(content: content, styles: styles)
        let levels = options.resolvedLevels(contentSide: content.longestSide)
        let fingerprint = options.fingerprint(content: content, styles: styles, masks: masks)
            + "; network: \(network.architecture.rawValue)"
        if let checkpoint {
            guard checkpoint.fingerprint == fingerprint else {
                throw StyleTransferError.badCheckpoint("it belongs to a run with other inputs or options: "
                    + RunFingerprint.differences(saved: checkpoint.fingerprint, current: fingerprint).joined(separator: "; "))
            }
            guard checkpoint.level < levels.count else { throw StyleTransferError.badCheckpoint("no level \(checkpoint.level + 1)") }
        }
        let preprocessing = network.preprocessing
        var x: [Float] = []
        var shape: [Int] = []
        // The previous level's outcome, finished only when it becomes the result.
        var handedOn: (x: [Float], shape: [Int], level: Int, best: Checkpoint.Best?)?
        func result(_ outcome: (x: [Float], shape: [Int], level: Int, best: Checkpoint.Best?)) -> GatysResult {
            GatysResult(image: finished(render(outcome.x, shape: outcome.shape), content: content), level: outcome.level,
                        iteration: outcome.best?.iteration ?? 0, loss: outcome.best?.loss)
        }
        for (index, level) in levels.enumerated() where index >= (checkpoint?.level ?? 0) {
            let contentImage = paintedContent.resized(longestSide: level.size)
            let contentTensor = preprocessing.tensor(rgb: contentImage.samples, width: contentImage.width,
                                                     height: contentImage.height)
            let loss = try makeLoss(content: contentTensor, styles: paintedStyles, masks: masks, side: level.size)
            let previousShape = shape
            shape = contentTensor.shape
            let optimizer = options.makeOptimizer()
            var best: Checkpoint.Best?
            if let checkpoint, checkpoint.level == index {
                guard checkpoint.width == shape[3], checkpoint.height == shape[2] else {
                    throw StyleTransferError.badCheckpoint("its picture is \(checkpoint.width)×\(checkpoint.height), "
                                                           + "this level's is \(shape[3])×\(shape[2])")
                }
                try optimizer.restore(checkpoint.optimizer)
                x = checkpoint.image
                best = checkpoint.best
            } else if index == 0 || x.isEmpty {
                x = initialImage(contentTensor, contentImage)
            } else {
                x = upsampled(x, from: previousShape, to: shape)
            }
            let start = Date()
            let point = Tensor(shape: shape, values: x)
            do {
                while optimizer.iteration < level.iterations {
                    try optimizer.step(point) { point in
                        // A leaf over the point's own memory: the tape's gradient is the objective's.
                        let image = Tensor(shape: point.shape, layout: point.layout, storage: point.storage, requiresGrad: true)
                        let (total, terms) = loss(image)
                        total.backward()
                        var record = terms
                        record.iteration = optimizer.iteration + 1
                        record.level = index + 1
                        record.elapsed = Date().timeIntervalSince(start)
                        onEvaluation(record) { self.render(point.toArray(), shape: shape) }
                        let gradient = image.grad!
                        guard record.total.isFinite else { throw NonFinite(quantity: "loss", value: record.total) }
                        let size = Backend.current.absoluteSum(gradient).item()
                        guard size.isFinite else { throw NonFinite(quantity: "gradient", value: size) }
                        if best.map({ record.total < $0.loss }) ?? true {
                            best = Checkpoint.Best(image: point.toArray(), loss: record.total, iteration: record.iteration)
                        }
                        return (record.total, gradient)
                    }
                    let position = Position(level: index, levels: levels.count, iteration: optimizer.iteration,
                                            iterations: level.iterations)
                    let proceed = afterIteration(position) {
                        Checkpoint(fingerprint: fingerprint, level: index, width: shape[3], height: shape[2],
                                   image: point.toArray(), optimizer: optimizer.state, best: best)
                    }
                    guard proceed else { throw StyleTransferError.stopped(level: index + 1, iteration: optimizer.iteration) }
                }
            } catch let failure as NonFinite {
                var restart = options.makeOptimizer().state
                restart.iteration = (best?.iteration ?? 1) - 1
                throw GatysDivergence(
                    quantity: failure.quantity, value: failure.value, level: index + 1, iteration: optimizer.iteration + 1,
                    result: best.map { result(($0.image, shape, index + 1, $0)) } ?? handedOn.map(result),
                    checkpoint: best.map { Checkpoint(fingerprint: fingerprint, level: index, width: shape[3],
                                                      height: shape[2], image: $0.image, optimizer: restart) })
            }
            x = best?.image ?? point.toArray()
            handedOn = (x, shape, index + 1, best)
        }
        return result(handedOn!)
    }

    /// Thrown from inside an evaluation to abandon the iteration before the optimiser moves.
    private struct NonFinite: Error {
        let quantity: String
        let value: Float
    }

    /// Throws for inconsistent styles, blend weights and masks.
    private func validate(styles: [Image], masks: [Image]?) throws {
        guard !styles.isEmpty else { throw StyleTransferError.badOption("at least one style image is needed") }
        if let blend = options.styleBlendWeights {
            guard blend.count == styles.count else {
                throw StyleTransferError.badOption("\(blend.count) style blend weights for \(styles.count) style images")
            }
            guard blend.allSatisfy({ $0 >= 0 }), blend.reduce(0, +) > 0 else {
                throw StyleTransferError.badOption("style blend weights must be non-negative and not all zero")
            }
            guard masks == nil else { throw StyleTransferError.badOption("style blend weights do not apply with masks") }
        }
        if let masks, masks.count != styles.count {
            throw StyleTransferError.badOption("\(masks.count) masks for \(styles.count) style images (one each)")
        }
        try options.validate()
    }

    /// The content and styles as the optimisation sees them under `options.preserveColors`.
    func colorPrepared(content: Image, styles: [Image]) -> (Image, [Image]) {
        switch options.preserveColors {
        case .histogram: return (content, styles.map { $0.matchingColorStatistics(of: content).clamped() })
        case .luminanceOnly:
            return (content.grayscale(), styles.map { $0.matchingLuminanceStatistics(of: content).clamped() })
        case .luminanceSwap, nil: return (content, styles)
        }
    }

    /// The loss at one level: styles resized to `styleScale` of the level's side.
    private func makeLoss(content: Tensor, styles: [Image], masks: [Image]?, side: Int) throws -> StyleLoss {
        let preprocessing = network.preprocessing
        let styleSide = max(1, Int((Float(side) * options.styleScale).rounded()))
        let blend = options.styleBlendWeights ?? Array(repeating: 1, count: styles.count)
        let styleTensors = zip(styles, blend).map { style, weight in
            let resized = style.resized(longestSide: styleSide)
            return (preprocessing.tensor(rgb: resized.samples, width: resized.width, height: resized.height), weight)
        }
        let layers = Set(options.contentLayers.map(\.name) + options.styleLayers.map(\.name))
        let minimum = network.architecture.minimumInputSide(for: layers)
        for (name, tensor) in [("content", content)] + styleTensors.map({ ("style", $0.0) })
            where min(tensor.shape[2], tensor.shape[3]) < minimum {
            throw StyleTransferError.badOption(
                "the \(name) image is \(tensor.shape[3])×\(tensor.shape[2]) after resizing; the chosen layers need "
                    + "at least \(minimum) pixels on each side (raise --size or --style-scale)")
        }
        return StyleLoss(network: network, content: content, styles: styleTensors, masks: masks,
                         contentLayers: options.contentLayers, styleLayers: options.styleLayers,
                         contentWeight: options.contentWeight, styleWeight: options.styleWeight,
                         tvWeight: options.tvWeight, normalizeGradients: options.normalizeGradients)
    }

    /// The picture of a preprocessed iterate, clamped to 0…255.
    private func render(_ values: [Float], shape: [Int]) -> Image {
        unclamped(values, shape: shape).clamped()
    }

    private func unclamped(_ values: [Float], shape: [Int]) -> Image {
        Image(width: shape[3], height: shape[2],
              samples: network.preprocessing.rgbSamples(from: Tensor(shape: shape, values: values)))
    }

    /// The previous level's iterate resampled to the next level's size.
    private func upsampled(_ values: [Float], from old: [Int], to new: [Int]) -> [Float] {
        let picture = unclamped(values, shape: old).resized(width: new[3], height: new[2])
        return network.preprocessing.tensor(rgb: picture.samples, width: picture.width, height: picture.height).toArray()
    }

    /// The optimised picture with the final touches: original size, content chroma.
    private func finished(_ result: Image, content: Image) -> Image {
        var result = result
        if options.originalSize { result = result.resized(width: content.width, height: content.height) }
        switch options.preserveColors {
        case .luminanceSwap, .luminanceOnly:
            return content.resized(width: result.width, height: result.height)
                .replacingLuminance(with: result.luminance()).clamped()
        case .histogram, nil:
            return result
        }
    }

    private func initialImage(_ content: Tensor, _ contentImage: Image) -> [Float] {
        switch options.initialization {
        case .content:
            return content.toArray()
        case .random:
            var generator = SeededGenerator(seed: options.seed)
            return Tensor.randomNormal(content.shape, std: 0.001, using: &generator).toArray()
        case .image(let start):
            let picture = start.resized(width: contentImage.width, height: contentImage.height)
            return network.preprocessing.tensor(rgb: picture.samples, width: picture.width,
                                                height: picture.height).toArray()
        }
    }
}
