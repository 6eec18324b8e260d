import Foundation
import Models
import Tensor
import TensorCPU
import XCTest

/// VGG features of a synthetic picture against values PyTorch computed with the same weights
/// and preprocessing (scripts/pytorch/vgg_fixture.py and vgg16_fixture.py).
final class VGGGoldenTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Layer: Decodable {
            let shape: [Int], mean: Double, rms: Double, indices: [Int], values: [Double]
        }
        let width: Int, height: Int, layers: [String: Layer]
    }

    override func setUp() {
        if !Backend.isInstalled { Backend.current = CPUBackend() }
    }

    func testEveryVGG19LayerMatchesPyTorchWithin1e4Relative() throws {
        let url = VGGWeights.defaultURL(for: .vgg19)
        guard FileManager.default.fileExists(atPath: url.path) else {
            return XCTFail("VGG-19 weights missing at \(url.path): run 'make weights' (make test does)")
        }
        try compare(try VGG(contentsOf: url, expecting: .vgg19), fixture: "vgg19_features")
    }

    func testEveryVGG16LayerMatchesPyTorchWithin1e4Relative() throws {
        let url = VGGWeights.defaultURL(for: .vgg16)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("VGG-16 weights missing at \(url.path): run 'make weights' to compare them with PyTorch")
        }
        let network = try VGG(contentsOf: url, expecting: .vgg16)
        XCTAssertEqual(network.preprocessing, .torchvision)
        try compare(network, fixture: "vgg16_features")
    }

    /// The importer's first kernel row, as torchvision's VGG-16 has it (transposed, not flipped).
    func testVGG16FileHoldsTorchvisionsFirstKernel() throws {
        let url = VGGWeights.defaultURL(for: .vgg16)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("VGG-16 weights missing at \(url.path): run 'make weights'")
        }
        let (tensors, metadata) = try SafeTensors.decode(try Data(contentsOf: url))
        XCTAssertEqual(metadata["architecture"], "vgg16")
        XCTAssertEqual(metadata["preprocessing"], "torchvision")
        let kernel = try XCTUnwrap(tensors["conv1_1.weight"])
        XCTAssertEqual(kernel.shape, [64, 3, 3, 3])
        for (actual, expected) in zip(kernel.values.prefix(3), [-0.5537, 0.1427, 0.5290] as [Float]) {
            XCTAssertEqual(actual, expected, accuracy: 1e-4)
        }
        XCTAssertEqual(tensors.count, 26)
    }

    private func compare(_ network: VGG, fixture name: String) throws {
        let fixtureURL = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL))
        var samples: [Float] = []
        for y in 0..<fixture.height {
            for x in 0..<fixture.width {
                for c in 0..<3 {
                    samples.append(Float(127.5 + 127.5 * sin(0.31 * Double(x) + 0.17 * Double(y * (c + 1)) + 1.3 * Double(c))))
                }
            }
        }
        let input = network.preprocessing.tensor(rgb: samples, width: fixture.width, height: fixture.height)
        let features = network.features(input, at: Set(network.layerNames))
        XCTAssertEqual(features.count, network.layerNames.count)
        XCTAssertEqual(Set(fixture.layers.keys), Set(network.layerNames))
        for name in network.layerNames {
            let expected = try XCTUnwrap(fixture.layers[name]), actual = try XCTUnwrap(features[name])
            XCTAssertEqual(actual.shape, expected.shape, name)
            let values = actual.toArray().map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let rms = (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
            XCTAssertLessThanOrEqual(abs(mean - expected.mean), 1e-4 * max(abs(expected.mean), expected.rms), name)
            XCTAssertLessThanOrEqual(abs(rms - expected.rms), 1e-4 * expected.rms, name)
            for (index, value) in zip(expected.indices, expected.values) {
                XCTAssertLessThanOrEqual(abs(values[index] - value), 1e-4 * max(abs(value), expected.rms),
                                         "\(name)[\(index)]: \(values[index]) vs PyTorch \(value)")
            }
        }
    }

    /// Zero weights everywhere but conv1_1 (which `architecture` need not use beyond block 1).
    private func syntheticTensors(_ architecture: VGG.Architecture) -> [String: NamedArray] {
        var tensors: [String: NamedArray] = [:]
        var inputs = 3
        for (blockIndex, block) in architecture.blocks.enumerated() {
            for k in 1...block.convolutions {
                let name = "conv\(blockIndex + 1)_\(k)", channels = block.channels
                tensors[name + ".weight"] = NamedArray(shape: [channels, inputs, 3, 3], values: Array(
                    repeating: name == "conv1_1" ? 0.01 : 0, count: channels * inputs * 9))
                tensors[name + ".bias"] = NamedArray(shape: [channels], values: Array(repeating: 0, count: channels))
                inputs = channels
            }
        }
        return tensors
    }

    func testForwardStopsAtTheDeepestRequestedLayer() throws {
        var tensors = syntheticTensors(.vgg19)
        let network = try VGG(architecture: .vgg19, tensors: tensors, preprocessing: .caffe, pooling: .average)
        let features = network.features(Tensor.full([1, 3, 8, 8], value: 1), at: ["relu1_2", "pool1"])
        XCTAssertEqual(Set(features.keys), ["relu1_2", "pool1"])
        XCTAssertEqual(features["pool1"]?.shape, [1, 64, 4, 4])
        tensors["conv3_2.weight"] = nil
        XCTAssertThrowsError(try VGG(architecture: .vgg19, tensors: tensors, preprocessing: .caffe))
    }

    func testArchitecturesNameTheirLayersAndRefuseEachOthersWeights() throws {
        XCTAssertEqual(VGG.Architecture.vgg19.layerNames.count, 37)
        XCTAssertEqual(VGG.Architecture.vgg16.layerNames.count, 31)
        XCTAssertEqual(Array(VGG.Architecture.vgg16.layerNames.suffix(7)),
                       ["conv5_1", "relu5_1", "conv5_2", "relu5_2", "conv5_3", "relu5_3", "pool5"])
        XCTAssertFalse(VGG.Architecture.vgg16.layerNames.contains("relu3_4"))
        XCTAssertEqual(VGG.Architecture.vgg16.minimumInputSide(for: ["relu5_3"]), 16)
        XCTAssertEqual(VGG.Architecture.vgg16.minimumInputSide(for: ["pool5"]), 32)

        let network = try VGG(architecture: .vgg16, tensors: syntheticTensors(.vgg16), preprocessing: .torchvision)
        XCTAssertEqual(network.layerNames, VGG.Architecture.vgg16.layerNames)
        XCTAssertThrowsError(try VGG(architecture: .vgg19, tensors: syntheticTensors(.vgg16), preprocessing: .caffe)) {
            XCTAssertTrue("\($0)".contains("VGG-19 weights lack a 256×256×3×3 conv3_4"), "\($0)")
        }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("vgg16.safetensors")
        try SafeTensors.encode([:], metadata: VGGWeights.metadata(for: .vgg16, source: "test")).write(to: file)
        XCTAssertThrowsError(try VGG(contentsOf: file, expecting: .vgg19)) {
            XCTAssertTrue("\($0)".hasSuffix("holds VGG-16, not VGG-19"), "\($0)")
        }
    }
}
