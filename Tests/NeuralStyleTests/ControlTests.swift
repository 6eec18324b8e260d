import Foundation
import Imaging
import Models
@testable import NeuralStyle
import XCTest

/// The controls of Gatys et al. 2017 and the tools users know: coarse to fine, colour,
/// spatial masks, resumable runs, gradient normalisation, original size.
final class ControlTests: XCTestCase {
    private let content = testContent, style = testStyle

    private func options(_ change: (inout GatysOptions) -> Void = { _ in }) -> GatysOptions {
        smallRunOptions(iterations: 6, change)
    }

    private func transfer(_ options: GatysOptions) throws -> GatysStyleTransfer {
        GatysStyleTransfer(network: try cachedVGG19(pooling: options.pooling), options: options)
    }

    private func run(_ options: GatysOptions, styles: [Image]? = nil, masks: [Image]? = nil,
                     content: Image? = nil) throws -> (Image, [IterationRecord]) {
        var records: [IterationRecord] = []
        let image = try transfer(options).run(content: content ?? self.content, styles: styles ?? [style], masks: masks,
                                              onEvaluation: { record, _ in records.append(record) })
        return (image, records)
    }

    /// Mean absolute difference of the Cb and Cr planes.
    private func chromaDifference(_ a: Image, _ b: Image) -> Float {
        let (x, y) = (a.yCbCr(), b.yCbCr())
        let chroma = x.indices.filter { $0 % 3 != 0 }
        return chroma.reduce(0) { $0 + abs(x[$1] - y[$1]) } / Float(chroma.count)
    }

    func testCoarseToFineStartsEachLevelFromThePreviousResult() throws {
        let (image, records) = try run(options { $0.levels = [.init(size: 24, iterations: 4), .init(size: 32, iterations: 3)] })
        XCTAssertEqual([image.width, image.height], [32, 24])
        XCTAssertEqual(records.map(\.level), [1, 1, 1, 1, 2, 2, 2])
        XCTAssertEqual(records.map(\.iteration), [1, 2, 3, 4, 1, 2, 3])
        XCTAssertEqual(records[0].content, 0, "level 1 starts from the content")
        XCTAssertGreaterThan(records[4].content, 0, "level 2 starts from level 1's result, not the content")
        XCTAssertLessThan(records[4].style, records[0].style, "level 1's progress carries over")
    }

    func testLuminanceSwapAndLuminanceOnlyKeepTheContentsChroma() throws {
        let plain = try run(options()).0
        XCTAssertGreaterThan(chromaDifference(plain, content), 2, "the style should change the colours")
        for mode in [GatysOptions.ColorPreservation.luminanceSwap, .luminanceOnly] {
            let image = try run(options { $0.preserveColors = mode }).0
            XCTAssertLessThan(chromaDifference(image, content), 0.5, "\(mode)")
        }
        let (greyContent, greyStyles) = try transfer(options { $0.preserveColors = .luminanceOnly })
            .colorPrepared(content: content, styles: [style])
        XCTAssertEqual(greyContent, content.grayscale())
        let luminance = greyStyles[0].luminance(), target = content.luminance()
        let mean = { (v: [Float]) in v.reduce(0, +) / Float(v.count) }
        XCTAssertEqual(mean(luminance), mean(target), accuracy: 0.5)
    }

    func testHistogramModeGivesTheStylesTheContentsColourStatistics() throws {
        let tinted = Image(width: 24, height: 32, samples: style.samples.enumerated().map { i, v in
            i % 3 == 0 ? v * 0.5 + 100 : v * 0.3 })
        let (_, styles) = try transfer(options { $0.preserveColors = .histogram }).colorPrepared(content: content,
                                                                                                styles: [tinted])
        let (matched, reference) = (ColorStatistics(styles[0]), ColorStatistics(content))
        for c in 0..<3 { XCTAssertEqual(matched.mean[c], reference.mean[c], accuracy: 2) }
        let plain = try run(options { $0.iterations = 1 }, styles: [tinted]).1[0]
        let histogram = try run(options { $0.iterations = 1; $0.preserveColors = .histogram }, styles: [tinted]).1[0]
        XCTAssertNotEqual(plain.style, histogram.style, "histogram mode must change the style targets")
    }

    func testMasksPutEachStyleInItsRegionAndLeaveUnmaskedPixelsAlone() throws {
        // f32 gradients: at 32×24 px L-BFGS's first step is so small that bfloat16 rounding
        // dominates its first curvature pair, and the blow-up that follows eats half of the
        // 20 iterations. What is tested here is where each style goes.
        prepareComputeBackend(gradientPrecision: .float32)
        defer { prepareComputeBackend(gradientPrecision: .bfloat16) }
        let grey = Image(width: 32, height: 24, samples: content.samples.map { $0 * 0.2 + 100 })
        let red = Image(width: 24, height: 24, samples: syntheticImage(width: 24, height: 24, phase: 1).samples
            .enumerated().map { i, v in i % 3 == 0 ? 200 + v * 0.2 : v * 0.1 })
        let blue = Image(width: 24, height: 24, samples: red.samples.enumerated().map { i, _ in
            red.samples[i - i % 3 + (2 - i % 3)] })
        func half(left: Bool) -> Image {
            Image(width: 32, height: 24, samples: (0..<(32 * 24 * 3)).map { i in ((i / 3) % 32 < 16) == left ? 255 : 0 })
        }
        func redness(_ image: Image, left: Bool) -> Float {
            let pixels = (0..<(32 * 24)).filter { ($0 % 32 < 16) == left }
            return pixels.reduce(0) { $0 + image.samples[3 * $1] - image.samples[3 * $1 + 2] } / Float(pixels.count)
        }
        let twoRegions = options { $0.iterations = 20; $0.contentWeight = 0.5 }
        let painted = try run(twoRegions, styles: [red, blue], masks: [half(left: true), half(left: false)],
                              content: grey).0
        XCTAssertGreaterThan(redness(painted, left: true) - redness(painted, left: false), 15,
                             "style A (red) should be on the left, style B (blue) on the right")
        let swapped = try run(twoRegions, styles: [red, blue], masks: [half(left: false), half(left: true)],
                              content: grey).0
        XCTAssertLessThan(redness(swapped, left: true) - redness(swapped, left: false), -15, "masks swapped")

        let oneRegion = try run(twoRegions, styles: [red], masks: [half(left: true)], content: grey).0
        func change(left: Bool) -> Float {
            let pixels = (0..<(32 * 24)).filter { ($0 % 32 < 16) == left }
            return pixels.reduce(0) { sum, p in sum + (0..<3).reduce(0) { $0 + abs(oneRegion.samples[3 * p + $1] - grey.samples[3 * p + $1]) } }
                / Float(3 * pixels.count)
        }
        XCTAssertGreaterThan(change(left: true), 2 * change(left: false), "the unstyled half should keep its content")
        XCTAssertThrowsError(try run(options(), styles: [red, blue], masks: [half(left: true)]))
    }

    func testResumedRunEqualsUninterruptedRun() throws {
        for optimizer in [GatysOptions.OptimizerKind.lbfgs, .adam] {
            let settings = options {
                $0.optimizer = optimizer
                $0.levels = [.init(size: 24, iterations: 4), .init(size: 32, iterations: 4)]
            }
            let (uninterrupted, _) = try run(settings)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID()).ckpt").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            for stop in [(level: 0, iteration: 3), (level: 1, iteration: 2)] {
                XCTAssertThrowsError(try transfer(settings).run(content: content, styles: [style], afterIteration: { position, save in
                    guard position.level == stop.level, position.iteration == stop.iteration else { return true }
                    try! save().write(to: path)
                    return false
                })) { XCTAssertEqual($0 as? StyleTransferError, .stopped(level: stop.level + 1, iteration: stop.iteration)) }
                let saved = try Checkpoint(contentsOf: path)
                XCTAssertEqual(saved.level, stop.level)
                let resumed = try transfer(settings).run(content: content, styles: [style], resumingFrom: saved)
                XCTAssertEqual(resumed, uninterrupted, "\(optimizer) resumed at \(stop) differs")
            }
            var other = settings
            other.styleWeight = 1
            XCTAssertThrowsError(try transfer(other).run(content: content, styles: [style],
                                                         resumingFrom: try Checkpoint(contentsOf: path)))
        }
    }

    func testDamagedCheckpointsAreRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let checkpoint = Checkpoint(fingerprint: "f", level: 0, width: 2, height: 1, image: [1, 2, 3, 4, 5, 6],
                                    optimizer: OptimizerState(kind: "adam", iteration: 3, vectors: ["m": [[1]], "v": [[2]]]))
        try checkpoint.write(to: path)
        XCTAssertEqual(try Checkpoint(contentsOf: path), checkpoint)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(4).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint(contentsOf: path))
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint(contentsOf: path))
    }

    /// A header whose size overflowed `3 × width × height` trapped; negative sizes whose product
    /// matched the image were accepted (found while adding the fuzz harnesses, Fuzz/).
    func testCheckpointsWithImpossibleSizesAreRefused() throws {
        let optimizer = OptimizerState(kind: "adam", iteration: 0)
        let cases = [Checkpoint(fingerprint: "f", level: 0, width: 1 << 62, height: 4, image: [1, 2, 3], optimizer: optimizer),
                     Checkpoint(fingerprint: "f", level: 0, width: -1, height: -1, image: [1, 2, 3], optimizer: optimizer),
                     Checkpoint(fingerprint: "f", level: -1, width: 1, height: 1, image: [1, 2, 3], optimizer: optimizer)]
        for checkpoint in cases {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sizes-\(UUID()).ckpt").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try checkpoint.write(to: path)
            XCTAssertThrowsError(try Checkpoint(contentsOf: path)) {
                XCTAssertEqual($0 as? StyleTransferError, .badCheckpoint("\(path) is damaged"))
            }
        }
        let fine = Checkpoint(fingerprint: "f", level: 0, width: 1, height: 1, image: [1, 2, 3], optimizer: optimizer)
        XCTAssertEqual(try Checkpoint(bytes: try checkpointBytes(fine), source: "fine"), fine)
    }

    private func checkpointBytes(_ checkpoint: Checkpoint) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bytes-\(UUID()).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.write(to: path)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testNormalizedGradientsKeepTheLossesButChangeTheSteps() throws {
        let (plain, plainRecords) = try run(options { $0.iterations = 3 })
        let (normalized, records) = try run(options { $0.iterations = 3; $0.normalizeGradients = true })
        XCTAssertEqual(records[0].total, plainRecords[0].total, "forward values must not change")
        XCTAssertNotEqual(normalized, plain)
    }

    func testOriginalSizeResizesTheResultBack() throws {
        let (image, _) = try run(options { $0.size = 24; $0.iterations = 1; $0.originalSize = true })
        XCTAssertEqual([image.width, image.height], [32, 24])
    }
}
