/// An RGB picture with `Float` samples in 0…255, interleaved row by row.
///
/// The one currency between the codecs, the resampler and the algorithms.
public struct Image: Equatable, Sendable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width · height · 3` samples: R, G, B of the top-left pixel first.
    public var samples: [Float]

    /// Wraps `samples` (interleaved RGB, 0…255) as a `width`×`height` picture.
    public init(width: Int, height: Int, samples: [Float]) {
        precondition(width > 0 && height > 0 && samples.count == width * height * 3,
                     "\(samples.count) samples for a \(width)×\(height) RGB image")
        self.width = width
        self.height = height
        self.samples = samples
    }

    /// A `width`×`height` picture of one colour.
    public init(width: Int, height: Int, red: Float, green: Float, blue: Float) {
        self.init(width: width, height: height,
                  samples: (0..<(width * height)).flatMap { _ in [red, green, blue] })
    }

    /// The longer of width and height.
    public var longestSide: Int { max(width, height) }

    /// Samples rounded and clamped to bytes, as the encoders take them.
    public var bytes: [UInt8] {
        samples.map { UInt8(max(0, min(255, $0.rounded()))) }
    }

    /// The picture with every sample clamped to 0…255.
    public func clamped() -> Image {
        Image(width: width, height: height, samples: samples.map { max(0, min(255, $0)) })
    }
}
