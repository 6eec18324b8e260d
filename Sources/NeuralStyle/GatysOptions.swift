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

    /// Longest side of the output in pixels; nil keeps the content's size.
    public var size: Int? = 512
    /// Optimiser iterations, one objective evaluation each.
    public var iterations = 1000
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

    /// The defaults.
    public init() {}

    /// The optimiser these options describe.
    public func makeOptimizer() -> Optimizer {
        switch optimizer {
        case .lbfgs: return LBFGS(historySize: 100, learningRate: learningRate ?? 1)
        case .adam: return Adam(learningRate: learningRate ?? 10, decayEvery: learningRateDecayEvery,
                                decayFactor: learningRateDecayFactor)
        }
    }
}
