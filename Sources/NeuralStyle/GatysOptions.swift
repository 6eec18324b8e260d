import Foundation
import Imaging
import Tensor

/// Everything that shapes a Gatys optimisation; defaults are jcjohnson/neural-style's.
public struct GatysOptions: Sendable {
    /// Which optimiser drives the image.
    public enum OptimizerKind: String, Sendable, CaseIterable {
        /// torch.optim.LBFGS semantics (the field's default for Gatys).
        case lbfgs
        /// Adam with optional step decay.
        case adam
    }

    /// Where the optimisation starts.
    public enum Initialization: Equatable, Sendable {
        /// The preprocessed content image.
        case content
        /// `0.001·N(0, 1)` noise from the seeded generator.
        case random
        /// A picture, resized to the content's size.
        case image(Image)
    }

    /// One step of a coarse-to-fine run: the picture's longest side and the iterations spent there.
    public struct Level: Equatable, Sendable {
        /// Longest side in pixels.
        public var size: Int
        /// Iterations at this size.
        public var iterations: Int

        /// A level of `iterations` iterations at longest side `size`.
        public init(size: Int, iterations: Int) {
            self.size = size
            self.iterations = iterations
        }
    }

    /// How the result's colours relate to the content's (Gatys et al. 2017).
    public enum ColorPreservation: String, Sendable, CaseIterable {
        /// After optimising, keep the result's luminance and the content's chroma (YCbCr).
        case luminanceSwap = "luminance-swap"
        /// Before optimising, give each style the content's colour mean and covariance.
        case histogram
        /// Optimise luminance only (styles' luminance matched to the content's mean and σ),
        /// then add the content's chroma.
        case luminanceOnly = "luminance-only"
    }

    /// Longest side of the output in pixels; nil keeps the content's size.
    public var size: Int? = 512
    /// Optimiser iterations, one objective evaluation each.
    public var iterations = 1000
    /// Coarse to fine: each level starts from the previous result, upsampled; nil means one
    /// level of `size` and `iterations`.
    public var levels: [Level]?
    /// Colour control; nil lets the style's colours in.
    public var preserveColors: ColorPreservation?
    /// Divide each loss term's gradient by its L1 norm (jcjohnson/neural-style's option).
    public var normalizeGradients = false
    /// Resize the result to the content picture's own size at the end.
    public var originalSize = false
    /// Which optimiser drives the image.
    public var optimizer = OptimizerKind.lbfgs
    /// Step length; nil means 1 for L-BFGS and 10 for Adam.
    public var learningRate: Float?
    /// Adam only: multiply the learning rate by `learningRateDecayFactor` every this many iterations.
    public var learningRateDecayEvery: Int?
    /// The multiplier applied at each decay.
    public var learningRateDecayFactor: Float = 0.1
    /// Weight of the content term.
    public var contentWeight: Float = 5
    /// Weight of each style layer's term.
    public var styleWeight: Float = 100
    /// Weight of the total-variation term.
    public var tvWeight: Float = 1e-3
    /// Where the optimisation starts.
    public var initialization = Initialization.content
    /// Seed for `.random` initialisation.
    public var seed: UInt64 = 0
    /// VGG pooling.
    public var pooling = PoolingKind.max
    /// Content layers with their multipliers.
    public var contentLayers = [WeightedLayer("relu4_2")]
    /// Style layers with their multipliers.
    public var styleLayers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"].map { WeightedLayer($0) }
    /// One weight per style image; nil weighs them equally.
    public var styleBlendWeights: [Float]?
    /// Style images are resized to `styleScale` times the output's longest side.
    public var styleScale: Float = 1
    /// L-BFGS: curvature pairs remembered (jcjohnson/neural-style's `-lbfgs_num_correction`);
    /// each pair is two picture-sized vectors, in memory and in checkpoints.
    public var lbfgsHistory = 100

    /// The defaults.
    public init() {}

    /// The levels this run goes through, for a content picture of `contentSide` pixels.
    public func resolvedLevels(contentSide: Int) -> [Level] {
        levels ?? [Level(size: size ?? contentSide, iterations: iterations)]
    }

    /// Throws `badOption` for values no run can use: sizes, iteration counts or history not
    /// positive, levels not increasing, weights, rates or scales not finite or negative.
    public func validate() throws {
        let levels = resolvedLevels(contentSide: 1)
        guard levels.allSatisfy({ $0.size > 0 }) else { throw StyleTransferError.badOption("sizes must be positive") }
        guard levels.allSatisfy({ $0.iterations >= 0 }) else {
            throw StyleTransferError.badOption("iteration counts must not be negative")
        }
        guard zip(levels, levels.dropFirst()).allSatisfy({ $0.size < $1.size }) else {
            let sizes = levels.map { String($0.size) }.joined(separator: ",")
            throw StyleTransferError.badOption("--scales must increase, coarse to fine (\(sizes) does not)")
        }
        let weights: [(String, Float)] = [("--content-weight", contentWeight), ("--style-weight", styleWeight),
                                          ("--tv-weight", tvWeight)]
            + contentLayers.map { ("the weight of content layer \($0.name)", $0.weight) }
            + styleLayers.map { ("the weight of style layer \($0.name)", $0.weight) }
            + (styleBlendWeights ?? []).map { ("a style blend weight", $0) }
        for (name, value) in weights where !value.isFinite || value < 0 {
            throw StyleTransferError.badOption("\(name) must be a finite number, not negative (got \(value))")
        }
        for (name, value) in [("--learning-rate", learningRate ?? 1), ("--lr-decay-factor", learningRateDecayFactor),
                              ("--style-scale", styleScale)] where !value.isFinite || value <= 0 {
            throw StyleTransferError.badOption("\(name) must be a positive finite number (got \(value))")
        }
        guard lbfgsHistory > 0 else { throw StyleTransferError.badOption("--lbfgs-history must be positive") }
        if let learningRateDecayEvery, learningRateDecayEvery <= 0 {
            throw StyleTransferError.badOption("--lr-decay-every must be positive")
        }
    }

    /// Everything that shapes the result except iteration counts (so a resumed run may go on
    /// longer), each input picture by its SHA-256; a checkpoint only continues a run with the
    /// same fingerprint.
    func fingerprint(content: Image, styles: [Image], masks: [Image]?) -> String {
        let start: String
        switch initialization {
        case .content: start = "content"
        case .random: start = "random:\(seed)"
        case .image(let image): start = "picture sha256 \(image.sha256)"
        }
        let parts: [String] = [
            "content picture: \(content.width)x\(content.height) sha256 \(content.sha256)", "styles: \(styles.count)",
        ] + styles.indices.map { "style picture \($0 + 1): sha256 \(styles[$0].sha256)" } + [
            "masks: \(masks?.count ?? 0)",
        ] + (masks ?? []).indices.map { "mask \($0 + 1): sha256 \(masks![$0].sha256)" } + [
            "levels: \(resolvedLevels(contentSide: content.longestSide).map { String($0.size) })",
            "optimizer: \(optimizer.rawValue) \(learningRate.map { String($0) } ?? "default")",
            "decay: \(learningRateDecayEvery.map { String($0) } ?? "none") \(learningRateDecayFactor)",
            "weights: \(contentWeight) \(styleWeight) \(tvWeight)", "init: \(start)", "pooling: \(pooling)",
            "content layers: \(contentLayers.map { "\($0.name):\($0.weight)" })",
            "style layers: \(styleLayers.map { "\($0.name):\($0.weight)" })",
            "blend: \(styleBlendWeights.map { "\($0)" } ?? "equal")", "style scale: \(styleScale)",
            "colors: \(preserveColors?.rawValue ?? "style")", "normalize: \(normalizeGradients)",
            "lbfgs history: \(lbfgsHistory)",
        ]
        return parts.joined(separator: "; ")
    }

    /// A fresh optimiser as these options describe.
    public func makeOptimizer() -> Optimizer {
        switch optimizer {
        case .lbfgs: return LBFGS(historySize: lbfgsHistory, learningRate: learningRate ?? 1)
        case .adam: return Adam(learningRate: learningRate ?? 10, decayEvery: learningRateDecayEvery,
                                decayFactor: learningRateDecayFactor)
        }
    }
}
