/// The mean and covariance of a picture's R, G and B samples, in double precision.
public struct ColorStatistics: Equatable, Sendable {
    /// Mean R, G and B.
    public let mean: SIMD3<Double>
    /// The 3×3 covariance of R, G and B, row by row (symmetric), divided by the pixel count.
    public let covariance: [SIMD3<Double>]

    /// Measures `image` (two passes: mean, then centred products, for accuracy).
    public init(_ image: Image) {
        let count = image.width * image.height
        let samples = image.samples
        var sum = SIMD3<Double>.zero
        for i in stride(from: 0, to: samples.count, by: 3) {
            sum += SIMD3(Double(samples[i]), Double(samples[i + 1]), Double(samples[i + 2]))
        }
        let mean = sum / Double(count)
        var rows = [SIMD3<Double>](repeating: .zero, count: 3)
        for i in stride(from: 0, to: samples.count, by: 3) {
            let x = SIMD3(Double(samples[i]), Double(samples[i + 1]), Double(samples[i + 2])) - mean
            rows[0] += x.x * x
            rows[1] += x.y * x
            rows[2] += x.z * x
        }
        self.mean = mean
        covariance = rows.map { $0 / Double(count) }
    }
}
