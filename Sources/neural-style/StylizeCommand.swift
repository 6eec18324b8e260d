import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// `neural-style stylize`: paint photographs with a trained feed-forward model, one pass each
/// or, with `--batch-size`, several pictures of one size per pass.
struct StylizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Paint pictures with a trained feed-forward model (from 'train' or 'model import').",
        discussion: """
            Examples:
              neural-style stylize --model starry.safetensors --input photo.jpg --output out.png
              neural-style stylize --model magenta-26 --style-index 7 --input photo.jpg --output out.png
              neural-style stylize --model magenta-arbitrary --style-image painting.jpg --input photo.jpg --output out.png
              neural-style stylize --model adain.safetensors --style-image a.jpg,b.jpg --masks left.png,right.png \
                  --alpha 0.8 --input photo.jpg --output out.png
            """)

    /// Colour handling after stylising.
    enum ColorMode: String, ExpressibleByArgument, CaseIterable {
        /// Keep the result's luminance and the input's chroma.
        case luminanceSwap = "luminance-swap"
        /// Recolour the style pictures to the input's colour mean and covariance first (CORAL).
        case coral
    }

    @Option(help: ArgumentHelp("The model: a model file, or the name of an installed model (see 'model list').",
                               valueName: "file|name"))
    var model: String

    @Option(help: ArgumentHelp("For a multi-style model: the style to paint, 0-based (default 0).", valueName: "k"))
    var styleIndex: Int?

    @Option(help: ArgumentHelp("For a multi-style model: a blend of styles as index:weight pairs, e.g. 3:0.5,12:0.5 "
                               + "(weights are scaled to sum to 1).", valueName: "k:w,..."))
    var styleMix: StyleMix?

    @Option(help: ArgumentHelp("For a model that takes its style from pictures (magenta-arbitrary, AdaIN): the "
                               + "painting(s), comma-separated to blend several.", valueName: "file,..."))
    var styleImage: String?

    @Option(help: ArgumentHelp("With several --style-image pictures: their weights, e.g. 1,3 (scaled to sum to 1; "
                               + "default equal).", valueName: "w,..."))
    var styleBlendWeights: String?

    @Option(help: ArgumentHelp("With --style-image: how far to move from the photo's own style towards the painting's, "
                               + "0-1 (default 1).", valueName: "s"))
    var strength: Float?

    @Option(help: ArgumentHelp("AdaIN's name for --strength: the content–style trade-off, 0-1 (default 1: all style).",
                               valueName: "a"))
    var alpha: Float?

    @Option(help: ArgumentHelp("AdaIN: one mask per --style-image picture (white marks where that style goes; any "
                               + "size, resized to the input), to paint each region in its own style.",
                               valueName: "file,..."))
    var masks: String?

    @Option(help: ArgumentHelp("A picture, or a folder of pictures (every PNG/JPEG/WebP in it).", valueName: "file|dir"))
    var input: String

    @Option(help: ArgumentHelp("The output picture, or a folder for a folder input (same names; created if missing).",
                               valueName: "file|dir"))
    var output: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Resize each input so its longest side is this first (default: its own size).",
                               valueName: "px"))
    var size: Int?

    @Option(help: ArgumentHelp("Keep the input's colours: luminance-swap (take only the painting's light and texture) "
                               + "or coral (recolour the style pictures to the input's colours first; models that "
                               + "take --style-image).", valueName: "luminance-swap|coral"))
    var preserveColors: ColorMode?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "For a folder: paint up to this many pictures of the same size (after --size) in one pass, for models that "
        + "paint their own styles. Default 1: on the 2-core CPU measured, batches were no faster per picture.",
        valueName: "n"))
    var batchSize = 1

    @OptionGroup var deviceOption: DeviceOption

    @Option(parsing: .unconditional, help: "Quality of JPEG outputs, 1-100.")
    var jpegQuality = 95

    func run() throws {
        try reportingErrors(stylize)
    }

    /// The style weights the options ask for, or nil for the model's first style.
    private func styleWeights(styleCount: Int) throws -> [Float]? {
        if styleIndex != nil && styleMix != nil { throw StyleTransferError.badOption("give --style-index or --style-mix, not both") }
        let pairs = styleMix?.pairs ?? styleIndex.map { [($0, Float(1))] }
        guard let pairs else { return nil }
        var weights = [Float](repeating: 0, count: styleCount)
        for (index, weight) in pairs {
            guard (0..<styleCount).contains(index) else {
                throw StyleTransferError.badOption("style index \(index) is out of range: this model has "
                    + (styleCount == 1 ? "one style (index 0)" : "\(styleCount) styles (0-\(styleCount - 1))"))
            }
            weights[index] += weight
        }
        return weights
    }

    /// The style pictures `--style-image` names, read, with their blend weights.
    private func stylePictures() throws -> (pictures: [Image], weights: [Float]?) {
        guard let styleImage else {
            throw StyleTransferError.badOption("this model takes its style from a picture: give --style-image")
        }
        let paths = styleImage.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !paths.contains(where: \.isEmpty) else { throw StyleTransferError.badOption("--style-image has an empty name") }
        var weights: [Float]?
        if let styleBlendWeights {
            let values = styleBlendWeights.split(separator: ",", omittingEmptySubsequences: false).compactMap { Float($0) }
            guard values.count == paths.count, values.count == styleBlendWeights.split(separator: ",").count else {
                throw StyleTransferError.badOption("--style-blend-weights needs one number for each of the \(paths.count) "
                                                   + "style pictures")
            }
            weights = values
        }
        return (try paths.map { try ImageFile.read($0) }, weights)
    }

    /// The strength `--strength` or `--alpha` asks for (1 when neither).
    private func styleStrength() throws -> Float {
        if strength != nil && alpha != nil { throw StyleTransferError.badOption("give --strength or --alpha, not both") }
        let value = strength ?? alpha ?? 1
        guard (0...1).contains(value) else { throw StyleTransferError.badOption("--strength and --alpha must be between 0 and 1") }
        return value
    }

    /// Refuses options the model's kind does not take.
    private func checkOptions(for network: any StylizingNetwork) throws {
        guard network is any PictureStyledNetwork else {
            if styleImage != nil || styleBlendWeights != nil || strength != nil || alpha != nil || masks != nil
                || preserveColors == .coral {
                throw StyleTransferError.badOption("--style-image, --style-blend-weights, --strength, --alpha, --masks and "
                    + "--preserve-colors coral are for models that take their style from a picture; this one paints its own styles")
            }
            return
        }
        if styleIndex != nil || styleMix != nil {
            throw StyleTransferError.badOption("--style-index and --style-mix are for multi-style models; this one takes its "
                                               + "style from --style-image")
        }
        if batchSize > 1 {
            throw StyleTransferError.badOption("--batch-size is for models that paint their own styles; this one takes its "
                                               + "style from --style-image and paints one picture per pass")
        }
        if masks != nil, !(network is AdaINNetwork) { throw StyleTransferError.badOption("--masks is for AdaIN models") }
        if masks != nil, styleBlendWeights != nil {
            throw StyleTransferError.badOption("--masks places the styles; --style-blend-weights blends them: give one")
        }
    }

    /// How each batch of input pictures (of one size) is painted: by a stylizer made once, in one
    /// pass, or per picture when the style pictures are recoloured to it (CORAL) or placed by masks.
    private func painter(_ network: any StylizingNetwork) throws -> ([Image]) throws -> [Image] {
        try checkOptions(for: network)
        guard let pictureStyled = network as? any PictureStyledNetwork else {
            let stylizer = try Stylizer(network: network, styleWeights: try styleWeights(styleCount: network.styleCount))
            return { try stylizer.stylize(batch: $0) }
        }
        let paint = try pictureStyledPainter(pictureStyled)
        return { try $0.map(paint) }
    }

    /// How one input picture is painted by a network that takes its style from pictures.
    private func pictureStyledPainter(_ network: any PictureStyledNetwork) throws -> (Image) throws -> Image {
        let (pictures, weights) = try stylePictures()
        let strength = try styleStrength()
        let coral = preserveColors == .coral
        func styles(for content: Image) -> [Image] {
            coral ? pictures.map { $0.matchingColorStatistics(of: content).clamped() } : pictures
        }
        if let masks, let adaIN = network as? AdaINNetwork {
            let maskPictures = try masks.split(separator: ",").map { try ImageFile.read(String($0)) }
            guard maskPictures.count == pictures.count else {
                throw StyleTransferError.badOption("--masks needs one mask for each of the \(pictures.count) style pictures")
            }
            return { content in
                try Stylizer.stylize(content, network: adaIN, regionStyles: styles(for: content), masks: maskPictures,
                                     alpha: strength)
            }
        }
        guard coral else {
            let stylizer = try Stylizer(network: network, stylePictures: pictures, blendWeights: weights, strength: strength)
            return { try stylizer.stylize($0) }
        }
        return { content in
            try Stylizer(network: network, stylePictures: styles(for: content), blendWeights: weights,
                         strength: strength).stylize(content)
        }
    }

    private func stylize() throws {
        if let size, size < 1 { throw StyleTransferError.badOption("--size must be positive") }
        guard batchSize >= 1 else { throw StyleTransferError.badOption("--batch-size must be positive") }
        guard (1...100).contains(jpegQuality) else { throw StyleTransferError.badOption("--jpeg-quality must be 1-100") }
        try deviceOption.install()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw ImageError.unreadable(path: input, reason: "no such file or folder")
        }
        typealias Job = (input: String, output: String)
        let jobs: [Job]
        if isDirectory.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: input).filter(ImageFile.hasImageExtension).sorted()
            guard !names.isEmpty else { throw StyleTransferError.badOption("the folder '\(input)' holds no PNG, JPEG or WebP picture") }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            jobs = names.map { ((input as NSString).appendingPathComponent($0), (output as NSString).appendingPathComponent($0)) }
        } else {
            jobs = [(input, output)]
        }
        for job in jobs { try ImageFile.validateOutput(job.output) }
        let network = try StyleModelFile(contentsOf: try InstalledModels.path(of: model)).network
        let paint = try painter(network)
        var written = 0
        /// Paints `batch` (pictures of one size) in one pass and writes each result, in order.
        func paintAndWrite(_ batch: [(job: Job, picture: Image)]) throws {
            let (width, height) = (batch[0].picture.width, batch[0].picture.height)
            if batch.count > 1 {
                try checkMemory(network, width: width, height: height, pictures: batch.count, first: batch[0].job.input)
            }
            let start = Date()
            let results = try paint(batch.map(\.picture))
            let seconds = Date().timeIntervalSince(start)
            for ((job, picture), painted) in zip(batch, results) {
                var result = painted
                if preserveColors == .luminanceSwap { result = picture.replacingLuminance(with: result.luminance()).clamped() }
                try ImageFile.write(result, to: job.output, jpegQuality: jpegQuality)
                written += 1
                let counter = jobs.count > 1 ? "[\(written)/\(jobs.count)] " : ""
                let timing = batch.count > 1 ? String(format: "%.2f s for a batch of %d", seconds, batch.count)
                    : String(format: "%.2f s", seconds)
                print(counter + "Wrote \(job.output) (\(result.width)×\(result.height), \(timing))")
            }
        }
        var batches = SizeBatches<(job: Job, picture: Image)>(batchSize: batchSize)
        for job in jobs {
            var picture = try ImageFile.read(job.input)
            if let size { picture = picture.resized(longestSide: size) }
            try checkMemory(network, width: picture.width, height: picture.height, pictures: 1, first: job.input)
            for batch in batches.add((job, picture), width: picture.width, height: picture.height) { try paintAndWrite(batch) }
        }
        for batch in batches.finish() { try paintAndWrite(batch) }
    }

    /// Refuses, before any work on it, a picture or a batch of `pictures` pictures of
    /// `width`×`height` (the first read from `first`) that would not fit in memory, naming what would.
    private func checkMemory(_ network: any StylizingNetwork, width: Int, height: Int, pictures: Int, first: String) throws {
        let budget = Backend.current.memoryBudget
        let single = network.estimatedBytes(width: width, height: height)
        guard single <= budget else {
            let fits = network.largestSize(fitting: budget, aspectOf: width, height)
            throw StyleTransferError.badOption("\(first) at \(width)×\(height) needs about "
                + "\(single >> 30) GiB; the largest that fits here is about \(fits.width)×\(fits.height) (use --size)")
        }
        let needed = network.estimatedBytes(width: width, height: height, pictures: pictures)
        guard needed <= budget else {
            throw StyleTransferError.badOption("\(first) and \(pictures - 1) more at \(width)×\(height) in one batch need "
                + "about \(needed >> 30) GiB; --batch-size \(budget / single) is the largest that fits here at that size")
        }
    }
}

/// `--style-mix 3:0.5,12:0.5`: style indices with weights.
struct StyleMix: ExpressibleByArgument {
    /// (index, weight) in the order given.
    let pairs: [(Int, Float)]

    init?(argument: String) {
        var pairs: [(Int, Float)] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 2, let index = Int(fields[0]), let weight = Float(fields[1]), weight.isFinite, weight >= 0
            else { return nil }
            pairs.append((index, weight))
        }
        guard pairs.contains(where: { $0.1 > 0 }) else { return nil }
        self.pairs = pairs
    }
}
