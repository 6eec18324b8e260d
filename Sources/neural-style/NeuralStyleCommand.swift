import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// `neural-style`: paint a photograph in the style of one or more pictures
/// (and, as subcommands, the tool's housekeeping).
@main
struct NeuralStyleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neural-style",
        abstract: "Paint a photograph in the style of a painting (Gatys et al. optimisation through VGG-19).",
        discussion: "Example: neural-style --content photo.jpg --style starry_night.jpg --output out.png",
        subcommands: [WeightsCommand.self])

    // Optional to the parser so that subcommands need neither; required by `run()`.
    @Option(help: ArgumentHelp("Content image (PNG or JPEG). Required.", valueName: "file"))
    var content: String?

    @Option(help: ArgumentHelp("Style image(s), comma-separated. Required.", valueName: "file[,file…]"))
    var style: String?

    @Option(help: ArgumentHelp("Output image; format by extension (.png, .jpg, .jpeg).", valueName: "file"))
    var output = "out.png"

    @Option(help: "Longest side of the output in pixels; the content is resized only if it differs.")
    var size = 512

    @Option(help: "Optimisation iterations (one objective evaluation each).")
    var iterations = 1000

    @Option(help: "Optimiser: lbfgs or adam.")
    var optimizer = "lbfgs"

    @Option(help: ArgumentHelp("Step length (default: 1 for lbfgs, 10 for adam).", valueName: "rate"))
    var learningRate: Float?

    @Option(help: ArgumentHelp("Adam: multiply the learning rate by --lr-decay-factor every N iterations (default: never).",
                               valueName: "n"))
    var lrDecayEvery: Int?

    @Option(help: "Adam: learning-rate multiplier applied by --lr-decay-every.")
    var lrDecayFactor: Float = 0.1

    @Option(help: "Weight of the content loss.")
    var contentWeight: Float = 5

    @Option(help: "Weight of the style loss, applied to every style layer.")
    var styleWeight: Float = 100

    @Option(help: "Weight of the total-variation (smoothness) loss.")
    var tvWeight: Float = 1e-3

    @Option(help: ArgumentHelp("Start from the content image, random noise (0.001·N(0,1)), or an image file.",
                               valueName: "content|random|file"))
    var `init` = "content"

    @Option(help: "Seed for --init random.")
    var seed: UInt64 = 0

    @Option(help: "VGG pooling: max or avg.")
    var pooling = "max"

    @Option(help: ArgumentHelp("Content layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var contentLayers = "relu4_2"

    @Option(help: ArgumentHelp("Style layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var styleLayers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

    @Option(help: ArgumentHelp("Relative weights of the style images, comma-separated (default: equal).",
                               valueName: "w[,w…]"))
    var styleBlendWeights: String?

    @Option(help: "Style images are resized to this fraction of the output's longest side.")
    var styleScale: Float = 1

    @Option(help: "Print losses every N iterations (0: never).")
    var printEvery = 50

    @Option(help: "Save the image every N iterations beside the output, as NAME_ITER.EXT (0: never).")
    var saveEvery = 0

    @Option(help: ArgumentHelp("Write one JSON line of losses per objective evaluation to this file.", valueName: "file"))
    var log: String?

    @Option(help: ArgumentHelp("VGG-19 weights (default: vgg19.safetensors in $NEURAL_STYLE_CACHE or ~/.cache/neural-style).",
                               valueName: "file"))
    var weights: String?

    @Option(help: ArgumentHelp("Convolution gradients: bfloat16 (AMX CPUs; losses stay float32) or float32.",
                               valueName: "bfloat16|float32"))
    var gradientPrecision = "bfloat16"

    mutating func run() throws {
        do {
            try transfer()
        } catch let error as ExitCode {
            throw error
        } catch {
            fputs("neural-style: error: \(error)\n", stderr)
            throw ExitCode.failure
        }
    }

    private func transfer() throws {
        guard let content, let style else {
            throw StyleTransferError.badOption("--content and --style are required (see --help)")
        }
        let options = try makeOptions()
        guard let precision = GradientPrecision(rawValue: gradientPrecision) else {
            throw StyleTransferError.badOption("--gradient-precision must be bfloat16 or float32, not '\(gradientPrecision)'")
        }
        prepareComputeBackend(gradientPrecision: precision)
        try ImageFile.validateOutput(output)
        if let log { try AtomicFile.checkDirectory(of: log) }
        let network = try loadNetwork(pooling: options.pooling)
        let contentImage = try ImageFile.read(content)
        let styleImages = try style.split(separator: ",").map { try ImageFile.read(String($0)) }
        let logFile = try log.map(LogFile.init(path:))
        let reporter = ProgressReporter(iterations: options.iterations, printEvery: printEvery)

        let result = try GatysStyleTransfer(network: network, options: options)
            .run(content: contentImage, styles: styleImages) { record, render in
                logFile?.append(record.jsonLine())
                reporter.report(record)
                if saveEvery > 0, record.iteration % saveEvery == 0, record.iteration < options.iterations {
                    try? ImageFile.write(render(), to: intermediatePath(record.iteration))
                }
            }
        try ImageFile.write(result, to: output)
        print("Wrote \(output) (\(result.width)×\(result.height)).")
    }

    private func makeOptions() throws -> GatysOptions {
        var options = GatysOptions()
        guard size > 0 else { throw StyleTransferError.badOption("--size must be positive") }
        guard iterations >= 0 else { throw StyleTransferError.badOption("--iterations must not be negative") }
        options.size = size
        options.iterations = iterations
        guard let kind = GatysOptions.OptimizerKind(rawValue: optimizer) else {
            throw StyleTransferError.badOption("--optimizer must be lbfgs or adam, not '\(optimizer)'")
        }
        options.optimizer = kind
        options.learningRate = learningRate
        options.learningRateDecayEvery = lrDecayEvery
        options.learningRateDecayFactor = lrDecayFactor
        options.contentWeight = contentWeight
        options.styleWeight = styleWeight
        options.tvWeight = tvWeight
        options.seed = seed
        switch `init` {
        case "content": options.initialization = .content
        case "random": options.initialization = .random
        default:
            options.initialization = .image(try ImageFile.read(`init`))
        }
        switch pooling {
        case "max": options.pooling = .max
        case "avg", "average": options.pooling = .average
        default: throw StyleTransferError.badOption("--pooling must be max or avg, not '\(pooling)'")
        }
        options.contentLayers = try WeightedLayer.parseList(contentLayers)
        options.styleLayers = try WeightedLayer.parseList(styleLayers)
        if let styleBlendWeights {
            options.styleBlendWeights = try styleBlendWeights.split(separator: ",").map {
                guard let value = Float($0) else {
                    throw StyleTransferError.badOption("style blend weight '\($0)' is not a number")
                }
                return value
            }
        }
        guard styleScale > 0 else { throw StyleTransferError.badOption("--style-scale must be positive") }
        options.styleScale = styleScale
        return options
    }

    private func loadNetwork(pooling: PoolingKind) throws -> VGG19 {
        let url = weights.map { URL(fileURLWithPath: $0) } ?? VGG19Weights.defaultURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StyleTransferError.missingWeights(path: url.path)
        }
        return try VGG19(contentsOf: url, pooling: pooling)
    }

    private func intermediatePath(_ iteration: Int) -> String {
        let url = URL(fileURLWithPath: output)
        let name = url.deletingPathExtension().lastPathComponent + "_\(iteration)." + url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }
}
