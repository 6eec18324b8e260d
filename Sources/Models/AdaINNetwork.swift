import Foundation
import Tensor

/// Arbitrary style transfer in one pass with adaptive instance normalisation (Huang & Belongie
/// 2017, as naoto0804/pytorch-AdaIN): VGG-19 (frozen) encodes the content and the style
/// pictures to relu4_1, the content features take the style's per-channel mean and standard
/// deviation, and the trained decoder turns them back into a picture. Pictures are RGB in 0…1;
/// the encoder applies its own preprocessing (Caffe's: ×255, BGR, minus the mean pixel).
///
/// A style's code is its relu4_1 statistics `[1, 2C, 1, 1]` (means, then deviations). Codes
/// mix linearly, and AdaIN is linear in them, so blending codes is naoto0804's interpolation of
/// AdaIN outputs, and moving a code towards the content's own by 1 − α is its content–style
/// trade-off α.
public final class AdaINNetwork: PictureStyledNetwork, ModuleWrapper {
    /// VGG-19 up to relu4_1.
    public let encoder: VGG
    /// The decoder (`AdaINDecoder`); the network's only parameters.
    public let decoder: Sequential
    /// The layer the decoder inverts.
    public static let contentLayer = "relu4_1"
    /// The layers whose statistics the training loss matches.
    public static let styleLayers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]

    /// Pairs a VGG-19 encoder with a decoder.
    public init(encoder: VGG, decoder: Sequential) {
        precondition(encoder.architecture == .vgg19, "AdaIN's encoder is VGG-19")
        self.encoder = encoder
        self.decoder = decoder
    }

    public var wrapped: Module { decoder }
    public var styleCount: Int { 0 }
    public var pixels: Preprocessing { .rgb01 }
    /// VGG-19's largest activations (two 64-channel maps at full size), the decoder's, and copies.
    public var floatsPerPixel: Int { 200 }
    /// relu4_1 is 1/8 of the picture and needs 2 pixels a side for its statistics.
    public var minimumSide: Int { 16 }
    public var stylePictureSide: Int? { nil }

    /// Activations at `layers` of `[N, 3, H, W]` pictures in 0…1.
    public func encode(_ rgb01: Tensor, at layers: Set<String>) -> [String: Tensor] {
        encoder.features(encoder.preprocessing.networkInput(rgb01 * 255), at: layers)
    }

    /// Per-sample, per-channel mean and standard deviation `[N, C, 1, 1]` of NCHW features, as
    /// naoto0804's `calc_mean_std`: σ = sqrt(unbiased variance + 1e-5).
    public static func meanAndDeviation(_ features: Tensor) -> (mean: Tensor, deviation: Tensor) {
        (features.mean(alongAxes: [2, 3], keepingDimensions: true),
         (features.variance(alongAxes: [2, 3], unbiased: true) + 1e-5).sqrt())
    }

    /// `content` with each channel's mean and deviation replaced by `mean` and `deviation`.
    public static func adaptiveInstanceNorm(_ content: Tensor, mean: Tensor, deviation: Tensor) -> Tensor {
        let (contentMean, contentDeviation) = meanAndDeviation(content)
        return (content - contentMean) / contentDeviation * deviation + mean
    }

    /// `content` with each channel's mean and deviation replaced by `style`'s (per sample; the
    /// two may differ in size).
    public static func adaptiveInstanceNorm(_ content: Tensor, style: Tensor) -> Tensor {
        let (mean, deviation) = meanAndDeviation(style)
        return adaptiveInstanceNorm(content, mean: mean, deviation: deviation)
    }

    public func styleCode(of picture: Tensor) -> Tensor {
        let (mean, deviation) = AdaINNetwork.meanAndDeviation(relu41(picture))
        return Tensor.concatenate([mean, deviation], axis: 1)
    }

    public func stylize(_ x: Tensor, style: StyleCondition) -> Tensor {
        guard case let .code(code) = style else { preconditionFailure("AdaIN paints a style code") }
        return stylize(x, regions: [(code, nil)])
    }

    /// The `[1, 3, H, W]` picture `x` with each region in its own style: `regions` pairs a style
    /// code with a `[1, 1, h, w]` share of every relu4_1 pixel (nil: everywhere); shares should
    /// sum to 1 at each pixel.
    public func stylize(_ x: Tensor, regions: [(code: Tensor, share: Tensor?)]) -> Tensor {
        let (height, width) = (x.shape[2], x.shape[3])
        let padded = x.padded(Padding2D(top: 0, bottom: (8 - height % 8) % 8, left: 0, right: (8 - width % 8) % 8),
                              mode: .reflect)
        let content = relu41(padded)
        let channels = content.shape[1]
        var target: Tensor?
        for (code, share) in regions {
            let styled = AdaINNetwork.adaptiveInstanceNorm(content, mean: code.slice(axis: 1, 0..<channels),
                                                           deviation: code.slice(axis: 1, channels..<(2 * channels)))
            let term = share.map { styled * $0 } ?? styled
            target = target.map { $0 + term } ?? term
        }
        return decoder(target!).slice(axis: 2, 0..<height).slice(axis: 3, 0..<width)
    }

    /// relu4_1 of `[N, 3, H, W]` pictures in 0…1, in plain layout.
    private func relu41(_ x: Tensor) -> Tensor {
        encode(x, at: [AdaINNetwork.contentLayer])[AdaINNetwork.contentLayer]!.reordered(to: .plain)
    }
}
