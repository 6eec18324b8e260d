import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor
import XCTest

/// AdaIN: the decoder's PyTorch names, the statistics it aligns, the α trade-off as code mixing,
/// regions, and the trainer's exact resume (with random crops).
final class AdaINTests: XCTestCase {
    override func setUp() { prepareComputeBackend() }

    private func encoder() throws -> VGG { try cachedVGG19() }

    func testDecoderHasNaoto0804sSequentialNames() {
        let names = AdaINDecoder.make().namedParameters().map(\.name)
        let convolutions = [1, 5, 8, 11, 14, 18, 21, 25, 28]
        XCTAssertEqual(names, convolutions.flatMap { ["\($0).weight", "\($0).bias"] })
        XCTAssertEqual(AdaINDecoder.make().parameters().reduce(0) { $0 + $1.count }, 3_505_219)
    }

    func testAdaptiveInstanceNormTakesTheStylesStatistics() {
        let content = Tensor(shape: [1, 2, 3, 3], values: (0..<18).map { Float($0 * $0 % 7) })
        let style = Tensor(shape: [1, 2, 2, 2], values: [1, 5, 2, 8, -3, -1, 0, 4])
        let (mean, deviation) = AdaINNetwork.meanAndDeviation(AdaINNetwork.adaptiveInstanceNorm(content, style: style))
        let (styleMean, styleDeviation) = AdaINNetwork.meanAndDeviation(style)
        for (a, b) in zip(mean.toArray(), styleMean.toArray()) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Deviations include ε = 1e-5 inside the root, so they match up to that.
        for (a, b) in zip(deviation.toArray(), styleDeviation.toArray()) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(styleMean.toArray(), [4, 0])
        XCTAssertEqual(styleDeviation.toArray()[0], (10 + 1e-5 as Float).squareRoot(), accuracy: 1e-5)
    }

    func testAlphaZeroDecodesTheContentsOwnFeaturesAndRegionsSplitTheStyles() throws {
        let network = AdaINNetwork(encoder: try encoder(), decoder: AdaINDecoder.make(seed: 3))
        network.freeze()
        let content = syntheticImage(width: 24, height: 16, phase: 1)
        let (a, b) = (syntheticImage(width: 16, height: 16, phase: 4), syntheticImage(width: 20, height: 16, phase: 8))
        let plain = withoutGradients {
            let x = network.pixels.tensor(rgb: content.samples, width: 24, height: 16)
            let features = network.encode(x, at: [AdaINNetwork.contentLayer])[AdaINNetwork.contentLayer]!
            return network.pixels.rgbSamples(from: network.decoder(features)).map { min(max($0, 0), 255) }
        }
        let none = try Stylizer(network: network, stylePictures: [a], strength: 0).stylize(content).samples
        XCTAssertEqual(zip(none, plain).map { abs($0 - $1) }.max() ?? .infinity, 0, accuracy: 0.05)
        let full = try Stylizer(network: network, stylePictures: [a]).stylize(content).samples
        XCTAssertGreaterThan(zip(full, plain).map { abs($0 - $1) }.max() ?? 0, 1)
        let white = Image(width: 24, height: 16, samples: Array(repeating: 255, count: 24 * 16 * 3))
        let black = Image(width: 24, height: 16, samples: Array(repeating: 0, count: 24 * 16 * 3))
        let onlyA = try Stylizer.stylize(content, network: network, regionStyles: [a, b], masks: [white, black]).samples
        XCTAssertEqual(onlyA, full, "a mask covering everything paints that style alone")
        let halves = try Stylizer.stylize(content, network: network, regionStyles: [a, b], masks: [black, white]).samples
        XCTAssertNotEqual(halves, onlyA)
    }

    func testResumedTrainingEqualsAnUninterruptedRunWithRandomCrops() throws {
        let vgg = try encoder()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("adain-\(UUID().uuidString)")
        for folder in ["content", "style"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<3 {
            try ImageFile.write(syntheticImage(width: 30, height: 24, phase: Double(index)),
                                to: directory.appendingPathComponent("content/\(index).png").path)
        }
        try ImageFile.write(syntheticImage(width: 24, height: 24, phase: 9), to: directory.appendingPathComponent("style/s.png").path)
        var options = AdaINTrainingOptions()
        (options.batchSize, options.loadSize, options.imageSize, options.iterations) = (2, 24, 16, 4)
        func trainer() throws -> AdaINTrainer {
            try AdaINTrainer(encoder: vgg, options: options,
                             content: try TrainingDataset(directory: directory.appendingPathComponent("content").path, imageSize: 24),
                             styles: try TrainingDataset(directory: directory.appendingPathComponent("style").path, imageSize: 24))
        }
        let straight = try trainer()
        let records = (0..<4).map { _ in straight.trainStep() }
        let first = try trainer()
        first.trainStep()
        first.trainStep()
        let checkpoint = directory.appendingPathComponent("run.ckpt").path
        try first.checkpoint().write(to: checkpoint)
        let resumed = try trainer()
        try resumed.resume(from: try TrainingCheckpoint(contentsOf: checkpoint))
        XCTAssertEqual((0..<2).map { _ in resumed.trainStep().total }, records[2...].map(\.total))
        XCTAssertEqual(resumed.decoder.parameters().flatMap { $0.toArray() },
                       straight.decoder.parameters().flatMap { $0.toArray() })
        // Another style painting (same name, same size): refused, naming the style dataset.
        try ImageFile.write(syntheticImage(width: 24, height: 24, phase: 10), to: directory.appendingPathComponent("style/s.png").path)
        XCTAssertThrowsError(try trainer().resume(from: try TrainingCheckpoint(contentsOf: checkpoint))) { error in
            XCTAssertTrue("\(error)".contains("style dataset (1 pictures sha256"), "\(error)")
            XCTAssertFalse("\(error)".contains("content dataset"), "\(error)")
        }
    }
}
