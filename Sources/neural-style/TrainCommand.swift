import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// `neural-style train`: teach a feed-forward network one style (or several), once, so that
/// `stylize` can then paint any photograph in a single pass; or, with `--arbitrary adain`, a
/// decoder that paints in any style picture.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a feed-forward network for one style or several (Johnson et al.; pytorch/examples "
            + "fast_neural_style defaults), or an AdaIN decoder for any style (--arbitrary adain).",
        discussion: """
            Examples: neural-style train --style starry_night.jpg --dataset photos/ --output starry.safetensors
                      neural-style train --init-model starry.safetensors --new-styles wave.jpg --dataset photos/ --output two.safetensors
                      neural-style train --arbitrary adain --dataset photos/ --style-dataset paintings/ --output adain.safetensors
            """)

    /// Networks that take any style picture.
    enum ArbitraryMethod: String, ExpressibleByArgument, CaseIterable {
        /// Huang & Belongie's adaptive instance normalisation (naoto0804/pytorch-AdaIN).
        case adain
    }

    @Option(help: ArgumentHelp("Train for any style instead of fixed ones: adain (a decoder for VGG-19 relu4_1 "
                               + "features; needs --style-dataset).", valueName: "adain"))
    var arbitrary: ArbitraryMethod?

    @Option(help: ArgumentHelp("The style picture. Several, comma-separated, or a folder of them train one network "
                               + "for all (conditional instance norm; stylize picks one with --style-index or mixes "
                               + "them with --style-mix).", valueName: "file[,file…]|dir"))
    var style: String?

    @Option(help: ArgumentHelp("Styles to add to the trained network of --init-model (one style or several), instead "
                               + "of --style: only their instance-norm γ/β rows are trained, each new row starting "
                               + "from the mean of the model's rows, one new style per step in turn; its convolutions "
                               + "and old styles stay exactly as they were. The output paints the old styles and then "
                               + "these (--style-index).", valueName: "file[,file…]|dir"))
    var newStyles: String?

    @Option(help: ArgumentHelp("With --arbitrary: a folder of style pictures (searched recursively).", valueName: "dir"))
    var styleDataset: String?

    @Option(help: ArgumentHelp("Folder of training photographs (PNG/JPEG/WebP, searched recursively).", valueName: "dir"))
    var dataset: String

    @Option(help: ArgumentHelp("Where to write the trained model (safetensors).", valueName: "file"))
    var output: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Optimiser steps (default: --epochs passes over the dataset).", valueName: "n"))
    var iterations: Int?

    @Option(parsing: .unconditional, help: "Passes over the dataset when --iterations is not given.")
    var epochs = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("Photographs per step (default 4; AdaIN 8).", valueName: "n"))
    var batchSize: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Training photographs are resized (shorter side) and centre-cropped to this square "
                               + "size (AdaIN: random crops of this size from --load-size squares)."))
    var imageSize = 256

    @Option(parsing: .unconditional, help: "AdaIN: pictures are first resized and centre-cropped to this square size.")
    var loadSize = 512

    @Option(parsing: .unconditional, help: ArgumentHelp("Resize the style picture to this square size (default: its own size).", valueName: "px"))
    var styleSize: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Weight of the content loss (default 1e5; AdaIN 1).", valueName: "w"))
    var contentWeight: Float?

    @Option(parsing: .unconditional, help: ArgumentHelp("Weight of the style loss, summed over the style layers (default 1e10; AdaIN 10).",
                               valueName: "w"))
    var styleWeight: Float?

    @Option(parsing: .unconditional, help: "Weight of the output's total variation (squared neighbour differences in 0-255, per picture).")
    var tvWeight: Float = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Adam's learning rate (default 1e-3; AdaIN 1e-4, decaying as lr/(1 + 5e-5·step)).",
                               valueName: "lr"))
    var learningRate: Float?

    @Option(help: "Loss network: vgg16 (torchvision ImageNet weights, as pytorch/examples) or vgg19 (Caffe weights).")
    var lossNetwork = VGG.Architecture.vgg16

    @Option(help: ArgumentHelp("Content layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var contentLayers = "relu2_2"

    @Option(help: ArgumentHelp("Style layers, comma-separated, each optionally name:weight.", valueName: "layers"))
    var styleLayers = "relu1_2,relu2_2,relu3_3,relu4_3"

    @Option(parsing: .unconditional, help: "Network width: 32 as published, 16 for half width (4× fewer operations).")
    var channels = 32

    @Option(help: ArgumentHelp("Start from these weights: one of our models, or a pytorch/examples .pth (with "
                               + "--new-styles: the trained network to add styles to).",
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

    @Flag(help: """
        Run every convolution directly, as PyTorch does. By default the wide 3×3 ones run by \
        Winograd's algorithm on CPUs without AVX-512 (AdaIN steps in about 60% of the time); their \
        values differ from direct convolution by about 1e-5 (relative). Adam amplifies any such \
        difference: PyTorch's own AdaIN run from photos scaled by 1 + 1e-6 ends 13% away from it \
        after 10 steps. Only direct convolutions follow PyTorch's path step for step, for a while.
        """)
    var exactConvolutions = false

    /// The old opt-in, from when AdaIN training ran direct convolutions by default.
    @Flag(help: .hidden)
    var fastConvolutions = false

    @Option(help: ArgumentHelp("Loss-network weights (default: the cache's file for --loss-network).", valueName: "file"))
    var weights: String?

    func run() throws {
        try reportingErrors(train)
    }

    private func makeOptions() throws -> TrainingOptions {
        var options = TrainingOptions()
        options.iterations = iterations
        options.epochs = epochs
        options.batchSize = batchSize ?? options.batchSize
        options.imageSize = imageSize
        options.styleSize = styleSize
        options.contentWeight = contentWeight ?? options.contentWeight
        options.styleWeight = styleWeight ?? options.styleWeight
        options.tvWeight = tvWeight
        options.learningRate = learningRate ?? options.learningRate
        options.lossNetwork = lossNetwork.rawValue
        options.contentLayers = try WeightedLayer.parseList(contentLayers, network: lossNetwork)
        options.styleLayers = try WeightedLayer.parseList(styleLayers, network: lossNetwork)
        options.channels = channels
        options.seed = seed
        if let styleSize, styleSize < 16 { throw StyleTransferError.badOption("--style-size must be at least 16") }
        try options.validate()
        return options
    }

    /// The style pictures `style` (`--style` or `--new-styles`) names: one file, a comma-separated
    /// list, or a folder's pictures (sorted).
    private func stylePaths(_ style: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: style, isDirectory: &isDirectory), isDirectory.boolValue else {
            return style.split(separator: ",").map(String.init)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: style).filter(ImageFile.hasImageExtension).sorted()
        guard !names.isEmpty else { throw StyleTransferError.badOption("the style folder '\(style)' holds no picture") }
        return names.map { (style as NSString).appendingPathComponent($0) }
    }

    private func adaINOptions() -> AdaINTrainingOptions {
        var options = AdaINTrainingOptions()
        options.iterations = iterations
        options.epochs = epochs
        options.batchSize = batchSize ?? options.batchSize
        (options.imageSize, options.loadSize, options.seed) = (imageSize, loadSize, seed)
        options.contentWeight = contentWeight ?? options.contentWeight
        options.styleWeight = styleWeight ?? options.styleWeight
        options.learningRate = learningRate ?? options.learningRate
        return options
    }

    private func train() throws {
        if arbitrary == .adain { try adaINOptions().validate() } else { _ = try makeOptions() }
        guard !(exactConvolutions && fastConvolutions) else {
            throw StyleTransferError.badOption("give --exact-convolutions or --fast-convolutions, not both")
        }
        try deviceOption.install(winograd: exactConvolutions ? .never : .whereFaster)
        if newStyles != nil {
            guard style == nil else { throw StyleTransferError.badOption("give --style or --new-styles, not both") }
            guard arbitrary == nil else { throw StyleTransferError.badOption("--new-styles is not for --arbitrary") }
            guard initModel != nil else {
                throw StyleTransferError.badOption("--new-styles needs --init-model: the trained network to add the styles to")
            }
        }
        guard (arbitrary == nil) == (style != nil || newStyles != nil), (arbitrary == nil) == (styleDataset == nil) else {
            throw StyleTransferError.badOption(arbitrary == nil ? "give --style (--style-dataset goes with --arbitrary)"
                                                                : "--arbitrary trains on --style-dataset, not --style")
        }
        guard output.lowercased().hasSuffix(".safetensors") else {
            throw StyleTransferError.badOption("--output must name a .safetensors file")
        }
        guard ["f32", "f16"].contains(precision) else { throw StyleTransferError.badOption("--precision must be f32 or f16") }
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
        let previewImage = try preview.map { try ImageFile.read($0) }
        let initial = try initModel.map(ModelImport.stateDictionary)
        let run: (trainer: any ResumableTrainer, description: String,
                  writeModel: (_ path: String, _ halfPrecision: Bool) throws -> Void) =
            arbitrary == .adain ? try adaIN(initial: initial) : try feedForward(initial: initial)
        if let saved { try run.trainer.resume(from: saved) }
        print(run.description + " (\(run.trainer.step) done).")
        try loop(run.trainer, previewImage: previewImage, resuming: saved != nil)
        try run.writeModel(output, precision == "f16")
        print("Wrote \(output) after \(run.trainer.step) steps.")
    }

    /// Trains until done or stopped by a signal (then exits after the checkpoint).
    private func loop(_ trainer: any ResumableTrainer, previewImage: Image?, resuming: Bool) throws {
        let outputs = try TrainingOutputs(command: self, totalSteps: trainer.totalSteps, previewImage: previewImage,
                                          resuming: resuming)
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
    }

    /// A feed-forward trainer for the `--style` pictures, and the model it makes.
    private func feedForward(initial: [String: NamedArray]?) throws
        -> (trainer: any ResumableTrainer, description: String,
                  writeModel: (_ path: String, _ halfPrecision: Bool) throws -> Void) {
        let options = try makeOptions()
        let stylePaths = try self.stylePaths(newStyles ?? style ?? "")
        let styleImages = try stylePaths.map { try ImageFile.read($0) }
        let photos = try loadDataset(dataset, side: imageSize)
        let vgg = try VGG.load(architecture: lossNetwork, path: weights)
        let trainer = try FeedForwardTrainer(lossNetwork: vgg, options: options, styles: styleImages, dataset: photos,
                                             initialWeights: initial, addingStyles: newStyles != nil)
        let oldStyles = trainer.trainedStyles.lowerBound
        let description = "Training on \(photos.count) photographs, \(trainer.totalSteps) steps of \(options.batchSize), "
            + "width \(trainer.network.channels)" + (styleImages.count > 1 ? ", \(styleImages.count) styles in turn" : "")
            + (newStyles != nil ? ", added to the \(oldStyles) of \(initModel ?? "") (only their γ/β)" : "")
        let oldNames = newStyles == nil ? [] : initModelStyleNames(count: oldStyles)
        return (trainer, description, { path, halfPrecision in
            var metadata = StyleModelFile.baseMetadata(channels: trainer.network.channels, styles: trainer.network.styles)
            let styleNames = oldNames + stylePaths.map { URL(fileURLWithPath: $0).lastPathComponent }
            metadata[styleNames.count == 1 ? "style" : "style-names"] = styleNames.joined(separator: "\n")
            metadata["training"] = String(decoding: try JSONEncoder.sorted.encode(trainer.options), as: UTF8.self)
            metadata["dataset"] = "\(photos.count) pictures, \(trainer.step) steps"
            try StyleModelFile(network: trainer.network, metadata: metadata).write(to: path, halfPrecision: halfPrecision)
        })
    }

    /// The names of the `count` styles the `--init-model` file records (a `.pth`, which records
    /// none, gives its file name to its one style).
    private func initModelStyleNames(count: Int) -> [String] {
        let path = initModel ?? ""
        let metadata = (try? StyleModelFile.contents(of: path).metadata) ?? ["style": URL(fileURLWithPath: path).lastPathComponent]
        return StyleModelFile.styleNames(metadata: metadata, count: count)
    }

    /// An AdaIN decoder trainer on `--dataset` and `--style-dataset`, and the model it makes.
    private func adaIN(initial: [String: NamedArray]?) throws
        -> (trainer: any ResumableTrainer, description: String,
                  writeModel: (_ path: String, _ halfPrecision: Bool) throws -> Void) {
        let options = adaINOptions()
        let photos = try loadDataset(dataset, side: loadSize)
        let paintings = try loadDataset(styleDataset ?? "", side: loadSize)
        let trainer = try AdaINTrainer(encoder: try VGG.load(architecture: .vgg19, path: weights), options: options,
                                       content: photos, styles: paintings, initialWeights: initial)
        let description = "Training an AdaIN decoder on \(photos.count) photographs and \(paintings.count) style "
            + "pictures, \(trainer.totalSteps) steps of \(options.batchSize)"
        return (trainer, description, { path, halfPrecision in
            var metadata = StyleModelFile.adaINMetadata()
            metadata["training"] = String(decoding: try JSONEncoder.sorted.encode(trainer.options), as: UTF8.self)
            metadata["dataset"] = "\(photos.count) photographs, \(paintings.count) style pictures, \(trainer.step) steps"
            try StyleModelFile.write(trainer.decoder, metadata: metadata, to: path, halfPrecision: halfPrecision)
        })
    }

    /// The pictures of `directory` at `side`, warning about unreadable files.
    private func loadDataset(_ directory: String, side: Int) throws -> TrainingDataset {
        let pictures = try TrainingDataset(directory: directory, imageSize: side)
        if !pictures.skipped.isEmpty {
            fputs("neural-style: warning: skipped \(pictures.skipped.count) unreadable file(s) in \(directory) "
                  + "(first: \(pictures.skipped[0]))\n", stderr)
        }
        return pictures
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
