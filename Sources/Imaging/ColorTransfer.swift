/// Colour transfer for style transfer that keeps the content's colours
/// (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer").
extension Image {
    /// This picture under the linear map x' = A(x − μ_self) + μ_ref, A = Σ_ref^½ Σ_self^−½
    /// (symmetric square roots), so that its RGB mean and covariance equal `reference`'s.
    ///
    /// Eigenvalues of Σ_self below 10⁻³ of their mean (+10⁻⁶) are raised to that floor before
    /// inverting, so a grey or flat picture cannot blow up; it then matches exactly in every
    /// direction it varies in, and a flat one becomes the reference's mean colour.
    /// The result is not clamped to 0…255: call `clamped()` when done.
    public func matchingColorStatistics(of reference: Image) -> Image {
        let source = ColorStatistics(self), target = ColorStatistics(reference)
        let sourceCovariance = Matrix3(rows: source.covariance)
        // A floor rather than a ridge (Σ + εI): a ridge would also shrink the well-measured
        // directions and leave the covariance off by up to ε/λ in each.
        let floor = 1e-3 * sourceCovariance.trace / 3 + 1e-6
        let inverseRoot = sourceCovariance.symmetricFunction { 1 / max($0, floor).squareRoot() }
        let root = Matrix3(rows: target.covariance).symmetricFunction { max($0, 0).squareRoot() }
        let transform = root * inverseRoot
        let offset = target.mean - transform * source.mean
        var result = samples
        for i in stride(from: 0, to: samples.count, by: 3) {
            let x = SIMD3(Double(samples[i]), Double(samples[i + 1]), Double(samples[i + 2]))
            let y = transform * x + offset
            result[i] = Float(y.x)
            result[i + 1] = Float(y.y)
            result[i + 2] = Float(y.z)
        }
        return Image(width: width, height: height, samples: result)
    }

    /// This picture's luminance in grey (Y in R, G and B), shifted and scaled so that its mean
    /// and standard deviation equal those of `reference`'s luminance: the luminance-only
    /// transfer, whose colours come back later through `replacingLuminance(with:)`.
    /// A flat picture becomes flat at the reference's mean. Not clamped.
    public func matchingLuminanceStatistics(of reference: Image) -> Image {
        let luminance = self.luminance()
        let source = Image.meanAndDeviation(luminance), target = Image.meanAndDeviation(reference.luminance())
        // The 10⁻³ floor on σ keeps a flat picture flat instead of dividing rounding noise by zero.
        let scale = target.deviation / max(source.deviation, 1e-3)
        let matched = luminance.map { Float((Double($0) - source.mean) * scale + target.mean) }
        return Image(grey: matched, width: width, height: height)
    }

    /// Mean and population standard deviation, in double precision.
    private static func meanAndDeviation(_ values: [Float]) -> (mean: Double, deviation: Double) {
        let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }
}
