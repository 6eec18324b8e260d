import Foundation
import Models

/// A loss-network layer with its own multiplier, written `name` or `name:weight`.
public struct WeightedLayer: Equatable, Sendable, Codable {
    /// The layer's name in the network (e.g. `relu4_2`).
    public var name: String
    /// Multiplier of this layer's loss term.
    public var weight: Float

    /// Names `name` with multiplier `weight`.
    public init(_ name: String, weight: Float = 1) {
        self.name = name
        self.weight = weight
    }

    /// Parses a comma-separated list such as `relu1_1,relu2_1:0.5`, checking that `network`
    /// has every layer named and that none is listed twice.
    public static func parseList(_ text: String, network: VGG.Architecture = .vgg19) throws -> [WeightedLayer] {
        let validNames = network.layerNames
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
            throw StyleTransferError.badOption("empty layer list '\(text)'")
        }
        let layers = try items.map { item in
            let parts = item.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard validNames.contains(parts[0]) else {
                throw StyleTransferError.badOption(
                    "unknown layer '\(parts[0])' in \(network.displayName); valid layers: "
                        + validNames.joined(separator: " "))
            }
            guard parts.count == 1 || Float(parts[1]) != nil else {
                throw StyleTransferError.badOption("layer weight '\(parts[1])' of \(parts[0]) is not a number")
            }
            return WeightedLayer(parts[0], weight: parts.count == 2 ? Float(parts[1])! : 1)
        }
        for (index, layer) in layers.enumerated() where layers[..<index].contains(where: { $0.name == layer.name }) {
            throw StyleTransferError.badOption("layer '\(layer.name)' is listed twice in '\(text)'")
        }
        return layers
    }
}
