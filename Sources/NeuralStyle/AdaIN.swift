import Foundation
import Imaging
import Models
import Tensor

/// Arbitrary style transfer in one pass with adaptive instance normalisation (Huang & Belongie
/// 2017, as naoto0804/pytorch-AdaIN): VGG-19 encodes the content and style pictures to relu4_1,
/// the content features take each style's per-channel mean and standard deviation, and a
/// trained decoder turns them back into a picture. Pictures are RGB in 0…1; the encoder applies
/// its own preprocessing (Caffe's: ×255, BGR, minus the mean pixel).
public struct AdaINStyleTransfer {
    /// VGG-19 up to relu4_1.
    public let encoder: VGG
    /// The decoder (`AdaINDecoder`).
    public let decoder: Sequential
    /// The layer the decoder inverts.
    public static let contentLayer = "relu4_1"
    /// The layers whose statistics the training loss matches.
    public static let styleLayers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
    /// The smallest picture side: relu4_1 is 1/8 of the picture and needs 2 pixels for its statistics.
    public static let minimumSide = 16

    /// Pairs an encoder with a decoder.
    public init(encoder: VGG, decoder: Sequential) {
        self.encoder = encoder
        self.decoder = decoder
    }

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

    /// `content` with each channel's mean and deviation replaced by `style`'s (per sample; the
    /// two may differ in size).
    public static func adaptiveInstanceNorm(_ content: Tensor, style: Tensor) -> Tensor {
        let (contentMean, contentDeviation) = meanAndDeviation(content)
        let (styleMean, styleDeviation) = meanAndDeviation(style)
        return (content - contentMean) / contentDeviation * styleDeviation + styleMean
    }

    /// Bytes a `width`×`height` content picture needs while it is stylised: VGG-19's largest
    /// activations (two 64-channel maps at full size), the decoder's, and copies; an upper estimate.
    public static func estimatedBytes(width: Int, height: Int) -> Int { (width + 8) * (height + 8) * 4 * 200 }

    /// `content` painted in `styles`: their relu4_1 targets mixed by `weights` (normalised to
    /// sum to 1), or, with `masks` (one per style, same size as the content, white = that style),
    /// each style in its own region; then `alpha` of the stylised features and 1 − `alpha` of
    /// the content's own before decoding (α = 1: all style).
    public func stylize(_ content: Image, styles: [Image], weights: [Float]? = nil, alpha: Float = 1,
                        masks: [Image]? = nil) throws -> Image {
        guard !styles.isEmpty, weights.map({ $0.count == styles.count }) ?? true,
              masks.map({ $0.count == styles.count }) ?? true else {
            throw StyleTransferError.badOption("give one weight and one mask per style picture")
        }
        for picture in [content] + styles where min(picture.width, picture.height) < AdaINStyleTransfer.minimumSide {
            throw StyleTransferError.badOption("a \(picture.width)×\(picture.height) picture is too small for AdaIN "
                                               + "(at least \(AdaINStyleTransfer.minimumSide) pixels a side)")
        }
        let weights = try normalized(weights ?? Array(repeating: 1, count: styles.count))
        return withoutGradients {
            let (height, width) = (content.height, content.width)
            let x = Preprocessing.rgb01.tensor(rgb: content.samples, width: width, height: height)
            let padded = x.padded(Padding2D(top: 0, bottom: (8 - height % 8) % 8, left: 0, right: (8 - width % 8) % 8),
                                  mode: .reflect)
            let layer: Set = [AdaINStyleTransfer.contentLayer]
            let contentFeatures = encode(padded, at: layer)[AdaINStyleTransfer.contentLayer]!.reordered(to: .plain)
            let regions = masks.map { regionWeights($0, height: contentFeatures.shape[2], width: contentFeatures.shape[3]) }
            var target: Tensor?
            for (index, style) in styles.enumerated() {
                let s = Preprocessing.rgb01.tensor(rgb: style.samples, width: style.width, height: style.height)
                let styleFeatures = encode(s, at: layer)[AdaINStyleTransfer.contentLayer]!.reordered(to: .plain)
                let term = AdaINStyleTransfer.adaptiveInstanceNorm(contentFeatures, style: styleFeatures)
                    * (regions?[index] ?? Tensor(scalar: weights[index]).reshaped([1, 1, 1, 1]))
                target = target.map { $0 + term } ?? term
            }
            let mixed = target! * alpha + contentFeatures * (1 - alpha)
            let y = decoder(mixed).slice(axis: 2, 0..<height).slice(axis: 3, 0..<width)
            let samples = Preprocessing.rgb01.rgbSamples(from: y).map { min(max($0, 0), 255) }
            return Image(width: width, height: height, samples: samples)
        }
    }

    private func normalized(_ weights: [Float]) throws -> [Float] {
        let total = weights.reduce(0, +)
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), total > 0 else {
            throw StyleTransferError.badOption("style weights must be non-negative with a positive sum")
        }
        return weights.map { $0 / total }
    }

    /// Each mask's share of every feature pixel `[1, 1, h, w]`: masks resized to the feature
    /// map by area, then divided by their sum (equal shares where no mask covers a pixel).
    private func regionWeights(_ masks: [Image], height: Int, width: Int) -> [Tensor] {
        let count = width * height
        let levels: [[Float]] = masks.map { mask in
            let small = mask.resized(width: width, height: height).samples
            var level = [Float](repeating: 0, count: count)
            for pixel in 0..<count {
                let sum: Float = small[3 * pixel] + small[3 * pixel + 1] + small[3 * pixel + 2]
                level[pixel] = sum / (3 * 255)
            }
            return level
        }
        var totals = [Float](repeating: 0, count: count)
        for level in levels { for pixel in 0..<count { totals[pixel] += level[pixel] } }
        let equalShare = 1 / Float(levels.count)
        return levels.map { level in
            var share = [Float](repeating: equalShare, count: count)
            for pixel in 0..<count where totals[pixel] > 1e-6 { share[pixel] = level[pixel] / totals[pixel] }
            return Tensor(shape: [1, 1, height, width], values: share)
        }
    }
}
