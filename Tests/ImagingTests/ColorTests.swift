import Imaging
import XCTest

final class ColorTests: XCTestCase {
    /// SplitMix64: the same pseudo-random pattern on every run and platform.
    private struct Generator {
        var state: UInt64
        mutating func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) // 0..<1
        }
    }

    /// A picture whose pixel (x, y) is `colour(gx, gy, noise)`: gx, gy run 0…1 across it and
    /// noise is three seeded pseudo-random values in 0..<1.
    private func pattern(width: Int, height: Int, seed: UInt64,
                         _ colour: (Float, Float, SIMD3<Float>) -> SIMD3<Float>) -> Image {
        var generator = Generator(state: seed)
        var samples: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                let noise = SIMD3(generator.next(), generator.next(), generator.next())
                let pixel = colour(Float(x) / Float(width - 1), Float(y) / Float(height - 1), noise)
                samples += [pixel.x, pixel.y, pixel.z]
            }
        }
        return Image(width: width, height: height, samples: samples)
    }

    /// A colourful gradient with texture.
    private lazy var content = pattern(width: 24, height: 16, seed: 1) { gx, gy, n in
        SIMD3(40 + 150 * gx + 30 * n.x, 60 + 100 * gy + 40 * n.y, 80 + 50 * gx + 60 * n.z)
    }

    /// A differently tinted, differently shaped and sized one, with correlated channels.
    private lazy var style = pattern(width: 20, height: 12, seed: 2) { gx, gy, n in
        SIMD3(180 + 40 * gy + 50 * n.x, 90 + 120 * gx + 20 * n.y + 20 * n.x, 30 + 60 * n.z + 30 * gy)
    }

    private func assertClose(_ a: [Float], _ b: [Float], within tolerance: Float,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, file: file, line: line)
    }

    /// Means within 1e-3; each covariance entry within 1e-3 of the largest expected entry.
    private func assertMatch(_ actual: ColorStatistics, _ expected: ColorStatistics,
                             file: StaticString = #filePath, line: UInt = #line) {
        for c in 0..<3 { XCTAssertEqual(actual.mean[c], expected.mean[c], accuracy: 1e-3, file: file, line: line) }
        let scale = expected.covariance.map { max(abs($0.x), abs($0.y), abs($0.z)) }.max()!
        XCTAssertGreaterThan(scale, 10, "a test picture should vary", file: file, line: line)
        for i in 0..<3 {
            for j in 0..<3 {
                XCTAssertEqual(actual.covariance[i][j], expected.covariance[i][j], accuracy: 1e-3 * scale,
                               "covariance[\(i)][\(j)]", file: file, line: line)
            }
        }
    }

    private func meanAndDeviation(_ values: [Float]) -> (mean: Double, deviation: Double) {
        let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }

    func testYCbCrRoundTripsWithoutClamping() {
        var generator = Generator(state: 3)
        let image = Image(width: 9, height: 7, samples: (0..<189).map { _ in -40 + 340 * generator.next() })
        let back = Image(width: 9, height: 7, yCbCr: image.yCbCr())
        assertClose(back.samples, image.samples, within: 1e-3)
        XCTAssertLessThan(back.samples.min()!, 0) // out-of-range values survive
        XCTAssertGreaterThan(back.samples.max()!, 255)
    }

    func testKnownYCbCrValues() {
        let cases: [(rgb: [Float], yCbCr: [Float])] = [
            ([255, 0, 0], [76.245, 84.9723, 255.5]), // Cb = 128 − 76.245/1.772
            ([0, 0, 255], [29.07, 255.5, 107.2653]),
            ([255, 255, 255], [255, 128, 128]),
            ([0, 0, 0], [0, 128, 128]),
        ]
        for (rgb, expected) in cases {
            let actual = Image(width: 1, height: 1, samples: rgb).yCbCr()
            for c in 0..<3 { XCTAssertEqual(actual[c], expected[c], accuracy: 1e-3, "\(rgb) channel \(c)") }
        }
    }

    func testLuminanceAndGrayscaleAreY() {
        let yCbCr = content.yCbCr()
        let y = stride(from: 0, to: yCbCr.count, by: 3).map { yCbCr[$0] }
        XCTAssertEqual(content.luminance(), y)
        let grey = content.grayscale()
        XCTAssertEqual(grey.samples, y.flatMap { [$0, $0, $0] })
        let greyYCbCr = grey.yCbCr()
        for i in stride(from: 0, to: greyYCbCr.count, by: 3) {
            XCTAssertEqual(greyYCbCr[i], yCbCr[i], accuracy: 1e-3)
            XCTAssertEqual(greyYCbCr[i + 1], 128, accuracy: 1e-3)
            XCTAssertEqual(greyYCbCr[i + 2], 128, accuracy: 1e-3)
        }
    }

    func testReplacingLuminanceKeepsChromaAndTakesY() {
        let other = pattern(width: 24, height: 16, seed: 4) { gx, _, n in SIMD3(200 * n.x, 255 * gx, 90) }
        let result = content.replacingLuminance(with: other.luminance()).yCbCr()
        let (mine, theirs) = (content.yCbCr(), other.yCbCr())
        for i in stride(from: 0, to: result.count, by: 3) {
            XCTAssertEqual(result[i], theirs[i], accuracy: 1e-3)
            XCTAssertEqual(result[i + 1], mine[i + 1], accuracy: 1e-3)
            XCTAssertEqual(result[i + 2], mine[i + 2], accuracy: 1e-3)
        }
    }

    func testColorMatchingGivesReferenceMeanAndCovariance() {
        let result = content.matchingColorStatistics(of: style)
        XCTAssertEqual([result.width, result.height], [24, 16])
        assertMatch(ColorStatistics(result), ColorStatistics(style))
        // and the other way round, so that Σ_ref^½ Σ_self^−½ is not confused with its reverse
        assertMatch(ColorStatistics(style.matchingColorStatistics(of: content)), ColorStatistics(content))
    }

    func testColorMatchingIsExactForPhotoLikeCorrelatedChannels() {
        // R, G, B mostly one brightness with a little independent colour, as in photographs:
        // Σ's small eigenvalues must not be damped (a ridge of 10⁻³·trace/3 misses here by up to 8%).
        let photo = pattern(width: 24, height: 16, seed: 5) { gx, gy, n in
            let base = 30 + 100 * gx + 80 * gy
            return SIMD3(base + 10 * n.x, 0.9 * base + 10 * n.y, 0.7 * base + 10 * n.z)
        }
        assertMatch(ColorStatistics(photo.matchingColorStatistics(of: style)), ColorStatistics(style))
        assertMatch(ColorStatistics(style.matchingColorStatistics(of: photo)), ColorStatistics(photo))
    }

    func testColorMatchingWithItselfChangesNothing() {
        assertClose(content.matchingColorStatistics(of: content).samples, content.samples, within: 1e-3)
    }

    func testFlatAndGreyPicturesDoNotBlowUp() {
        let flat = Image(width: 8, height: 6, red: 128, green: 128, blue: 128)
        let target = ColorStatistics(style)
        let fromFlat = flat.matchingColorStatistics(of: style)
        for i in stride(from: 0, to: fromFlat.samples.count, by: 3) {
            for c in 0..<3 { XCTAssertEqual(Double(fromFlat.samples[i + c]), target.mean[c], accuracy: 1e-3) }
        }
        let grey = Image(width: 24, height: 16, red: 128, green: 128, blue: 128)
        assertClose(content.matchingColorStatistics(of: flat).samples, grey.samples, within: 1e-3)
        // Grey but varying: Σ has rank one, two of its eigenvalues are zero.
        let greyRamp = content.grayscale().matchingColorStatistics(of: style)
        XCTAssertTrue(greyRamp.samples.allSatisfy(\.isFinite))
        let luminance = flat.matchingLuminanceStatistics(of: style).samples
        let targetY = meanAndDeviation(style.luminance()).mean
        for sample in luminance { XCTAssertEqual(Double(sample), targetY, accuracy: 1e-3) }
    }

    func testLuminanceMatchingGivesReferenceMeanAndDeviation() {
        let result = content.matchingLuminanceStatistics(of: style)
        XCTAssertEqual([result.width, result.height], [24, 16])
        for i in stride(from: 0, to: result.samples.count, by: 3) {
            XCTAssertEqual(result.samples[i], result.samples[i + 1])
            XCTAssertEqual(result.samples[i], result.samples[i + 2])
        }
        let (source, target) = (meanAndDeviation(content.luminance()), meanAndDeviation(style.luminance()))
        let matched = meanAndDeviation(result.luminance())
        XCTAssertEqual(matched.mean, target.mean, accuracy: 1e-3)
        XCTAssertEqual(matched.deviation, target.deviation, accuracy: 1e-3)
        XCTAssertNotEqual(source.deviation, target.deviation, accuracy: 1) // the test actually rescales
        // Each pixel keeps its standardised value: an increasing affine map of the content's Y.
        for (before, after) in zip(content.luminance(), result.luminance()) {
            XCTAssertEqual((Double(after) - target.mean) / target.deviation,
                           (Double(before) - source.mean) / source.deviation, accuracy: 1e-4)
        }
    }
}
