import Foundation
import Imaging
import Models
import Tensor

/// Everything that shapes the training of a feed-forward network; defaults are pytorch/examples'
/// `fast_neural_style` (Johnson et al. 2016 with instance norm).
public struct TrainingOptions: Sendable, Codable, Equatable {
    /// Optimiser steps; nil means `epochs` passes over the dataset.
    public var iterations: Int?
    /// Passes over the dataset when `iterations` is nil.
    public var epochs = 2
    /// Pictures per step.
    public var batchSize = 4
    /// Side of the square training crops.
    public var imageSize = 256
    /// The style picture is resized to `styleSize`×`styleSize` (as pytorch/examples does); nil keeps its size.
    public var styleSize: Int?
    /// Weight of the content term.
    public var contentWeight: Float = 1e5
    /// Weight of the style term (summed over style layers).
    public var styleWeight: Float = 1e10
    /// Weight of the output's total variation (sum of squared neighbour differences, 0…255, per picture).
    public var tvWeight: Float = 0
    /// Adam's step size.
    public var learningRate: Float = 1e-3
    /// Which VGG computes the losses.
    public var lossNetwork = "vgg16"
    /// Content layers with multipliers.
    public var contentLayers = [WeightedLayer("relu2_2")]
    /// Style layers with multipliers.
    public var styleLayers = ["relu1_2", "relu2_2", "relu3_3", "relu4_3"].map { WeightedLayer($0) }
    /// Width of the network (32 as published, 16 for half width).
    public var channels = 32
    /// Seeds the network's initialisation and the order of the pictures.
    public var seed: UInt64 = 42

    /// The defaults.
    public init() {}

    /// Throws `badOption` for settings no run can use: counts not positive, weights or the
    /// learning rate not finite, negative (or a zero rate).
    public func validate() throws {
        guard batchSize > 0 else { throw StyleTransferError.badOption("--batch-size must be positive") }
        guard iterations.map({ $0 >= 0 }) ?? (epochs > 0) else {
            throw StyleTransferError.badOption("--iterations must not be negative and --epochs must be positive")
        }
        guard channels > 0, imageSize > 0 else {
            throw StyleTransferError.badOption("--channels and --image-size must be positive")
        }
        let weights = [("--content-weight", contentWeight), ("--style-weight", styleWeight), ("--tv-weight", tvWeight)]
            + contentLayers.map { ("the weight of content layer \($0.name)", $0.weight) }
            + styleLayers.map { ("the weight of style layer \($0.name)", $0.weight) }
        for (name, value) in weights where !value.isFinite || value < 0 {
            throw StyleTransferError.badOption("\(name) must be a finite number, not negative (got \(value))")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw StyleTransferError.badOption("--learning-rate must be a positive finite number (got \(learningRate))")
        }
    }

    /// The steps this run makes over a dataset of `count` pictures.
    public func totalSteps(datasetCount: Int) -> Int {
        iterations ?? epochs * ((datasetCount + batchSize - 1) / batchSize)
    }

    /// Everything that must match for a checkpoint to continue this run on `dataset` with `styles`
    /// (as resized): the settings but the step counts, and every picture's digest.
    func fingerprint(dataset: TrainingDataset, styles: [Image]) -> String {
        (["trainer: feed-forward"] + RunFingerprint.parts(of: self, ignoring: ["iterations", "epochs"])
            + ["dataset: \(dataset.count) pictures sha256 \(dataset.sha256)"]
            + styles.indices.map { "style picture \($0 + 1): \(styles[$0].width)x\(styles[$0].height) sha256 \(styles[$0].sha256)" })
            .joined(separator: "; ")
    }
}

