import Foundation

/// Everything that shapes the training of an AdaIN decoder; defaults are naoto0804/pytorch-AdaIN's.
public struct AdaINTrainingOptions: Sendable, Codable, Equatable {
    /// Optimiser steps; nil means `epochs` passes over the content pictures.
    public var iterations: Int?
    /// Passes over the content pictures when `iterations` is nil.
    public var epochs = 2
    /// Content (and style) pictures per step.
    public var batchSize = 8
    /// Pictures are loaded as `loadSize` squares (shorter side resized, centre-cropped) …
    public var loadSize = 512
    /// … and a random `imageSize` square is cut from each at every step (none when equal).
    public var imageSize = 256
    /// Weight of the content term, `mse(relu4_1(g(t)), t)`.
    public var contentWeight: Float = 1
    /// Weight of the style term, Σ over relu1_1…relu4_1 of `mse(μ) + mse(σ)`.
    public var styleWeight: Float = 10
    /// Adam's initial step size; step i uses `learningRate / (1 + learningRateDecay · i)`.
    public var learningRate: Float = 1e-4
    /// See `learningRate`.
    public var learningRateDecay: Float = 5e-5
    /// Seeds the decoder's initialisation, the order of the pictures and the crops.
    public var seed: UInt64 = 42

    /// The defaults.
    public init() {}

    /// The steps this run makes over `count` content pictures.
    public func totalSteps(contentCount: Int) -> Int {
        iterations ?? epochs * ((contentCount + batchSize - 1) / batchSize)
    }

    /// Throws unless every setting is usable.
    public func validate() throws {
        guard batchSize > 0, loadSize >= imageSize, imageSize >= 16 else {
            throw StyleTransferError.badOption("--batch-size must be positive and --image-size at least "
                                               + "16 and at most --load-size")
        }
        guard iterations.map({ $0 >= 0 }) ?? (epochs > 0) else {
            throw StyleTransferError.badOption("--iterations must not be negative and --epochs must be positive")
        }
        for value in [contentWeight, styleWeight, learningRate, learningRateDecay] where !value.isFinite || value < 0 {
            throw StyleTransferError.badOption("weights and learning rates must be finite and not negative")
        }
    }

    /// Everything that must match for a checkpoint to continue this run on `content` and `styles`:
    /// the settings but the step counts, and both datasets' digests.
    func fingerprint(content: TrainingDataset, styles: TrainingDataset) -> String {
        (["trainer: adain"] + RunFingerprint.parts(of: self, ignoring: ["iterations", "epochs"])
            + ["content dataset: \(content.count) pictures sha256 \(content.sha256)",
               "style dataset: \(styles.count) pictures sha256 \(styles.sha256)"]).joined(separator: "; ")
    }
}
