import Foundation
import Models
import Tensor
import TensorCPU
import XCTest

/// VGG-19 features of a synthetic picture against values PyTorch computed with the same
/// weights and preprocessing (scripts/pytorch/vgg_fixture.py).
final class VGG19GoldenTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Layer: Decodable {
            let shape: [Int], mean: Double, rms: Double, indices: [Int], values: [Double]
        }
        let width: Int, height: Int, layers: [String: Layer]
    }

    func testEveryLayerMatchesPyTorchWithin1e4Relative() throws {
        if !Backend.isInstalled { Backend.current = CPUBackend() }
        let url = VGG19Weights.defaultURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            return XCTFail("VGG-19 weights missing at \(url.path): run 'make weights' (make test does)")
        }
        let fixtureURL = try XCTUnwrap(Bundle.module.url(forResource: "vgg19_features", withExtension: "json",
                                                         subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL))
        let network = try VGG19(contentsOf: url)

        var samples: [Float] = []
        for y in 0..<fixture.height {
            for x in 0..<fixture.width {
                for c in 0..<3 {
                    samples.append(Float(127.5 + 127.5 * sin(0.31 * Double(x) + 0.17 * Double(y * (c + 1)) + 1.3 * Double(c))))
                }
            }
        }
        let input = network.preprocessing.tensor(rgb: samples, width: fixture.width, height: fixture.height)
        let features = network.features(input, at: Set(VGG19.layerNames))
        XCTAssertEqual(features.count, 37)
        for name in VGG19.layerNames {
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

    func testForwardStopsAtTheDeepestRequestedLayer() throws {
        if !Backend.isInstalled { Backend.current = CPUBackend() }
        let conv = NamedArray(shape: [64, 3, 3, 3], values: Array(repeating: 0.01, count: 64 * 27))
        var tensors: [String: NamedArray] = [:]
        var inputs = 3
        for name in VGG19.layerNames where name.hasPrefix("conv") {
            let channels = name.hasPrefix("conv1") ? 64 : name.hasPrefix("conv2") ? 128 : name.hasPrefix("conv3") ? 256 : 512
            tensors[name + ".weight"] = name == "conv1_1" ? conv
                : NamedArray(shape: [channels, inputs, 3, 3], values: Array(repeating: 0, count: channels * inputs * 9))
            tensors[name + ".bias"] = NamedArray(shape: [channels], values: Array(repeating: 0, count: channels))
            inputs = channels
        }
        let network = try VGG19(tensors: tensors, preprocessing: .caffe, pooling: .average)
        let features = network.features(Tensor.full([1, 3, 8, 8], value: 1), at: ["relu1_2", "pool1"])
        XCTAssertEqual(Set(features.keys), ["relu1_2", "pool1"])
        XCTAssertEqual(features["pool1"]?.shape, [1, 64, 4, 4])
        tensors["conv3_2.weight"] = nil
        XCTAssertThrowsError(try VGG19(tensors: tensors, preprocessing: .caffe))
    }
}
