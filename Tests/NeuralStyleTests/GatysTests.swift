import Imaging
import Models
import NeuralStyle
import XCTest

/// Small end-to-end optimisations on synthetic pictures.
final class GatysTests: XCTestCase {
    private let content = testContent, style = testStyle

    private func options(_ change: (inout GatysOptions) -> Void = { _ in }) -> GatysOptions {
        smallRunOptions(iterations: 12, change)
    }

    private func run(_ options: GatysOptions, styles: [Image]? = nil) throws -> (Image, [IterationRecord]) {
        var records: [IterationRecord] = []
        let image = try GatysStyleTransfer(network: try cachedVGG19(pooling: options.pooling), options: options)
            .run(content: content, styles: styles ?? [style]) { record, _ in records.append(record) }
        return (image, records)
    }

    func testLBFGSLowersTheLossWithOneRecordPerIteration() throws {
        let (image, records) = try run(options())
        XCTAssertEqual([image.width, image.height], [32, 24])
        XCTAssertEqual(records.map(\.iteration), Array(1...12))
        XCTAssertEqual(records[0].content, 0)
        XCTAssertLessThan(records.last!.total, 0.5 * records[0].total)
        XCTAssertEqual(Set(records[0].styleLayers.keys), ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"])
    }

    func testAdamAveragePoolingAndSeededNoiseAreReproducible() throws {
        let noisy = options {
            $0.optimizer = .adam
            $0.pooling = .average
            $0.initialization = .random
            $0.seed = 7
            $0.iterations = 6
        }
        let (a, recordsA) = try run(noisy)
        let (b, _) = try run(noisy)
        XCTAssertEqual(a, b)
        XCTAssertLessThan(recordsA.last!.total, recordsA[0].total)
        var otherSeed = noisy
        otherSeed.seed = 8
        XCTAssertNotEqual(try run(otherSeed).0, a)
    }

    func testBlendWeightsSelectAndValidateStyles() throws {
        let other = syntheticImage(width: 30, height: 30, phase: 4)
        let single = try run(options { $0.iterations = 1 }).1[0]
        let blended = try run(options { $0.iterations = 1; $0.styleBlendWeights = [3, 0] }, styles: [style, other]).1[0]
        XCTAssertEqual(blended.style, single.style, accuracy: 1e-4 * single.style)
        let mixed = try run(options { $0.iterations = 1; $0.styleBlendWeights = [1, 1] }, styles: [style, other]).1[0]
        XCTAssertNotEqual(mixed.style, single.style)
        XCTAssertThrowsError(try run(options { $0.styleBlendWeights = [1] }, styles: [style, other]))
        XCTAssertThrowsError(try run(options(), styles: []))
    }

    func testStyleScaleAndLayerWeightsChangeTheObjective() throws {
        let base = try run(options { $0.iterations = 1 }).1[0]
        let scaled = try run(options { $0.iterations = 1; $0.styleScale = 0.75 }).1[0]
        XCTAssertNotEqual(base.style, scaled.style)
        let weighted = try run(options {
            $0.iterations = 1
            $0.styleLayers = [WeightedLayer("relu1_1", weight: 2)]
        }).1[0]
        XCTAssertEqual(weighted.styleLayers["relu1_1"]!, 2 * base.styleLayers["relu1_1"]!,
                       accuracy: 1e-4 * base.styleLayers["relu1_1"]!)
    }

    func testInitialisationFromAPictureStartsAwayFromTheContent() throws {
        let records = try run(options { $0.iterations = 1; $0.initialization = .image(style) }).1
        XCTAssertGreaterThan(records[0].content, 0)
    }

    func testLayerListsNameTheValidLayers() {
        XCTAssertEqual(try WeightedLayer.parseList("relu1_1, relu2_1:0.5"),
                       [WeightedLayer("relu1_1"), WeightedLayer("relu2_1", weight: 0.5)])
        XCTAssertThrowsError(try WeightedLayer.parseList("relu9_9")) {
            XCTAssertTrue("\($0)".contains("unknown layer 'relu9_9' in VGG-19; valid layers: conv1_1 relu1_1"))
        }
        XCTAssertEqual(try WeightedLayer.parseList("relu5_3", network: .vgg16), [WeightedLayer("relu5_3")])
        XCTAssertThrowsError(try WeightedLayer.parseList("relu1_1,relu3_4", network: .vgg16)) {
            XCTAssertTrue("\($0)".contains("unknown layer 'relu3_4' in VGG-16; valid layers: conv1_1"), "\($0)")
        }
        for bad in ["relu1_1:x", "relu1_1:", ":", ":2", "relu1_1,relu2_1,relu1_1:0.5"] {
            XCTAssertThrowsError(try WeightedLayer.parseList(bad), bad)
        }
    }
}

/// Pictures too small for the deepest layer are refused before any work.
final class MinimumSizeTests: XCTestCase {
    func testMinimumSideFollowsThePoolingsBeforeTheDeepestLayer() throws {
        XCTAssertEqual(VGG.Architecture.vgg19.minimumInputSide(for: ["relu1_1"]), 1)
        XCTAssertEqual(VGG.Architecture.vgg19.minimumInputSide(for: ["pool1"]), 2)
        XCTAssertEqual(VGG.Architecture.vgg19.minimumInputSide(for: ["relu4_2", "relu5_1"]), 16)
        var options = GatysOptions()
        options.size = 12
        options.iterations = 1
        let picture = syntheticImage(width: 12, height: 12, phase: 0)
        XCTAssertThrowsError(try GatysStyleTransfer(network: try cachedVGG19(), options: options)
            .run(content: picture, styles: [picture])) {
            XCTAssertTrue("\($0)".contains("the content image is 12×12 after resizing; the chosen layers need at least 16"))
        }
    }
}
