import Foundation
import Imaging
import Models
import Tensor

/// Runs a trained feed-forward network on pictures: one pass, output exactly the input's size.
public struct Stylizer {
    /// The network (input and output RGB in 0…255).
    public let network: TransformerNet

    /// Wraps `network`.
    public init(network: TransformerNet) { self.network = network }

    /// Bytes a picture of `width`×`height` needs while it is stylised (activations at full
    /// size with twice the network's width, padded copies and the result): an upper estimate.
    public func estimatedBytes(width: Int, height: Int) -> Int {
        (width + 8) * (height + 8) * 4 * (7 * network.channels + 16)
    }

    /// The largest `width`×`height` with this aspect ratio whose estimate fits in `bytes`.
    public func largestSize(fitting bytes: Int, aspectOf width: Int, _ height: Int) -> (width: Int, height: Int) {
        let perPixel = Double(4 * (7 * network.channels + 16))
        let scale = (Double(bytes) / perPixel / Double(width * height)).squareRoot()
        return (max(1, Int(Double(width) * scale) - 8), max(1, Int(Double(height) * scale) - 8))
    }

    /// `image` in the network's style (samples clamped to 0…255); pictures under
    /// `TransformerNet.minimumSide` on a side are refused.
    public func stylize(_ image: Image) throws -> Image {
        guard min(image.width, image.height) >= TransformerNet.minimumSide else {
            throw StyleTransferError.badOption("a \(image.width)×\(image.height) picture is too small to stylise "
                                               + "(at least \(TransformerNet.minimumSide) pixels a side)")
        }
        return withoutGradients {
            let x = Preprocessing.rgb255.tensor(rgb: image.samples, width: image.width, height: image.height)
            let samples = Preprocessing.rgb255.rgbSamples(from: network(x)).map { min(max($0, 0), 255) }
            return Image(width: image.width, height: image.height, samples: samples)
        }
    }
}
