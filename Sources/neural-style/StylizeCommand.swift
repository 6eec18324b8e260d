import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// `neural-style stylize`: paint photographs with a trained feed-forward model, one pass each.
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
        if masks != nil, !(network is AdaINNetwork) { throw StyleTransferError.badOption("--masks is for AdaIN models") }
        if masks != nil, styleBlendWeights != nil {
            throw StyleTransferError.badOption("--masks places the styles; --style-blend-weights blends them: give one")
        }
    }

    /// How each input picture is painted: by a stylizer made once, or per picture when the style
    /// pictures are recoloured to it (CORAL) or placed by masks.
    private func painter(_ network: any StylizingNetwork) throws -> (Image) throws -> Image {
        try checkOptions(for: network)
        guard let pictureStyled = network as? any PictureStyledNetwork else {
            let stylizer = try Stylizer(network: network, styleWeights: try styleWeights(styleCount: network.styleCount))
            return { try stylizer.stylize($0) }
        }
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
            let stylizer = try Stylizer(network: pictureStyled, stylePictures: pictures, blendWeights: weights, strength: strength)
            return { try stylizer.stylize($0) }
        }
        return { content in
            try Stylizer(network: pictureStyled, stylePictures: styles(for: content), blendWeights: weights,
                         strength: strength).stylize(content)
        }
    }

    private func stylize() throws {
        if let size, size < 1 { throw StyleTransferError.badOption("--size must be positive") }
        guard (1...100).contains(jpegQuality) else { throw StyleTransferError.badOption("--jpeg-quality must be 1-100") }
        deviceOption.install()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw ImageError.unreadable(path: input, reason: "no such file or folder")
        }
        let jobs: [(input: String, output: String)]
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
        for (index, job) in jobs.enumerated() {
            var picture = try ImageFile.read(job.input)
            if let size { picture = picture.resized(longestSide: size) }
            let needed = network.estimatedBytes(width: picture.width, height: picture.height)
            guard needed <= BufferPool.shared.budget else {
                let fits = network.largestSize(fitting: BufferPool.shared.budget, aspectOf: picture.width, picture.height)
                throw StyleTransferError.badOption("\(job.input) at \(picture.width)×\(picture.height) needs about "
                    + "\(needed >> 30) GiB; the largest that fits here is about \(fits.width)×\(fits.height) (use --size)")
            }
            let start = Date()
            var result = try paint(picture)
            if preserveColors == .luminanceSwap { result = picture.replacingLuminance(with: result.luminance()).clamped() }
            try ImageFile.write(result, to: job.output, jpegQuality: jpegQuality)
            let counter = jobs.count > 1 ? "[\(index + 1)/\(jobs.count)] " : ""
            print(counter + "Wrote \(job.output) (\(result.width)×\(result.height), "
                  + String(format: "%.2f s)", Date().timeIntervalSince(start)))
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
