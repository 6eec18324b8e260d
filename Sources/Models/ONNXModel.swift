import Foundation

/// A constant tensor of an ONNX file (an initializer or a `Constant` node's value).
public struct ONNXTensor {
    /// ONNX element types this reader understands, by their `TensorProto.DataType` numbers.
    public enum ElementType: Int {
        case float = 1, uint8 = 2, int8 = 3, int32 = 6, int64 = 7
        var byteWidth: Int { [.float: 4, .uint8: 1, .int8: 1, .int32: 4, .int64: 8][self]! }
    }

    /// Its name in the graph.
    public var name: String
    /// Its dimensions (empty for a scalar).
    public var shape: [Int]
    /// Its element type.
    public var elementType: ElementType
    /// Its elements, converted to `Float` (exactly, for the integer types that occur in models).
    public var values: [Float]

    /// The elements as integers (for shapes, axes and quantisation zero points), or nil unless
    /// every one is a whole number in `Int`'s range (a float tensor may hold anything).
    public var integers: [Int]? {
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let integer = Int(exactly: value) else { return nil }
            result.append(integer)
        }
        return result
    }

    /// Decodes a `TensorProto`: raw little-endian data or the typed repeated fields.
    init(proto: ArraySlice<UInt8>) throws {
        var reader = ProtobufReader(proto)
        var (name, shape, type) = ("", [Int](), 0)
        var raw: ArraySlice<UInt8>?
        var typed: [Float] = []
        while let (field, value) = try reader.next() {
            switch field {
            case 1: shape += try value.integers()
            case 2: type = value.integer ?? 0
            case 4: typed += try value.floats()
            case 5, 7: typed += try value.integers().map(Float.init)
            case 8: name = value.string ?? ""
            case 9: raw = value.message
            case 14 where value.integer == 1:
                throw WeightsFormatError("tensor '\(name)' keeps its data in an external file, which is not supported")
            default: break
            }
        }
        guard let elementType = ElementType(rawValue: type) else {
            throw WeightsFormatError("tensor '\(name)' has ONNX element type \(type), which is not supported")
        }
        // The product of the sizes, stopping at 2³¹ (an overflowing product's wrapped value may be small).
        let count = shape.reduce(1) { product, size in
            let next = product.multipliedReportingOverflow(by: size)
            return next.overflow || next.partialValue >= 1 << 31 ? 1 << 31 : next.partialValue
        }
        guard shape.allSatisfy({ $0 >= 0 }), count < 1 << 31 else {
            throw WeightsFormatError("tensor '\(name)' has an impossible shape \(shape)")
        }
        if let raw {
            guard raw.count == count * elementType.byteWidth else {
                throw WeightsFormatError("tensor '\(name)' holds \(raw.count) bytes for \(count) elements")
            }
            typed = ONNXTensor.decode(raw, as: elementType)
        }
        guard typed.count == count else {
            throw WeightsFormatError("tensor '\(name)' holds \(typed.count) values for shape \(shape)")
        }
        (self.name, self.shape, self.elementType, values) = (name, shape, elementType, typed)
    }

    private static func decode(_ raw: ArraySlice<UInt8>, as type: ElementType) -> [Float] {
        let bytes = Array(raw)
        return bytes.withUnsafeBytes { buffer in
            switch type {
            case .float: return (0..<bytes.count / 4).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .uint8: return bytes.map { Float($0) }
            case .int8: return bytes.map { Float(Int8(bitPattern: $0)) }
            case .int32: return (0..<bytes.count / 4).map { Float(Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .int64: return (0..<bytes.count / 8).map { Float(Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            }
        }
    }
}

/// An attribute of an ONNX node.
public enum ONNXAttribute {
    case float(Float), integer(Int), string(String), tensor(ONNXTensor), floats([Float]), integers([Int])

    /// Decodes an `AttributeProto` into its name and value; graph-valued attributes are refused.
    static func decode(_ proto: ArraySlice<UInt8>) throws -> (name: String, value: ONNXAttribute) {
        var reader = ProtobufReader(proto)
        var name = ""
        var (float, integer, string, tensor): (Float?, Int?, String?, ONNXTensor?) = (nil, nil, nil, nil)
        var (floats, integers, type) = ([Float](), [Int](), 0)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: name = value.string ?? ""
            case 2: float = value.float
            case 3: integer = value.integer
            case 4: string = value.string
            case 5: tensor = try value.message.map(ONNXTensor.init(proto:))
            case 6, 11: throw WeightsFormatError("attribute '\(name)' holds a subgraph, which is not supported")
            case 7: floats += try value.floats()
            case 8: integers += try value.integers()
            case 20: type = value.integer ?? 0
            default: break
            }
        }
        switch type {
        case 1: if let float { return (name, .float(float)) }
        case 2: if let integer { return (name, .integer(integer)) }
        case 3: if let string { return (name, .string(string)) }
        case 4: if let tensor { return (name, .tensor(tensor)) }
        case 6: return (name, .floats(floats))
        case 7: return (name, .integers(integers))
        default: break
        }
        throw WeightsFormatError("attribute '\(name)' has a type (\(type)) this reader does not support")
    }
}

/// One operation of an ONNX graph.
public struct ONNXNode {
    /// The operator (`Conv`, `Add`, `QuantizeLinear`, …).
    public var operation: String
    /// The node's name (may be empty).
    public var name: String
    /// Names of the values it reads (an empty name is an omitted optional input).
    public var inputs: [String]
    /// Names of the values it writes.
    public var outputs: [String]
    /// Its attributes by name.
    public var attributes: [String: ONNXAttribute]

    /// An integer list attribute (`strides`, `pads`, …), or nil.
    public func integers(_ name: String) -> [Int]? {
        switch attributes[name] {
        case let .integers(values): return values
        case let .integer(value): return [value]
        default: return nil
        }
    }

    /// An integer attribute, or nil.
    public func integer(_ name: String) -> Int? {
        if case let .integer(value) = attributes[name] { return value }
        return nil
    }

    /// A string attribute, or nil.
    public func string(_ name: String) -> String? {
        if case let .string(value) = attributes[name] { return value }
        return nil
    }
}

/// The graph of an ONNX model file: nodes in the file's order (not always a topological one),
/// constant tensors by name, and the names of its inputs and outputs. A hand-written reader of
/// the protobuf wire format: it runs nothing and refuses what it does not understand with one line.
public struct ONNXModel {
    /// The operations, in the file's order.
    public var nodes: [ONNXNode]
    /// Initializers and `Constant` nodes' values, by the name the graph uses for them.
    public var constants: [String: ONNXTensor]
    /// The graph's runtime inputs (initializers excluded).
    public var inputs: [String]
    /// The graph's outputs.
    public var outputs: [String]
    /// The default-domain operator set version.
    public var opsetVersion: Int

    /// Reads an ONNX file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsFormatError("cannot read the ONNX file \(path)")
        }
        do { try self.init(bytes: [UInt8](data)) } catch let error as WeightsFormatError {
            throw WeightsFormatError("\(path) is not an ONNX model this version reads (\(error))")
        }
    }

    /// Decodes a serialised `ModelProto`.
    public init(bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes[...])
        var graph: ArraySlice<UInt8>?
        var opset: Int?
        while let (field, value) = try reader.next() {
            switch field {
            case 7: graph = value.message
            case 8:
                var entry = ProtobufReader(value.message ?? [])
                var (domain, version) = ("", 0)
                while let (f, v) = try entry.next() {
                    if f == 1 { domain = v.string ?? "" } else if f == 2 { version = v.integer ?? 0 }
                }
                if domain.isEmpty || domain == "ai.onnx" { opset = version }
            default: break
            }
        }
        guard let graph, let opset else { throw WeightsFormatError("no graph or no operator set") }
        (nodes, constants, inputs, outputs, opsetVersion) = ([], [:], [], [], opset)
        var graphReader = ProtobufReader(graph)
        var declaredInputs: [String] = []
        while let (field, value) = try graphReader.next() {
            guard let message = value.message else { continue }
            switch field {
            case 1: nodes.append(try ONNXModel.node(message))
            case 5:
                let tensor = try ONNXTensor(proto: message)
                constants[tensor.name] = tensor
            case 11: declaredInputs.append(try ONNXModel.valueName(message))
            case 12: outputs.append(try ONNXModel.valueName(message))
            case 15: throw WeightsFormatError("sparse initializers are not supported")
            default: break
            }
        }
        for node in nodes where node.operation == "Constant" {
            guard case let .tensor(value)? = node.attributes["value"], let output = node.outputs.first else {
                throw WeightsFormatError("a Constant node without a tensor value")
            }
            constants[output] = value
        }
        inputs = declaredInputs.filter { constants[$0] == nil }
    }

    private static func node(_ proto: ArraySlice<UInt8>) throws -> ONNXNode {
        var reader = ProtobufReader(proto)
        var node = ONNXNode(operation: "", name: "", inputs: [], outputs: [], attributes: [:])
        var domain = ""
        while let (field, value) = try reader.next() {
            switch field {
            case 1: node.inputs.append(value.string ?? "")
            case 2: node.outputs.append(value.string ?? "")
            case 3: node.name = value.string ?? ""
            case 4: node.operation = value.string ?? ""
            case 5:
                let (name, attribute) = try ONNXAttribute.decode(value.message ?? [])
                node.attributes[name] = attribute
            case 7: domain = value.string ?? ""
            default: break
            }
        }
        guard domain.isEmpty || domain == "ai.onnx" else {
            throw WeightsFormatError("node '\(node.name)' uses operator domain '\(domain)', which is not supported")
        }
        return node
    }

    private static func valueName(_ proto: ArraySlice<UInt8>) throws -> String {
        var reader = ProtobufReader(proto)
        while let (field, value) = try reader.next() {
            if field == 1 { return value.string ?? "" }
        }
        return ""
    }

    /// The node that writes `value`, or nil for graph inputs and constants.
    public func producer(of value: String) -> ONNXNode? { nodes.first { $0.outputs.contains(value) } }

    /// The nodes that read `value`.
    public func consumers(of value: String) -> [ONNXNode] { nodes.filter { $0.inputs.contains(value) } }
}
