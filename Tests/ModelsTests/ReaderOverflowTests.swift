import Foundation
import Models
import XCTest

/// Values in model files whose arithmetic used to overflow (a trap, so a crash of the whole
/// program) and are now refused with one line: found by the fuzz harnesses (Fuzz/,
/// scripts/fuzz.sh) or while writing them.
final class ReaderOverflowTests: XCTestCase {
    /// fuzz-onnx: an int64 tensor holding Int64.max became a `Float` of 2⁶³, and turning that
    /// back into an `Int` (as Pad's amounts and Reshape's target are read) trapped.
    func testONNXIntegersOutsideIntAreNil() throws {
        let model = try ONNXModel(bytes: ONNXBytes.model(nodes: [], initializers: [
            ONNXBytes.tensor("big", shape: [2], type: 7, integers: [1, Int(Int64.max)]),
            ONNXBytes.tensor("nan", shape: [1], type: 1, floats: [.nan]),
            ONNXBytes.tensor("small", shape: [2], type: 7, integers: [-3, 4]),
        ], inputs: ["x"], output: "x"))
        XCTAssertNil(model.constants["big"]?.integers)
        XCTAssertNil(model.constants["nan"]?.integers)
        XCTAssertEqual(model.constants["small"]?.integers, [-3, 4])
    }

    /// Sizes whose product overflows wrapped to a small number and passed the size check.
    func testONNXShapeWhoseProductOverflowsIsRefused() {
        let bytes = ONNXBytes.model(nodes: [], initializers: [ONNXBytes.tensor("t", shape: [1 << 32, 1 << 32], type: 1)],
                                    inputs: ["x"], output: "x")
        assertRefuses("tensor 't' has an impossible shape [4294967296, 4294967296]") { try ONNXModel(bytes: bytes) }
    }

    /// A Resize by an infinite factor passed every check and trapped turning it into an `Int`.
    func testONNXResizeByAnInfiniteFactorIsRefused() throws {
        let resize = ONNXBytes.node("Resize", inputs: ["x", "", "scales"], outputs: ["u"], strings: [
            ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor")])
        let pool = ONNXBytes.node("GlobalAveragePool", inputs: ["u"], outputs: ["y"])
        for factor: Float in [.infinity, 1e30] {
            let model = try ONNXModel(bytes: ONNXBytes.model(
                nodes: [resize, pool], initializers: [ONNXBytes.tensor("scales", shape: [4], type: 1, floats: [1, factor, factor, 1])],
                inputs: ["x"], output: "y"))
            assertRefuses("Resize 'resize' is not a nearest-neighbour enlargement by a whole factor") {
                try MagentaImport.arbitraryStyle(predictor: model, transformer: model, source: ("p.onnx", "t.onnx"))
            }
        }
    }

    /// Stored programs' counts, paddings, groups and factors are any `Int` the text holds.
    func testProgramsWhoseShapesOverflowAreRefused() throws {
        assertRefuses("a program of 9223372036854775807 inputs") {
            try TensorProgram(text: "inputs 9223372036854775807\nrelu %0\nreturn %1")
        }
        let picture = [[1, 3, 16, 16]], weight = [[2, 3, 1, 1]]
        for step in ["upsample %0 factor=4611686018427387904", "upsample %0 factor=4294967296",
                     "conv %0 weight=0 stride=1 pad=9223372036854775807,9223372036854775807,0,0 groups=1",
                     "conv %0 weight=0 stride=1 pad=0,0,0,0 groups=4611686018427387904"] {
            let program = try TensorProgram(text: "inputs 1\n\(step)\nreturn %1")
            assertRefuses("step 0") { try program.shapes(inputs: picture, constants: weight) }
        }
    }

    /// The arbitrary-style network multiplied its transformer's strides without a bound.
    func testArbitraryStyleNetworkWithHugeStridesIsRefused() throws {
        let predictor = try TensorProgram(text: "inputs 1\nmean %0\nreturn %1")
        let transformer = try TensorProgram(text: "inputs 2\nconv %0 weight=0 stride=4294967296 pad=0,0,0,0 groups=1\n"
                                            + "conv %2 weight=0 stride=4294967296 pad=0,0,0,0 groups=1\nreturn %3")
        let weight = NamedArray(shape: [3, 3, 1, 1], values: [Float](repeating: 0, count: 9))
        assertRefuses("does not paint pictures the size it is given") {
            try MagentaArbitraryNetwork(predictor: predictor, predictorConstants: [], transformer: transformer,
                                        transformerConstants: [weight])
        }
    }
}

/// ONNX files written field by field (protocol-buffer wire format).
enum ONNXBytes {
    private static func varint(_ value: UInt64) -> [UInt8] {
        var (value, out) = (value, [UInt8]())
        while value >= 0x80 { out.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
        return out + [UInt8(value)]
    }
    private static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
    }
    private static func field(_ number: Int, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }
    private static func field(_ number: Int, integer: Int) -> [UInt8] {
        varint(UInt64(number << 3)) + varint(UInt64(bitPattern: Int64(integer)))
    }

    static func tensor(_ name: String, shape: [Int], type: Int, floats: [Float] = [], integers: [Int] = []) -> [UInt8] {
        var t = field(1, shape.flatMap { varint(UInt64(bitPattern: Int64($0))) }) + field(2, integer: type)
        if !floats.isEmpty { t += field(4, floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }) }
        if !integers.isEmpty { t += field(7, integers.flatMap { varint(UInt64(bitPattern: Int64($0))) }) }
        return t + field(8, name)
    }

    static func node(_ operation: String, inputs: [String], outputs: [String], strings: [(String, String)] = []) -> [UInt8] {
        var n = inputs.flatMap { field(1, $0) } + outputs.flatMap { field(2, $0) }
        n += field(3, operation.lowercased()) + field(4, operation)
        for (name, value) in strings { n += field(5, field(1, name) + field(4, value) + field(20, integer: 3)) }
        return n
    }

    static func model(nodes: [[UInt8]], initializers: [[UInt8]], inputs: [String], output: String) -> [UInt8] {
        var graph = nodes.flatMap { field(1, $0) } + initializers.flatMap { field(5, $0) }
        graph += inputs.flatMap { field(11, field(1, $0)) } + field(12, field(1, output))
        return field(7, graph) + field(8, field(1, "") + field(2, integer: 13))
    }
}

/// Model files whose sizes alone claimed a network far larger than the file.
final class ModelFileSizeTests: XCTestCase {
    /// A first convolution of [2³⁰, 3, 0, 0] has no elements, so it needs no bytes, yet it made
    /// the reader build a TransformerNet 2³⁰ channels wide (exabytes) to compare shapes with.
    func testTransformerNetWidthMustBeBackedByItsWeights() throws {
        let arrays = ["conv1.conv2d.weight": NamedArray(shape: [1 << 30, 3, 0, 0], values: []),
                      "in1.weight": NamedArray(shape: [1], values: [1])]
        let data = try SafeTensors.encode(arrays, metadata: StyleModelFile.baseMetadata(channels: 1 << 30))
        assertRefuses("does not hold a TransformerNet") { try StyleModelFile(bytes: data, source: "wide.safetensors") }
    }
}
