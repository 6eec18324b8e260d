/// A small ONNX model touching every part of the reader: typed and raw tensors of each element
/// type, each attribute type, a Constant node, graph inputs and outputs, and the operator set.
public enum ONNXSeed {
    static func tensor(_ name: String, shape: [Int], type: Int, raw: [UInt8]? = nil, floats: [Float] = [],
                       integers: [Int] = []) -> [UInt8] {
        var t = ProtobufWriter()
        t.packedIntegers(1, shape)
        t.integer(2, type)
        if !floats.isEmpty { t.packedFloats(4, floats) }
        if !integers.isEmpty { t.packedIntegers(7, integers) }
        t.string(8, name)
        if let raw { t.bytes(9, raw) }
        return t.bytes
    }

    static func attribute(_ name: String, type: Int, _ fill: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var a = ProtobufWriter()
        a.string(1, name)
        fill(&a)
        a.integer(20, type)
        return a.bytes
    }

    static func node(_ operation: String, inputs: [String], outputs: [String], attributes: [[UInt8]] = []) -> [UInt8] {
        var n = ProtobufWriter()
        for input in inputs { n.string(1, input) }
        for output in outputs { n.string(2, output) }
        n.string(3, operation.lowercased())
        n.string(4, operation)
        for attribute in attributes { n.bytes(5, attribute) }
        return n.bytes
    }

    static func valueInfo(_ name: String) -> [UInt8] {
        var v = ProtobufWriter()
        v.string(1, name)
        return v.bytes
    }

    /// The serialised ModelProto: an NHWC picture transposed to NCHW, a convolution, a QDQ pair,
    /// ReLU, a reflection padding, a nearest resize and a global average: a graph the importer's
    /// lowering accepts as a style predictor, with every tensor type and attribute type in it.
    public static func model() -> [UInt8] {
        var graph = ProtobufWriter()
        let nodes = [
            node("Transpose", inputs: ["x"], outputs: ["t"], attributes: [
                attribute("perm", type: 7) { $0.packedIntegers(8, [0, 3, 1, 2]) },
            ]),
            node("Conv", inputs: ["t", "w", "b"], outputs: ["c"], attributes: [
                attribute("strides", type: 7) { $0.packedIntegers(8, [1, 1]) },
                attribute("pads", type: 7) { $0.packedIntegers(8, [1, 1, 1, 1]) },
                attribute("group", type: 2) { $0.integer(3, 1) },
                attribute("kernel_shape", type: 7) { $0.packedIntegers(8, [3, 3]) },
            ]),
            node("Constant", inputs: [], outputs: ["s"], attributes: [
                attribute("value", type: 4) { $0.bytes(5, tensor("", shape: [], type: 1, floats: [0.5])) },
            ]),
            node("QuantizeLinear", inputs: ["c", "s", "z"], outputs: ["q"]),
            node("DequantizeLinear", inputs: ["q", "s", "z"], outputs: ["d"]),
            node("Relu", inputs: ["d"], outputs: ["r"]),
            node("Pad", inputs: ["r", "pads"], outputs: ["p"], attributes: [
                attribute("mode", type: 3) { $0.string(4, "reflect") },
            ]),
            node("Resize", inputs: ["p", "", "scales"], outputs: ["u"], attributes: [
                attribute("mode", type: 3) { $0.string(4, "nearest") },
                attribute("coordinate_transformation_mode", type: 3) { $0.string(4, "asymmetric") },
                attribute("nearest_mode", type: 3) { $0.string(4, "floor") },
                attribute("cubic_coeff_a", type: 1) { $0.float(2, -0.75) },
            ]),
            node("GlobalAveragePool", inputs: ["u"], outputs: ["y"]),
        ]
        for n in nodes { graph.bytes(1, n) }
        graph.string(2, "seed")
        graph.bytes(5, tensor("w", shape: [2, 3, 3, 3], type: 1, raw: Bytes.floats((0..<54).map { Float($0) / 64 })))
        graph.bytes(5, tensor("b", shape: [2], type: 1, floats: [0.5, -0.5]))
        graph.bytes(5, tensor("z", shape: [], type: 3, raw: [0xFE]))
        graph.bytes(5, tensor("pads", shape: [8], type: 7, integers: [0, 0, 1, 1, 0, 0, 1, 1]))
        graph.bytes(5, tensor("scales", shape: [4], type: 1, floats: [1, 1, 2, 2]))
        graph.bytes(5, tensor("unused-u8", shape: [2], type: 2, raw: [1, 255]))
        graph.bytes(5, tensor("unused-i32", shape: [2], type: 6, raw: Bytes.littleEndian(Int32(-3)) + Bytes.littleEndian(Int32(7))))
        graph.bytes(11, valueInfo("x"))
        graph.bytes(11, valueInfo("w"))
        graph.bytes(12, valueInfo("y"))
        var opset = ProtobufWriter()
        opset.string(1, "")
        opset.integer(2, 13)
        var model = ProtobufWriter()
        model.integer(1, 8) // ir_version
        model.string(2, "fuzz-seed") // producer_name
        model.bytes(7, graph.bytes)
        model.bytes(8, opset.bytes)
        return model.bytes
    }
}
