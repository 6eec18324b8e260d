import Foundation

/// The losses of one objective evaluation: what `--log` writes as a JSON line and what
/// progress lines show. Values are the weighted terms that add up to `total`.
public struct IterationRecord: Codable, Equatable, Sendable {
    /// Evaluation number within its level, from 1.
    public var iteration: Int
    /// Coarse-to-fine level, from 1 (always 1 for a single-size run).
    public var level = 1
    /// The whole objective.
    public var total: Float
    /// Weighted content term.
    public var content: Float
    /// Weighted style terms, summed over layers.
    public var style: Float
    /// Weighted total-variation term.
    public var tv: Float
    /// Each style layer's weighted term.
    public var styleLayers: [String: Float]
    /// Seconds since this level started (or was resumed).
    public var elapsed: Double

    enum CodingKeys: String, CodingKey {
        case iteration, level, total, content, style, tv, elapsed
        case styleLayers = "style_layers"
    }

    /// One JSON object on one line, keys sorted.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A diverging run (too large a learning rate) must still be logged, not crash.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
