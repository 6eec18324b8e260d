import Foundation
import Imaging
import Models
import Tensor

/// Runs a trained feed-forward network on pictures: one pass, output exactly the input's size.
public struct Stylizer {
    /// What the stylizer paints in.
    enum Style {
        /// A mix of the network's own styles (`styleCount` weights summing to 1).
        case mix([Float])
        /// The blended code of style pictures, moved towards each content picture's own code
        /// when `strength` < 1.
        case pictures(code: Tensor, strength: Float)
    }

    /// The network.
    public let network: any StylizingNetwork
    let style: Style

    /// How much of each style the network paints with (`styleCount` weights summing to 1;
    /// empty for a network that takes its style from pictures).
    public var styleWeights: [Float] {
        if case let .mix(weights) = style { return weights }
        return []
    }

    /// Wraps `network`, painting style `styleWeights` (nil: the first style; weights are
    /// normalised to sum to 1 and must be non-negative with a positive sum). A network that
    /// takes its style from pictures is refused: it needs `init(network:stylePictures:…)`.
    public init(network: any StylizingNetwork, styleWeights: [Float]? = nil) throws {
        guard !(network is any PictureStyledNetwork) else {
            throw StyleTransferError.badOption("this model takes its style from a picture: give --style-image")
        }
        self.network = network
        style = .mix(try Stylizer.normalized(styleWeights ?? [1] + Array(repeating: 0, count: network.styleCount - 1),
                                             count: network.styleCount, what: "a mix of styles"))
    }

    /// Wraps a network that takes its style from pictures: it paints the code of
    /// `stylePictures` blended by `blendWeights` (nil: equal; normalised to sum to 1), moved
    /// towards each content picture's own code by `1 − strength` (0…1; 1: the paintings' alone).
    public init(network: any PictureStyledNetwork, stylePictures: [Image], blendWeights: [Float]? = nil,
                strength: Float = 1) throws {
        guard !stylePictures.isEmpty else { throw StyleTransferError.badOption("give at least one style picture") }
        guard (0...1).contains(strength) else { throw StyleTransferError.badOption("--strength must be between 0 and 1") }
        let weights = try Stylizer.normalized(blendWeights ?? Array(repeating: 1, count: stylePictures.count),
                                              count: stylePictures.count, what: "a blend of style pictures")
        self.network = network
        let code = withoutGradients {
            let codes = zip(stylePictures, weights).map { Stylizer.styleCode(of: $0, network: network) * $1 }
            return codes.dropFirst().reduce(codes[0], +)
        }
        style = .pictures(code: code, strength: strength)
    }

    /// `weights` scaled to sum to 1, or an error unless there are `count` of them, none negative,
    /// with a positive sum.
    private static func normalized(_ weights: [Float], count: Int, what: String) throws -> [Float] {
        let total = weights.reduce(0, +)
        guard weights.count == count, weights.allSatisfy({ $0 >= 0 && $0.isFinite }), total > 0 else {
            throw StyleTransferError.badOption("\(what) needs \(count) non-negative weights with a positive sum")
        }
        return weights.map { $0 / total }
    }

    /// The style code of `picture`, centre-cropped to a square and resized (Lanczos, as Pillow)
    /// to the network's style side first when it has one.
    static func styleCode(of picture: Image, network: any PictureStyledNetwork) -> Tensor {
        var picture = picture
        if let side = network.stylePictureSide {
            let square = min(picture.width, picture.height)
            picture = picture.cropped(x: (picture.width - square) / 2, y: (picture.height - square) / 2, width: square, height: square)
                .resizedLanczos(width: side, height: side)
        }
        return network.styleCode(of: network.pixels.tensor(rgb: picture.samples, width: picture.width, height: picture.height))
    }

    /// `image` in the network's style (samples clamped to 0…255); pictures under the
    /// network's `minimumSide` on a side are refused.
    public func stylize(_ image: Image) throws -> Image {
        try checkSides(of: image)
        return withoutGradients {
            let pixels = network.pixels
            let x = pixels.tensor(rgb: image.samples, width: image.width, height: image.height)
            let condition: StyleCondition
            switch style {
            case let .mix(weights): condition = .mix(Tensor(shape: [1, network.styleCount], values: weights))
            case let .pictures(code, strength):
                guard strength < 1, let network = network as? any PictureStyledNetwork else { condition = .code(code); break }
                let own = Stylizer.styleCode(of: image, network: network)
                condition = .code(code * strength + own * (1 - strength))
            }
            let samples = pixels.rgbSamples(from: network.stylize(x, style: condition)).map { min(max($0, 0), 255) }
            return Image(width: image.width, height: image.height, samples: samples)
        }
    }

    /// Refuses a picture under the network's `minimumSide` on a side.
    func checkSides(of image: Image) throws {
        guard min(image.width, image.height) >= network.minimumSide else {
            throw StyleTransferError.badOption("a \(image.width)×\(image.height) picture is too small to stylise "
                                               + "(at least \(network.minimumSide) pixels a side)")
        }
    }
}

extension StylizingNetwork {
    /// Bytes `pictures` pictures of `width`×`height` need while they are stylised in one pass
    /// (activations at full size, padded copies and the results): an upper estimate.
    public func estimatedBytes(width: Int, height: Int, pictures: Int = 1) -> Int {
        pictures * (width + 8) * (height + 8) * 4 * floatsPerPixel
    }

    /// The largest `width`×`height` with this aspect ratio whose estimate fits in `bytes`.
    public func largestSize(fitting bytes: Int, aspectOf width: Int, _ height: Int) -> (width: Int, height: Int) {
        let perPixel = Double(4 * floatsPerPixel)
        let scale = (Double(bytes) / perPixel / Double(width * height)).squareRoot()
        return (max(1, Int(Double(width) * scale) - 8), max(1, Int(Double(height) * scale) - 8))
    }
}
