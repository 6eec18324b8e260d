import Foundation
import Imaging
import Models
import Tensor

/// Runs a trained feed-forward network on pictures: one pass, output exactly the input's size.
public struct Stylizer {
    /// The network.
    public let network: any StylizingNetwork
    /// How much of each style the network paints with (`styleCount` weights summing to 1).
    public let styleWeights: [Float]

    /// Wraps `network`, painting style `styleWeights` (nil: the first style; weights are
    /// normalised to sum to 1 and must be non-negative with a positive sum).
    public init(network: any StylizingNetwork, styleWeights: [Float]? = nil) throws {
        self.network = network
        let weights = styleWeights ?? [1] + Array(repeating: 0, count: network.styleCount - 1)
        let total = weights.reduce(0, +)
        guard weights.count == network.styleCount, weights.allSatisfy({ $0 >= 0 && $0.isFinite }), total > 0 else {
            throw StyleTransferError.badOption("a mix of styles needs \(network.styleCount) non-negative weights with a "
                                               + "positive sum")
        }
        self.styleWeights = weights.map { $0 / total }
    }

    /// Bytes a picture of `width`×`height` needs while it is stylised (activations at full
    /// size, padded copies and the result): an upper estimate.
    public func estimatedBytes(width: Int, height: Int) -> Int {
        (width + 8) * (height + 8) * 4 * network.floatsPerPixel
    }

    /// The largest `width`×`height` with this aspect ratio whose estimate fits in `bytes`.
    public func largestSize(fitting bytes: Int, aspectOf width: Int, _ height: Int) -> (width: Int, height: Int) {
        let perPixel = Double(4 * network.floatsPerPixel)
        let scale = (Double(bytes) / perPixel / Double(width * height)).squareRoot()
        return (max(1, Int(Double(width) * scale) - 8), max(1, Int(Double(height) * scale) - 8))
    }

    /// `image` in the network's style (samples clamped to 0…255); pictures under the
    /// network's `minimumSide` on a side are refused.
    public func stylize(_ image: Image) throws -> Image {
        guard min(image.width, image.height) >= network.minimumSide else {
            throw StyleTransferError.badOption("a \(image.width)×\(image.height) picture is too small to stylise "
                                               + "(at least \(network.minimumSide) pixels a side)")
        }
        return withoutGradients {
            let pixels = network.pixels
            let x = pixels.tensor(rgb: image.samples, width: image.width, height: image.height)
            let weights = Tensor(shape: [1, network.styleCount], values: styleWeights)
            let samples = pixels.rgbSamples(from: network.stylize(x, styleWeights: weights)).map { min(max($0, 0), 255) }
            return Image(width: image.width, height: image.height, samples: samples)
        }
    }
}
