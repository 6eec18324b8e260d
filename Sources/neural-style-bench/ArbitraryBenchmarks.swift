import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// Seconds per stylised picture with any model file (magenta-26, magenta-arbitrary, an AdaIN
/// decoder, a TransformerNet), or with a random AdaIN decoder (`--model adain`).
struct ModelBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Time stylising one picture with a model; the first pass (set-up) is not counted.")

    @Option(help: "A model file, an installed model's name, or 'adain' for a random AdaIN decoder.")
    var model: String

    @Option(help: "Width in pixels.")
    var width = 1024

    @Option(help: "Height in pixels.")
    var height = 1024

    @Option(help: "Side of the synthetic style picture, for models that take one.")
    var styleSize = 512

    @Option(help: "Passes to run (the first is not timed).")
    var iterations = 5

    func run() throws {
        guard iterations >= 2, width > 0, height > 0 else { throw ValidationError("--iterations must be at least 2") }
        prepareComputeBackend()
        let network: any StylizingNetwork
        if model == "adain" {
            network = AdaINNetwork(encoder: try VGG.load(architecture: .vgg19, path: nil), decoder: AdaINDecoder.make(seed: 1))
        } else {
            network = try StyleModelFile(contentsOf: try InstalledModels.path(of: model)).network
        }
        network.freeze()
        let stylizer = try (network as? any PictureStyledNetwork).map {
            try Stylizer(network: $0, stylePictures: [benchmarkPicture(width: styleSize, height: styleSize, phase: 5)])
        } ?? Stylizer(network: network)
        let picture = benchmarkPicture(width: width, height: height, phase: 0)
        let seconds = try timedPasses(iterations) { _ = try stylizer.stylize(picture) }
        try printMeasurement(stepSeconds: seconds, ["model": model, "width": width, "height": height])
    }
}

/// Seconds per AdaIN training step (VGG-19 to relu4_1 on content, style and decoded batches,
/// the decoder's forward and backward, Adam), on synthetic pictures.
struct AdaINTrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-adain", abstract: "Time AdaIN training steps; the first step (set-up) is not counted.")

    @Option(help: "Content (and style) pictures per step.")
    var batchSize = 8

    @Option(help: "Side of the square training pictures.")
    var imageSize = 256

    @Option(help: "Steps to run (the first is not timed).")
    var iterations = 4

    @Flag(help: "Direct convolutions only, as `train --exact-convolutions` (default: Winograd where faster, as train).")
    var exactConvolutions = false

    func run() throws {
        guard iterations >= 2, batchSize > 0, imageSize >= 16 else {
            throw ValidationError("--iterations must be at least 2, --batch-size positive, --image-size at least 16")
        }
        prepareComputeBackend(gradientPrecision: .bfloat16, winograd: exactConvolutions ? .never : .whereFaster)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("neural-style-bench-\(getpid())")
        for folder in ["content", "style"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<batchSize {
            for (folder, phase) in [("content", 0.0), ("style", 7.0)] {
                try ImageFile.write(benchmarkPicture(width: imageSize, height: imageSize, phase: Double(index) + phase),
                                    to: directory.appendingPathComponent("\(folder)/\(index).png").path)
            }
        }
        var options = AdaINTrainingOptions()
        (options.batchSize, options.imageSize, options.loadSize, options.iterations) = (batchSize, imageSize, imageSize, iterations)
        let trainer = try AdaINTrainer(
            encoder: try VGG.load(architecture: .vgg19, path: nil), options: options,
            content: try TrainingDataset(directory: directory.appendingPathComponent("content").path, imageSize: imageSize),
            styles: try TrainingDataset(directory: directory.appendingPathComponent("style").path, imageSize: imageSize))
        let seconds = timedPasses(iterations) { trainer.trainStep() }
        try printMeasurement(stepSeconds: seconds, ["batch_size": batchSize, "image_size": imageSize])
    }
}
