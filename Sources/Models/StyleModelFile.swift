import Foundation
import Tensor

/// A trained feed-forward style model on disk: a safetensors file of the network's parameters
/// (PyTorch `state_dict` names) whose metadata records what it is (`format`, `architecture`,
/// `channels`), how it wants its pixels (`preprocessing`), what it learnt (`style`) and how
/// (`training`, a JSON object of the settings).
public struct StyleModelFile {
    /// The value of the `format` metadata key that marks our model files.
    public static let format = "neural-style model 1"

    /// The network, ready to run (frozen).
    public let network: TransformerNet
    /// Everything the file's header says about it.
    public let metadata: [String: String]

    /// Pairs a network with its description.
    public init(network: TransformerNet, metadata: [String: String]) {
        self.network = network
        self.metadata = metadata
    }

    /// The metadata a TransformerNet model carries besides `style` and `training`.
    public static func baseMetadata(channels: Int) -> [String: String] {
        ["format": format, "architecture": "transformer-net", "channels": String(channels),
         "preprocessing": "rgb 0-255, no normalisation", "output": "rgb 0-255, clamped when saved"]
    }

    /// Reads a model written by `write(to:)`; a truncated, damaged or foreign file is one clear error.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsFormatError("cannot read the model file \(path)")
        }
        let (arrays, metadata): ([String: NamedArray], [String: String])
        do { (arrays, metadata) = try SafeTensors.decode(data) } catch {
            throw WeightsFormatError("\(path) is not a neural-style model (\(error))")
        }
        guard metadata["format"] == StyleModelFile.format else {
            throw WeightsFormatError("\(path) is not a neural-style model (its header has no '\(StyleModelFile.format)' format)")
        }
        guard metadata["architecture"] == "transformer-net" else {
            throw WeightsFormatError("\(path) holds a '\(metadata["architecture"] ?? "unnamed")' network; this version runs transformer-net models")
        }
        let network = try StyleModelFile.network(from: arrays, source: path)
        guard String(network.channels) == metadata["channels"] else {
            throw WeightsFormatError("\(path) says \(metadata["channels"] ?? "no") channels but holds a \(network.channels)-channel network")
        }
        self.init(network: network, metadata: metadata)
    }

    /// A frozen TransformerNet holding `arrays` (a `state_dict`), or an error naming `source`
    /// unless they are exactly a TransformerNet's parameters.
    public static func network(from arrays: [String: NamedArray], source: String) throws -> TransformerNet {
        guard let channels = TransformerNet.channels(ofParameterShapes: arrays.mapValues(\.shape)) else {
            throw WeightsFormatError("\(source) does not hold a TransformerNet (pytorch/examples fast_neural_style layout)")
        }
        try NamedArray.checkFinite(arrays, in: source)
        let network = TransformerNet(channels: channels)
        try network.load(arrays.mapValues { Tensor(shape: $0.shape, values: $0.values) })
        network.freeze()
        return network
    }

    /// Writes the model atomically, in half precision when `halfPrecision`.
    public func write(to path: String, halfPrecision: Bool = false) throws {
        let arrays = Dictionary(uniqueKeysWithValues: network.namedParameters().map {
            ($0.name, NamedArray(shape: $0.tensor.shape, values: $0.tensor.toArray()))
        })
        let data = try SafeTensors.encode(arrays, metadata: metadata, halfPrecision: halfPrecision)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
