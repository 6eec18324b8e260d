import Imaging
import Models
import Tensor

extension Stylizer {
    /// Whether `stylize(batch:)` paints its pictures in one pass: true for networks that paint
    /// their own styles; one that takes its style from pictures paints one picture per pass.
    public var paintsBatches: Bool {
        if case .mix = style { return true }
        return false
    }

    /// `images` (all the same size) in the network's style, in order: the same pictures
    /// `stylize(_:)` paints one by one (instance norm is per picture), in one pass through the
    /// network when `paintsBatches`. Pictures under the network's `minimumSide` are refused.
    public func stylize(batch images: [Image]) throws -> [Image] {
        guard case let .mix(weights) = style, images.count > 1 else { return try images.map(stylize) }
        let (width, height) = (images[0].width, images[0].height)
        precondition(images.allSatisfy { $0.width == width && $0.height == height },
                     "a batch holds pictures of one size")
        try checkSides(of: images[0])
        return withoutGradients {
            let pixels = network.pixels
            let x = Tensor.concatenate(images.map { pixels.tensor(rgb: $0.samples, width: width, height: height) }, axis: 0)
            let rows = Tensor(shape: [images.count, network.styleCount],
                              values: Array(Array(repeating: weights, count: images.count).joined()))
            let y = network.stylize(x, style: .mix(rows))
            return images.indices.map { index in
                let samples = pixels.rgbSamples(from: y.slice(axis: 0, index..<(index + 1))).map { min(max($0, 0), 255) }
                return Image(width: width, height: height, samples: samples)
            }
        }
    }
}
