import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// A smooth synthetic picture (the benchmarks time arithmetic, not content).
func benchmarkPicture(width: Int, height: Int, phase: Double) -> Image {
    var samples: [Float] = []
    samples.reserveCapacity(width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<3 {
                samples.append(Float(127.5 + 120 * sin(Double(x) * 0.05 + Double(y) * 0.031 * Double(c + 1) + phase)))
            }
        }
    }
    return Image(width: width, height: height, samples: samples)
}

/// Seconds per feed-forward training step (TransformerNet forward and backward, VGG to the
/// deepest style layer, Adam), on synthetic pictures.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Time training steps; the first step (set-up) is not counted.")

    @Option(help: "Pictures per step.")
    var batchSize = 4

    @Option(help: "Side of the square training pictures.")
    var imageSize = 256

    @Option(help: "Steps to run (the first is not timed).")
    var iterations = 5

    @Option(help: "TransformerNet width.")
    var channels = 32

    @Option(help: "Loss network.")
    var lossNetwork = "vgg16"

    func run() throws {
        guard iterations >= 2, batchSize > 0, imageSize >= 16 else {
            throw ValidationError("--iterations must be at least 2, --batch-size positive, --image-size at least 16")
        }
        guard let architecture = VGG.Architecture(rawValue: lossNetwork) else { throw ValidationError("vgg16 or vgg19") }
        prepareComputeBackend()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("neural-style-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<batchSize {
            try ImageFile.write(benchmarkPicture(width: imageSize, height: imageSize, phase: Double(index)),
                                to: directory.appendingPathComponent("\(index).png").path)
        }
        var options = TrainingOptions()
        (options.batchSize, options.imageSize, options.channels, options.iterations) = (batchSize, imageSize, channels, iterations)
        options.lossNetwork = lossNetwork
        if architecture == .vgg19 {
            options.styleLayers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"].map { WeightedLayer($0) }
        }
        let trainer = try FeedForwardTrainer(
            lossNetwork: try VGG.load(architecture: architecture, path: nil), options: options,
            styles: [benchmarkPicture(width: imageSize, height: imageSize, phase: 9)],
            dataset: try TrainingDataset(directory: directory.path, imageSize: imageSize))
        let seconds = timedPasses(iterations) { trainer.trainStep() }
        try printMeasurement(stepSeconds: seconds, ["batch_size": batchSize, "image_size": imageSize,
                                                    "channels": channels, "loss_network": lossNetwork])
    }
}

/// Seconds per TransformerNet forward pass (a stylised picture) at one size.
struct StylizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize", abstract: "Time stylising one picture; the first pass (set-up) is not counted.")

    @Option(help: "Width in pixels.")
    var width = 1024

    @Option(help: "Height in pixels.")
    var height = 1024

    @Option(help: "Passes to run (the first is not timed).")
    var iterations = 5

    @Option(help: "TransformerNet width.")
    var channels = 32

    func run() throws {
        guard iterations >= 2, width > 0, height > 0 else { throw ValidationError("--iterations must be at least 2") }
        prepareComputeBackend()
        let network = TransformerNet(channels: channels, seed: 1)
        network.freeze()
        let stylizer = try Stylizer(network: network)
        let picture = benchmarkPicture(width: width, height: height, phase: 0)
        let seconds = try timedPasses(iterations) { _ = try stylizer.stylize(picture) }
        try printMeasurement(stepSeconds: seconds, ["width": width, "height": height, "channels": channels])
    }
}

/// Seconds per stylised picture when the same pictures go through a feed-forward model one per
/// pass and in batches of several (`Stylizer.stylize(batch:)`), the batch sizes taken in
/// alternating order over rounds so that a change in the machine's load falls on all of them.
struct StylizeBatchBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize-batch",
        abstract: "Time stylising the same pictures one per pass and in batches; one JSON line per batch size.")

    @Option(help: "A model file, an installed model's name, or 'random' for a random full-width TransformerNet.")
    var model = "models/starry-night.safetensors"

    @Option(help: "How many pictures.")
    var pictures = 8

    @Option(help: "Width in pixels.")
    var width = 256

    @Option(help: "Height in pixels.")
    var height = 256

    @Option(help: "Batch sizes to compare, comma-separated (1: one picture per pass).")
    var batchSizes = "1,2,4"

    @Option(help: "Rounds; each times every batch size once, after an untimed pass of it.")
    var rounds = 3

    func run() throws {
        let sizes = batchSizes.split(separator: ",").compactMap { Int($0) }
        guard rounds >= 1, pictures >= 1, width > 0, height > 0, !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--rounds and --pictures must be positive, --batch-sizes positive integers")
        }
        prepareComputeBackend()
        let network: any StylizingNetwork = model == "random" ? TransformerNet(channels: 32, seed: 1)
            : try StyleModelFile(contentsOf: try InstalledModels.path(of: model)).network
        network.freeze()
        let stylizer = try Stylizer(network: network)
        guard stylizer.paintsBatches else { throw ValidationError("this model paints one picture per pass") }
        let inputs = (0..<pictures).map { benchmarkPicture(width: width, height: height, phase: Double($0)) }
        var perPicture: [Int: [Double]] = [:]
        for round in 0..<rounds {
            for batchSize in round % 2 == 0 ? sizes : sizes.reversed() {
                let seconds = try timedPasses(2) {
                    for start in stride(from: 0, to: pictures, by: batchSize) {
                        _ = try stylizer.stylize(batch: Array(inputs[start..<min(start + batchSize, pictures)]))
                    }
                }
                perPicture[batchSize, default: []] += seconds.map { $0 / Double(pictures) }
            }
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let single = perPicture[1].map(median)
        for batchSize in sizes {
            var fields: [String: Any] = ["model": model, "pictures": pictures, "width": width, "height": height,
                                         "batch_size": batchSize, "unit": "seconds per picture"]
            if let single { fields["ratio_to_one_per_pass"] = median(perPicture[batchSize]!) / single }
            try printMeasurement(stepSeconds: perPicture[batchSize]!, fields)
        }
    }
}
