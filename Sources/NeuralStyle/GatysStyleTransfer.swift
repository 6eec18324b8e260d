import Foundation
import Imaging
import Models
import Tensor

/// Style transfer by optimisation (Gatys, Ecker & Bethge 2016): starting from the content
/// (or noise), descend on the pixels of the image to match the content's features and the
/// styles' Gram matrices through a frozen VGG-19.
public final class GatysStyleTransfer {
    /// The frozen loss network.
    public let network: VGG19
    /// The run's settings.
    public let options: GatysOptions

    /// Prepares a run with `network` (whose pooling should match `options.pooling`).
    public init(network: VGG19, options: GatysOptions) {
        self.network = network
        self.options = options
        prepareComputeBackend()
    }

    /// Paints `content` in the style of `styles`. `onEvaluation` sees each objective
    /// evaluation's losses and can render the image being evaluated on demand.
    public func run(content: Image, styles: [Image],
                    onEvaluation: (IterationRecord, () -> Image) -> Void = { _, _ in }) throws -> Image {
        guard !styles.isEmpty else { throw StyleTransferError.badOption("at least one style image is needed") }
        let blend = options.styleBlendWeights ?? Array(repeating: 1, count: styles.count)
        guard blend.count == styles.count else {
            throw StyleTransferError.badOption("\(blend.count) style blend weights for \(styles.count) style images")
        }
        guard blend.allSatisfy({ $0 >= 0 }), blend.reduce(0, +) > 0 else {
            throw StyleTransferError.badOption("style blend weights must be non-negative and not all zero")
        }
        let contentImage = options.size.map { content.resized(longestSide: $0) } ?? content
        let styleSide = max(1, Int((Float(contentImage.longestSide) * options.styleScale).rounded()))
        let preprocessing = network.preprocessing
        let contentTensor = preprocessing.tensor(rgb: contentImage.samples, width: contentImage.width,
                                                 height: contentImage.height)
        let styleTensors = zip(styles, blend).map { style, weight in
            let resized = style.resized(longestSide: styleSide)
            return (preprocessing.tensor(rgb: resized.samples, width: resized.width, height: resized.height), weight)
        }
        let layers = Set(options.contentLayers.map(\.name) + options.styleLayers.map(\.name))
        let minimum = VGG19.minimumInputSide(for: layers)
        for (name, tensor) in [("content", contentTensor)] + styleTensors.map({ ("style", $0.0) })
            where min(tensor.shape[2], tensor.shape[3]) < minimum {
            throw StyleTransferError.badOption(
                "the \(name) image is \(tensor.shape[3])×\(tensor.shape[2]) after resizing; the chosen layers need "
                    + "at least \(minimum) pixels on each side (raise --size or --style-scale)")
        }
        let loss = StyleLoss(network: network, content: contentTensor, styles: styleTensors,
                             contentLayers: options.contentLayers, styleLayers: options.styleLayers,
                             contentWeight: options.contentWeight, styleWeight: options.styleWeight,
                             tvWeight: options.tvWeight)

        let shape = contentTensor.shape
        var x = initialImage(contentTensor, contentImage)
        let start = Date()
        var evaluations = 0
        func render(_ values: [Float]) -> Image {
            Image(width: shape[3], height: shape[2],
                  samples: preprocessing.rgbSamples(from: Tensor(shape: shape, values: values))).clamped()
        }
        options.makeOptimizer().minimize(&x, iterations: options.iterations) { values in
            let image = Tensor(shape: shape, values: values, requiresGrad: true)
            let (total, terms) = loss(image)
            total.backward()
            evaluations += 1
            var record = terms
            record.iteration = evaluations
            record.elapsed = Date().timeIntervalSince(start)
            onEvaluation(record) { render(values) }
            return (total.scalar, image.grad!.toArray())
        }
        return render(x)
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
