import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// `neural-style train`: teach a feed-forward network one style, once, so that `stylize`
/// can then paint any photograph in a single pass.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a feed-forward network for one style (Johnson et al.; pytorch/examples fast_neural_style defaults).",
        discussion: "Example: neural-style train --style starry_night.jpg --dataset photos/ --output starry.safetensors")

    @Option(help: ArgumentHelp("The style picture.", valueName: "file"))
    var style: String

    @Option(help: ArgumentHelp("Folder of training photographs (PNG/JPEG, searched recursively).", valueName: "dir"))
    var dataset: String

    @Option(help: ArgumentHelp("Where to write the trained model (safetensors).", valueName: "file"))
    var output: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Optimiser steps (default: --epochs passes over the dataset).", valueName: "n"))
    var iterations: Int?

    @Option(parsing: .unconditional, help: "Passes over the dataset when --iterations is not given.")
    var epochs = 2

    @Option(parsing: .unconditional, help: "Photographs per step.")
    var batchSize = 4

    @Option(parsing: .unconditional, help: "Training photographs are resized (shorter side) and centre-cropped to this square size.")
    var imageSize = 256

    @Option(parsing: .unconditional, help: ArgumentHelp("Resize the style picture to this square size (default: its own size).", valueName: "px"))
    var styleSize: Int?

    @Option(parsing: .unconditional, help: "Weight of the content loss.")
    var contentWeight: Float = 1e5

    @Option(parsing: .unconditional, help: "Weight of the style loss (summed over the style layers).")
    var styleWeight: Float = 1e10

    @Option(parsing: .unconditional, help: "Weight of the output's total variation (squared neighbour differences in 0-255, per picture).")
    var tvWeight: Float = 0

    @Option(parsing: .unconditional, help: "Adam's learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Loss network: vgg16 (torchvision ImageNet weights, as pytorch/examples) or vgg19 (Caffe weights).")
    var lossNetwork = VGG.Architecture.vgg16

    @Option(help: ArgumentHelp("Content layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var contentLayers = "relu2_2"

    @Option(help: ArgumentHelp("Style layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var styleLayers = "relu1_2,relu2_2,relu3_3,relu4_3"

    @Option(parsing: .unconditional, help: "Network width: 32 as published, 16 for half width (4× fewer operations).")
    var channels = 32

    @Option(help: ArgumentHelp("Start from these weights: one of our models, or a pytorch/examples .pth.",
                               valueName: "model|file.pth"))
    var initModel: String?

    @Option(parsing: .unconditional, help: "Seed for the initial weights and the order of the photographs.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Write the weights in half precision (half the size).", valueName: "f32|f16"))
    var precision = "f32"

    @Option(help: ArgumentHelp("One JSON line per step: iteration, total, content, style, tv, elapsed.", valueName: "file"))
    var log: String?

    @Option(help: ArgumentHelp("Save the whole training state here every --checkpoint-every steps, on Ctrl-C/SIGTERM "
                               + "and at the end.", valueName: "file"))
    var checkpoint: String?

    @Option(parsing: .unconditional, help: "Steps between checkpoints (0: only on a signal and at the end).")
    var checkpointEvery = 500

    @Option(help: ArgumentHelp("Continue the training saved in this checkpoint (same command line otherwise).",
                               valueName: "file"))
    var resume: String?

    @Option(help: ArgumentHelp("A photograph to paint with the current weights every --preview-every steps, written "
                               + "beside the output as NAME-preview-STEP.png.", valueName: "file"))
    var preview: String?

    @Option(parsing: .unconditional, help: "Steps between previews.")
    var previewEvery = 100

    @Option(help: ArgumentHelp("Animated GIF of the previews.", valueName: "file.gif"))
    var progressGif: String?

    @Option(help: ArgumentHelp("SVG plot of the losses.", valueName: "file.svg"))
    var lossPlot: String?

    @Option(parsing: .unconditional, help: "Print losses every N steps (0: never).")
    var printEvery = 50

    @OptionGroup var deviceOption: DeviceOption

    @Option(help: ArgumentHelp("Loss-network weights (default: the cache's file for --loss-network).", valueName: "file"))
    var weights: String?

    func run() throws {
        try reportingErrors(train)
    }

    private func makeOptions() throws -> TrainingOptions {
        var options = TrainingOptions()
        options.iterations = iterations
        options.epochs = epochs
        options.batchSize = batchSize
        options.imageSize = imageSize
        options.styleSize = styleSize
        options.contentWeight = contentWeight
        options.styleWeight = styleWeight
        options.tvWeight = tvWeight
        options.learningRate = learningRate
        options.lossNetwork = lossNetwork.rawValue
        options.contentLayers = try WeightedLayer.parseList(contentLayers, network: lossNetwork)
        options.styleLayers = try WeightedLayer.parseList(styleLayers, network: lossNetwork)
        options.channels = channels
        options.seed = seed
        if let styleSize, styleSize < 16 { throw StyleTransferError.badOption("--style-size must be at least 16") }
        try options.validate()
        guard ["f32", "f16"].contains(precision) else { throw StyleTransferError.badOption("--precision must be f32 or f16") }
        return options
    }

    private func train() throws {
        let options = try makeOptions()
        deviceOption.install()
        guard output.lowercased().hasSuffix(".safetensors") else {
            throw StyleTransferError.badOption("--output must name a .safetensors file")
        }
        let previewSample = preview.map { _ in
            URL(fileURLWithPath: output).deletingPathExtension().path + "-preview-999999.png"
        }
        try OutputChecks.writable([output] + [checkpoint, progressGif, lossPlot, previewSample].compactMap { $0 })
        if let log { try OutputChecks.appendable(log) }
        if let progressGif, !progressGif.lowercased().hasSuffix(".gif") {
            throw StyleTransferError.badOption("--progress-gif must name a .gif file")
        }
        if let lossPlot, !lossPlot.lowercased().hasSuffix(".svg") {
            throw StyleTransferError.badOption("--loss-plot must name a .svg file")
        }
        let saved = try resume.map { try TrainingCheckpoint(contentsOf: $0) }
        let styleImage = try ImageFile.read(style)
        let previewImage = try preview.map { try ImageFile.read($0) }
        let initial = try initModel.map(ModelImport.stateDictionary)
        let photos = try TrainingDataset(directory: dataset, imageSize: imageSize)
        let vgg = try VGG.load(architecture: lossNetwork, path: weights)
        if !photos.skipped.isEmpty {
            fputs("neural-style: warning: skipped \(photos.skipped.count) unreadable file(s) in \(dataset) "
                  + "(first: \(photos.skipped[0]))\n", stderr)
        }
        let trainer = try FeedForwardTrainer(lossNetwork: vgg, options: options, style: styleImage, dataset: photos,
                                             initialWeights: initial)
        if let saved { try trainer.resume(from: saved) }
        print("Training on \(photos.count) photographs, \(trainer.totalSteps) steps of \(options.batchSize) "
              + "(\(trainer.step) done), width \(trainer.network.channels).")
        let outputs = try TrainingOutputs(command: self, totalSteps: trainer.totalSteps, previewImage: previewImage,
                                          resuming: saved != nil)
        StopSignal.install()
        while trainer.step < trainer.totalSteps {
            let record = trainer.trainStep()
            guard record.total.isFinite else {
                throw StyleTransferError.badOption("the loss became \(record.total) at step \(record.iteration); "
                                                   + "lower --learning-rate or the weights")
            }
            try outputs.stepped(record, trainer: trainer)
            if let signal = StopSignal.received {
                try outputs.finish(trainer: trainer, completed: false)
                print("Stopped at step \(trainer.step); state saved in \(checkpoint ?? "nowhere (no --checkpoint)").")
                throw ExitCode(128 + signal)
            }
        }
        try outputs.finish(trainer: trainer, completed: true)
        var metadata = StyleModelFile.baseMetadata(channels: trainer.network.channels)
        metadata["style"] = URL(fileURLWithPath: style).lastPathComponent
        metadata["training"] = String(decoding: try JSONEncoder.sorted.encode(trainer.options), as: UTF8.self)
        metadata["dataset"] = "\(photos.count) pictures, \(trainer.step) steps"
        try StyleModelFile(network: trainer.network, metadata: metadata).write(to: output, halfPrecision: precision == "f16")
        print("Wrote \(output) after \(trainer.step) steps.")
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, for stable headers.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
