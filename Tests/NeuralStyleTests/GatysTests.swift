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

    /// The terms at `start` (a picture of the content's size) of the default objective with
    /// `style` resized to a longest side of `styleSide`, computed directly with `StyleLoss`.
    private func directTerms(at start: Image, style: Image, styleSide: Int) throws -> IterationRecord {
        let network = try cachedVGG19()
        let p = network.preprocessing, defaults = GatysOptions()
        let styleImage = style.resized(longestSide: styleSide)
        let loss = StyleLoss(network: network, content: p.tensor(rgb: content.samples, width: content.width, height: content.height),
                             styles: [(p.tensor(rgb: styleImage.samples, width: styleImage.width, height: styleImage.height), 1)],
                             contentLayers: defaults.contentLayers, styleLayers: defaults.styleLayers,
                             contentWeight: defaults.contentWeight, styleWeight: defaults.styleWeight,
                             tvWeight: defaults.tvWeight)
        return loss(p.tensor(rgb: start.samples, width: start.width, height: start.height)).terms
    }

    private func assertSameTerms(_ a: IterationRecord, _ b: IterationRecord, file: StaticString = #filePath, line: UInt = #line) {
        for (name, x, y) in [("total", a.total, b.total), ("content", a.content, b.content), ("style", a.style, b.style),
                             ("tv", a.tv, b.tv)] {
            XCTAssertEqual(x, y, accuracy: 1e-5 * abs(y), name, file: file, line: line)
        }
    }

    /// `--style-scale s`: each style picture is resized so its longest side is s times the
    /// output's (32 here), not its own: a 40×30 style at 0.75 becomes 24×18 (not 30×23).
    func testStyleScaleResizesStylesRelativeToTheOutput() throws {
        let wide = syntheticImage(width: 40, height: 30, phase: 3)
        var firstStyleTerms: [Float] = []
        for scale: Float in [1, 0.75] {
            let first = try run(options { $0.iterations = 1; $0.styleScale = scale }, styles: [wide]).1[0]
            assertSameTerms(first, try directTerms(at: content, style: wide, styleSide: Int((32 * scale).rounded())))
            firstStyleTerms.append(first.style)
        }
        XCTAssertGreaterThan(abs(firstStyleTerms[0] - firstStyleTerms[1]), 1e-2 * firstStyleTerms[0],
                             "the two scales should give different targets")
    }

    func testLayerWeightsScaleTheirTerms() throws {
        let base = try run(options { $0.iterations = 1 }).1[0]
        let weighted = try run(options {
            $0.iterations = 1
            $0.styleLayers = [WeightedLayer("relu1_1", weight: 2)]
        }).1[0]
        XCTAssertEqual(weighted.styleLayers["relu1_1"]!, 2 * base.styleLayers["relu1_1"]!,
                       accuracy: 1e-4 * base.styleLayers["relu1_1"]!)
    }

    /// `--init FILE`: the first evaluation is at that picture, resized to the content's size.
    func testInitialisationFromAPictureStartsAtThatPicture() throws {
        let start = syntheticImage(width: 40, height: 30, phase: 5)
        let first = try run(options { $0.iterations = 1; $0.initialization = .image(start) }).1[0]
        let expected = try directTerms(at: start.resized(width: content.width, height: content.height), style: style,
                                       styleSide: 32)
        XCTAssertGreaterThan(expected.content, 0)
        assertSameTerms(first, expected)
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
