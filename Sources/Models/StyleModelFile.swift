import Foundation
import Tensor

/// A trained feed-forward style model on disk: a safetensors file of the network's parameters
/// (PyTorch `state_dict` names) whose metadata records what it is (`format`, `architecture`:
/// `transformer-net` with its `channels`, `magenta-multistyle` with its `styles`, or
/// `magenta-arbitrary` with its `predictor-program` and `transformer-program`), how it
/// wants its pixels (`preprocessing`), what it learnt (`style`, or `style-names` separated by
/// newlines) and how (`training`, a JSON object of the settings; or `source`).
public struct StyleModelFile {
    /// The value of the `format` metadata key that marks our model files.
    public static let format = "neural-style model 1"

    /// The network, ready to run (frozen).
    public let network: any StylizingNetwork
    /// Everything the file's header says about it.
    public let metadata: [String: String]

    /// Pairs a network with its description.
    public init(network: any StylizingNetwork, metadata: [String: String]) {
        self.network = network
        self.metadata = metadata
    }

    /// The metadata a TransformerNet model carries besides `style` (or `style-names`) and `training`.
    public static func baseMetadata(channels: Int, styles: Int = 1) -> [String: String] {
        ["format": format, "architecture": "transformer-net", "channels": String(channels), "styles": String(styles),
         "preprocessing": "rgb 0-255, no normalisation", "output": "rgb 0-255, clamped when saved"]
    }

    /// The metadata a Magenta multi-style model carries besides `style-names` and `source`.
    public static func magentaMetadata(styles: Int) -> [String: String] {
        ["format": format, "architecture": "magenta-multistyle", "styles": String(styles),
         "preprocessing": "rgb 0-1, no normalisation", "output": "rgb 0-1 (sigmoid)"]
    }

    /// The metadata a Magenta arbitrary-style model carries besides `source`: its two programs.
    public static func magentaArbitraryMetadata(_ network: MagentaArbitraryNetwork) -> [String: String] {
        ["format": format, "architecture": "magenta-arbitrary", "style-code-size": String(network.styleCodeSize),
         "predictor-program": network.predictorProgram.text, "transformer-program": network.transformerProgram.text,
         "preprocessing": "rgb 0-1, no normalisation; style pictures centre-cropped and resized to 256×256",
         "output": "rgb 0-1 (sigmoid)"]
    }

    /// The names of the styles the model knows, in index order (`style-names`, else `style`,
    /// else "style K").
    public var styleNames: [String] { StyleModelFile.styleNames(metadata: metadata, count: network.styleCount) }

    /// The names of a network's `count` styles as `metadata` records them, in index order
    /// (`style-names`, else `style`, else "style K").
    public static func styleNames(metadata: [String: String], count: Int) -> [String] {
        if let names = metadata["style-names"]?.split(separator: "\n").map(String.init), names.count == count { return names }
        if count == 1, let style = metadata["style"] { return [style] }
        return (0..<count).map { "style \($0)" }
    }

    /// Reads a model written by `write(to:)`; a truncated, damaged or foreign file is one clear error.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsFormatError("cannot read the model file \(path)")
        }
        try self.init(bytes: data, source: path)
    }

    /// Reads a model file's bytes as ``init(contentsOf:)`` reads the file; errors name `source`.
    public init(bytes data: Data, source path: String) throws {
        let (arrays, metadata) = try StyleModelFile.contents(ofBytes: data, source: path)
        switch metadata["architecture"] {
        case "transformer-net":
            let network = try StyleModelFile.network(from: arrays, source: path)
            guard String(network.channels) == metadata["channels"], String(network.styles) == metadata["styles"] ?? "1" else {
                throw WeightsFormatError("\(path) says \(metadata["channels"] ?? "no") channels and \(metadata["styles"] ?? "1") "
                                         + "styles but holds a \(network.channels)-channel network of \(network.styles)")
            }
            self.init(network: network, metadata: metadata)
        case "magenta-multistyle":
            guard let network = MagentaTransformer.matching(parameterShapes: arrays.mapValues(\.shape)),
                  String(network.styleCount) == metadata["styles"] else {
                throw WeightsFormatError("\(path) does not hold the Magenta multi-style network its header describes")
            }
            try network.load(arrays.mapValues { Tensor(shape: $0.shape, values: $0.values) })
            network.freeze()
            self.init(network: network, metadata: metadata)
        case "magenta-arbitrary":
            guard let predictor = metadata["predictor-program"], let transformer = metadata["transformer-program"] else {
                throw WeightsFormatError("\(path) holds an arbitrary-style network without its programs")
            }
            do {
                let network = try MagentaArbitraryNetwork.fromStored(predictor: predictor, transformer: transformer, arrays: arrays)
                network.freeze()
                self.init(network: network, metadata: metadata)
            } catch let error as WeightsFormatError {
                throw WeightsFormatError("\(path) does not hold the arbitrary-style network its header describes (\(error))")
            }
        case "adain-decoder":
            let decoder = try StyleModelFile.adaINDecoder(from: arrays, source: path)
            let vgg = VGGWeights.defaultURL(for: .vgg19)
            guard FileManager.default.fileExists(atPath: vgg.path) else {
                throw WeightsFormatError("AdaIN needs VGG-19 as its encoder: no weights at \(vgg.path) (run 'make weights')")
            }
            self.init(network: AdaINNetwork(encoder: try VGG(contentsOf: vgg, expecting: .vgg19), decoder: decoder),
                      metadata: metadata)
        default:
            throw WeightsFormatError("\(path) holds a '\(metadata["architecture"] ?? "unnamed")' network, which this version cannot run")
        }
    }

    /// The tensors and metadata of a model file of ours, whatever its architecture.
    public static func contents(of path: String) throws -> (arrays: [String: NamedArray], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsFormatError("cannot read the model file \(path)")
        }
        return try contents(ofBytes: data, source: path)
    }

    /// The tensors and metadata of a model file's bytes; errors name `source`.
    public static func contents(ofBytes data: Data, source path: String) throws
        -> (arrays: [String: NamedArray], metadata: [String: String]) {
        let (arrays, metadata): ([String: NamedArray], [String: String])
        do { (arrays, metadata) = try SafeTensors.decode(data) } catch {
            throw WeightsFormatError("\(path) is not a neural-style model (\(error))")
        }
        guard metadata["format"] == StyleModelFile.format else {
            throw WeightsFormatError("\(path) is not a neural-style model (its header has no '\(StyleModelFile.format)' format)")
        }
        return (arrays, metadata)
    }

    /// A frozen TransformerNet holding `arrays` (a `state_dict`), or an error naming `source`
    /// unless they are exactly a TransformerNet's parameters.
    public static func network(from arrays: [String: NamedArray], source: String) throws -> TransformerNet {
        guard let (channels, styles) = TransformerNet.architecture(ofParameterShapes: arrays.mapValues(\.shape)) else {
            throw WeightsFormatError("\(source) does not hold a TransformerNet (pytorch/examples fast_neural_style layout)")
        }
        try NamedArray.checkFinite(arrays, in: source)
        let network = TransformerNet(channels: channels, styles: styles)
        try network.load(arrays.mapValues { Tensor(shape: $0.shape, values: $0.values) })
        network.freeze()
        return network
    }

    /// Writes the model atomically, in half precision when `halfPrecision`.
    public func write(to path: String, halfPrecision: Bool = false) throws {
        try StyleModelFile.write(network, metadata: metadata, to: path, halfPrecision: halfPrecision)
    }

    /// Writes `network`'s parameters with `metadata` atomically, in half precision when `halfPrecision`.
    public static func write(_ network: Module, metadata: [String: String], to path: String,
                             halfPrecision: Bool = false) throws {
        let arrays = Dictionary(uniqueKeysWithValues: network.namedParameters().map {
            ($0.name, NamedArray(shape: $0.tensor.shape, values: $0.tensor.toArray()))
        })
        let data = try SafeTensors.encode(arrays, metadata: metadata, halfPrecision: halfPrecision)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The metadata an AdaIN decoder carries besides `training` or `source`.
    public static func adaINMetadata() -> [String: String] {
        ["format": format, "architecture": "adain-decoder", "encoder": "vgg19 (Caffe weights) to relu4_1",
         "preprocessing": "rgb 0-1, the encoder's own", "output": "rgb 0-1, clamped when saved"]
    }

    /// A frozen AdaIN decoder holding `arrays` (naoto0804's `state_dict`), or an error naming `source`.
    public static func adaINDecoder(from arrays: [String: NamedArray], source: String) throws -> Sequential {
        guard AdaINDecoder.matches(parameterShapes: arrays.mapValues(\.shape)) else {
            throw WeightsFormatError("\(source) does not hold an AdaIN decoder (naoto0804/pytorch-AdaIN layout)")
        }
        let decoder = AdaINDecoder.make()
        try decoder.load(arrays.mapValues { Tensor(shape: $0.shape, values: $0.values) })
        decoder.freeze()
        return decoder
    }
}
