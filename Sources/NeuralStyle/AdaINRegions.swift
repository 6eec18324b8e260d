import Imaging
import Models
import Tensor

extension Stylizer {
    /// `content` painted by an AdaIN `network` with one style picture per region: `masks` (one
    /// per style, any size; white marks that style's region) are resized to relu4_1's grid and
    /// divided by their sum at each pixel (equal shares where no mask covers it); each region
    /// then takes `alpha` of its style (1 − `alpha` of the content's own).
    public static func stylize(_ content: Image, network: AdaINNetwork, regionStyles styles: [Image], masks: [Image],
                               alpha: Float = 1) throws -> Image {
        guard styles.count == masks.count, !styles.isEmpty else {
            throw StyleTransferError.badOption("give one mask per style picture")
        }
        guard (0...1).contains(alpha) else { throw StyleTransferError.badOption("--alpha must be between 0 and 1") }
        for picture in [content] + styles where min(picture.width, picture.height) < network.minimumSide {
            throw StyleTransferError.badOption("a \(picture.width)×\(picture.height) picture is too small for AdaIN "
                                               + "(at least \(network.minimumSide) pixels a side)")
        }
        return withoutGradients {
            let x = network.pixels.tensor(rgb: content.samples, width: content.width, height: content.height)
            let own = network.styleCode(of: x)
            let (height, width) = ((content.height + 7) / 8, (content.width + 7) / 8)
            let shares = regionShares(masks, width: width, height: height)
            let regions = zip(styles, shares).map { style, share in
                let code = network.styleCode(of: network.pixels.tensor(rgb: style.samples, width: style.width,
                                                                       height: style.height))
                return (code: code * alpha + own * (1 - alpha), share: Optional(share))
            }
            let samples = network.pixels.rgbSamples(from: network.stylize(x, regions: regions)).map { min(max($0, 0), 255) }
            return Image(width: content.width, height: content.height, samples: samples)
        }
    }

    /// Each mask's share `[1, 1, height, width]` of every pixel of a `width`×`height` grid.
    private static func regionShares(_ masks: [Image], width: Int, height: Int) -> [Tensor] {
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
