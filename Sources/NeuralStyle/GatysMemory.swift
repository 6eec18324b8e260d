import Foundation
import Models

/// The memory a Gatys run will need at each level, estimated from the sizes alone so that a
/// run too big for the machine is refused before any work (a failed allocation aborts the
/// process). Upper estimates, calibrated on the README's measurements (about 1.9 KB a pixel
/// for one VGG-19 evaluation to relu5_1): every feature map to the deepest layer used, kept
/// for the backward pass, two gradient buffers of the widest full-size map, a quarter more
/// for the allocator; the optimiser's picture-sized vectors; each style picture's forward pass.
public struct GatysMemory {
    /// The run's options.
    public let options: GatysOptions
    /// The loss network.
    public let architecture: VGG.Architecture

    /// Estimates for `options` through `architecture`.
    public init(options: GatysOptions, architecture: VGG.Architecture) {
        self.options = options
        self.architecture = architecture
    }

    /// Weights, code and the decoded pictures: a fixed allowance.
    private static let fixedBytes = 400.0 * 1024 * 1024

    /// Bytes of feature maps per input pixel through the deepest layer the losses use, and of
    /// the widest full-size map.
    private var featureBytesPerPixel: (all: Double, widest: Double) {
        let names = architecture.layerNames
        let used = Set(options.contentLayers.map(\.name) + options.styleLayers.map(\.name))
        let deepest = names.lastIndex(where: used.contains) ?? 0
        var floats = 0.0, area = 1.0, channels = 3.0
        for name in names.prefix(deepest + 1) where !name.hasPrefix("relu") {
            if name.hasPrefix("pool") {
                area *= 4
            } else {
                let block = Int(name.dropFirst(4).prefix { $0 != "_" })!
                channels = Double(architecture.blocks[block - 1].channels)
            }
            floats += channels / area
        }
        return (4 * floats, 4 * Double(architecture.blocks[0].channels))
    }

    /// Bytes one objective evaluation (forward and backward) of a `pixels`-pixel picture needs.
    func evaluationBytes(pixels: Double) -> Double {
        let features = featureBytesPerPixel
        return 1.25 * pixels * (features.all + 2 * features.widest)
    }

    /// Bytes the optimiser keeps for a `pixels`-pixel picture: the point, its gradient and the
    /// best point so far, plus L-BFGS's history pairs and work vectors or Adam's moments.
    func optimizerBytes(pixels: Double) -> Double {
        let vectors = options.optimizer == .lbfgs ? Double(2 * options.lbfgsHistory + 5) : 5
        return vectors * 3 * 4 * pixels
    }

    /// Bytes the forward pass of a `pixels`-pixel style picture needs.
    func styleBytes(pixels: Double) -> Double { 1.25 * pixels * featureBytesPerPixel.all }

    /// The most bytes the whole run needs at once, for a content picture of `content` pixels
    /// and styles of the given sizes.
    public func estimatedBytes(content: (width: Int, height: Int), styles: [(width: Int, height: Int)]) -> Double {
        options.resolvedLevels(contentSide: max(content.width, content.height)).map { level in
            let picture = Self.size(of: content, longestSide: Double(level.size))
            let pixels = picture.width * picture.height
            let styleSide = Double(level.size) * Double(options.styleScale)
            let stylePeak = styles.map { style in
                let size = Self.size(of: style, longestSide: styleSide)
                return styleBytes(pixels: size.width * size.height)
            }.max() ?? 0
            return Self.fixedBytes + max(stylePeak, evaluationBytes(pixels: pixels) + optimizerBytes(pixels: pixels))
        }.max() ?? Self.fixedBytes
    }

    /// Throws `badOption`, naming the largest size (or style scale) that fits, unless every
    /// level of the run fits in `budget` bytes.
    public func check(content: (width: Int, height: Int), styles: [(width: Int, height: Int)], budget: Int) throws {
        let budget = Double(budget)
        let needed = estimatedBytes(content: content, styles: styles)
        guard needed > budget else { return }
        let levels = options.resolvedLevels(contentSide: max(content.width, content.height))
        let side = levels.map(\.size).max()!
        func fits(_ trial: GatysOptions, styles: [(width: Int, height: Int)]) -> Bool {
            GatysMemory(options: trial, architecture: architecture).estimatedBytes(content: content, styles: styles) <= budget
        }
        let here = Self.describe(budget)
        if !fits(options, styles: []) {
            // The picture itself is too big: the largest single size that fits, styles scaled with it.
            let largest = Self.largest(upTo: Double(side)) { candidate in
                var trial = options
                trial.levels = nil
                trial.size = Int(candidate)
                return fits(trial, styles: styles)
            }
            let picture = Self.size(of: content, longestSide: Double(side))
            let what = levels.count > 1 ? "the \(side)-px level of --scales" : "--size \(side)"
            throw StyleTransferError.badOption(
                "\(what) makes a \(Int(picture.width))×\(Int(picture.height)) picture that needs about "
                    + "\(Self.describe(needed)) of memory; the largest that fits in the \(here) here is about "
                    + (levels.count > 1 ? "\(Int(largest)) px" : "--size \(Int(largest))"))
        }
        // Else the style pictures are: the largest scale that fits, in hundredths.
        let scale = Self.largest(upTo: Double(options.styleScale) * 100) { candidate in
            var trial = options
            trial.styleScale = Float(candidate / 100)
            return fits(trial, styles: styles)
        } / 100
        throw StyleTransferError.badOption(
            "--style-scale \(options.styleScale) makes style pictures of up to "
                + "\(Int(Double(side) * Double(options.styleScale))) px a side that need about \(Self.describe(needed)) "
                + "of memory; the largest that fits in the \(here) here is about --style-scale "
                + String(format: "%.2f", scale))
    }

    /// The largest whole number in 1…`limit` for which `fits` holds (0 if none), by bisection.
    private static func largest(upTo limit: Double, _ fits: (Double) -> Bool) -> Double {
        var low = 0.0, high = limit.rounded(.down)
        while low < high {
            let middle = (low + high + 1) / 2
            if fits(middle.rounded(.down)) { low = middle.rounded(.down) } else { high = middle.rounded(.down) - 1 }
        }
        return low
    }

    /// The size of a `width`×`height` picture resized to longest side `side`.
    private static func size(of picture: (width: Int, height: Int), longestSide side: Double)
        -> (width: Double, height: Double) {
        let scale = side / Double(max(picture.width, picture.height))
        return (max(1, (Double(picture.width) * scale).rounded()), max(1, (Double(picture.height) * scale).rounded()))
    }

    /// `bytes` for a person: "3.2 GiB", "21 TiB".
    static func describe(_ bytes: Double) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = bytes, unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
