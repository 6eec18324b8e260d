/// One field of a protocol-buffer message, as the wire format carries it (no schema).
public enum ProtobufValue {
    /// Wire type 0: an unsigned varint (int32, int64, enums and bools are read from it).
    case varint(UInt64)
    /// Wire type 1: eight little-endian bytes (double, fixed64).
    case fixed64(UInt64)
    /// Wire type 2: bytes (strings, nested messages, packed repeated numbers).
    case bytes(ArraySlice<UInt8>)
    /// Wire type 5: four little-endian bytes (float, fixed32).
    case fixed32(UInt32)
}

/// Reads the fields of a protocol-buffer message in the order they were written. Every length
/// is checked against the bytes that remain; group wire types and over-long varints are refused.
public struct ProtobufReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    /// A reader over one message's bytes.
    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// The next field number and value, or nil at the end of the message.
    public mutating func next() throws -> (field: Int, value: ProtobufValue)? {
        guard position < bytes.endIndex else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        guard field > 0 else { throw WeightsFormatError("protobuf field number 0") }
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try littleEndian(8)))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - position) else {
                throw WeightsFormatError("protobuf field \(field) runs past the end of its message")
            }
            let start = position
            position += Int(length)
            return (field, .bytes(bytes[start..<position]))
        case 5: return (field, .fixed32(UInt32(try littleEndian(4))))
        default: throw WeightsFormatError("protobuf wire type \(key & 7) (field \(field)) is not supported")
        }
    }

    /// Every field, in order.
    public mutating func fields() throws -> [(field: Int, value: ProtobufValue)] {
        var result: [(field: Int, value: ProtobufValue)] = []
        while let field = try next() { result.append(field) }
        return result
    }

    private mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard position < bytes.endIndex else { throw WeightsFormatError("protobuf message ends inside a number") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw WeightsFormatError("protobuf varint longer than 10 bytes")
    }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        guard bytes.endIndex - position >= count else { throw WeightsFormatError("protobuf message ends inside a number") }
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(bytes[position + index]) << UInt64(8 * index) }
        position += count
        return value
    }
}

extension ProtobufValue {
    /// The field as an integer (varints are two's complement for negative int64s).
    public var integer: Int? {
        if case let .varint(value) = self { return Int(truncatingIfNeeded: value) }
        return nil
    }

    /// The field as UTF-8 text.
    public var string: String? {
        if case let .bytes(bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The field as a nested message's bytes.
    public var message: ArraySlice<UInt8>? {
        if case let .bytes(bytes) = self { return bytes }
        return nil
    }

    /// The field as a float (wire type 5).
    public var float: Float? {
        if case let .fixed32(bits) = self { return Float(bitPattern: bits) }
        return nil
    }

    /// Integers of a repeated field: one varint, or a packed run of them.
    public func integers() throws -> [Int] {
        switch self {
        case let .varint(value): return [Int(truncatingIfNeeded: value)]
        case let .bytes(bytes):
            var reader = ProtobufReader(bytes)
            var result: [Int] = []
            while reader.hasMore { result.append(Int(truncatingIfNeeded: try reader.packedVarint())) }
            return result
        default: throw WeightsFormatError("protobuf field is not a list of integers")
        }
    }

    /// Floats of a repeated field: one fixed32, or a packed run of them.
    public func floats() throws -> [Float] {
        switch self {
        case let .fixed32(bits): return [Float(bitPattern: bits)]
        case let .bytes(bytes):
            guard bytes.count % 4 == 0 else { throw WeightsFormatError("packed floats are not a whole number of floats") }
            return stride(from: bytes.startIndex, to: bytes.endIndex, by: 4).map { start in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[start + $1]) << UInt32(8 * $1) })
            }
        default: throw WeightsFormatError("protobuf field is not a list of floats")
        }
    }
}

extension ProtobufReader {
    /// Whether bytes remain.
    var hasMore: Bool { position < bytes.endIndex }

    /// One varint of a packed repeated field.
    mutating func packedVarint() throws -> UInt64 { try varint() }
}
