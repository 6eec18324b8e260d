import Foundation

/// A tensor read from a weights file: its shape and its elements as `Float`
/// (`uint8` storages are widened; they hold quantisation codes).
public struct NamedArray: Equatable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Elements in row-major order.
    public let values: [Float]

    /// Pairs `values` with `shape`.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// Reads the legacy (pre-1.6, non-zip) `torch.save` stream: five pickles (magic number,
/// protocol version, system info, the object, the storage keys) followed by each storage
/// as an int64 element count and its raw little-endian bytes.
///
/// Only a flat dict of contiguous `FloatStorage`/`ByteStorage` tensors is accepted.
public enum TorchLegacyFile {
    /// 0x1950a86a20f9469cfc6c, little-endian.
    private static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// The dict of tensors stored in `data`.
    public static func read(_ data: [UInt8]) throws -> [String: NamedArray] {
        var reader = PickleReader(data)
        guard case .wideInt(magic) = try? reader.next() else {
            throw WeightsFormatError("not a legacy torch.save file (no magic number; zip-format files are not supported)")
        }
        guard case .int(1001) = try reader.next() else { throw WeightsFormatError("unsupported torch.save protocol version") }
        _ = try reader.next() // system info: endianness and type sizes
        guard case .dict(let entries) = try reader.next() else {
            throw WeightsFormatError("the saved object is not a dict of tensors")
        }
        guard case .list(let keyValues) = try reader.next() else { throw WeightsFormatError("storage key list missing") }

        var storages: [String: (type: String, data: ArraySlice<UInt8>)] = [:]
        var types: [String: String] = [:]
        for (_, value) in entries {
            let description = try tensorDescription(value)
            types[description.key] = description.type
        }
        for case .string(let key) in keyValues {
            let count = Int(truncatingIfNeeded: try reader.littleEndian(8))
            guard count >= 0, count < 1 << 40 else { throw WeightsFormatError("storage \(key) has a bad length") }
            guard let type = types[key] else { throw WeightsFormatError("storage \(key) is not used by any tensor") }
            storages[key] = (type, try reader.take(count * elementSize(type)))
        }

        var result: [String: NamedArray] = [:]
        for (name, value) in entries {
            guard case .string(let name) = name else { throw WeightsFormatError("a dict key is not a string") }
            let tensor = try tensorDescription(value)
            guard let storage = storages[tensor.key] else { throw WeightsFormatError("storage \(tensor.key) missing") }
            let count = tensor.shape.reduce(1, *)
            let size = elementSize(tensor.type)
            let start = storage.data.startIndex + tensor.offset * size
            guard start + count * size <= storage.data.endIndex else {
                throw WeightsFormatError("tensor \(name) runs past its storage")
            }
            let bytes = storage.data[start..<(start + count * size)]
            let values: [Float] = tensor.type == "torch.ByteStorage"
                ? bytes.map(Float.init)
                : stride(from: bytes.startIndex, to: bytes.endIndex, by: 4).map { i in
                    Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8
                                      | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                }
            result[name] = NamedArray(shape: tensor.shape, values: values)
        }
        return result
    }

    private static func elementSize(_ type: String) -> Int { type == "torch.ByteStorage" ? 1 : 4 }

    /// Interprets `_rebuild_tensor_v2(storage, offset, size, stride, ...)`.
    private static func tensorDescription(_ value: PickleValue) throws
        -> (key: String, type: String, offset: Int, shape: [Int]) {
        guard case .reduce(.global("torch._utils._rebuild_tensor_v2"), .tuple(let arguments)) = value,
              arguments.count >= 4,
              case .persistent(.tuple(let storage)) = arguments[0], storage.count >= 5,
              case .global(let type) = storage[1], case .string(let key) = storage[2],
              case .int(let offset) = arguments[1],
              case .tuple(let sizes) = arguments[2], case .tuple(let strides) = arguments[3]
        else { throw WeightsFormatError("a dict value is not a plain tensor") }
        guard ["torch.FloatStorage", "torch.ByteStorage"].contains(type) else {
            throw WeightsFormatError("unsupported storage type \(type) (only float32 and uint8)")
        }
        let shape = try sizes.map { guard case .int(let v) = $0, v >= 0, v < 1 << 31 else { throw WeightsFormatError("bad tensor size") }; return v }
        guard offset >= 0 else { throw WeightsFormatError("bad tensor offset") }
        let stride = try strides.map { guard case .int(let v) = $0 else { throw WeightsFormatError("bad tensor stride") }; return v }
        var expected = 1
        for (size, step) in zip(shape, stride).reversed() {
            guard size == 1 || step == expected else { throw WeightsFormatError("non-contiguous tensor in weights file") }
            expected *= size
        }
        return (key, type, offset, shape)
    }
}
