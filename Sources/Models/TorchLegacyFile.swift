import Foundation

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
            throw WeightsFormatError("not a legacy torch.save file (no magic number)")
        }
        guard case .int(1001) = try reader.next() else { throw WeightsFormatError("unsupported torch.save protocol version") }
        _ = try reader.next() // system info: endianness and type sizes
        guard case .dict(let entries) = try reader.next() else {
            throw WeightsFormatError("the saved object is not a dict of tensors")
        }
        guard case .list(let keyValues) = try reader.next() else { throw WeightsFormatError("storage key list missing") }

        var storages: [String: (type: String, data: ArraySlice<UInt8>)] = [:]
        var types: [String: String] = [:]
        var tensors: [(name: String, reference: TorchTensorReference)] = []
        for (key, value) in entries {
            guard case .string(let name) = key else { throw WeightsFormatError("a dict key is not a string") }
            tensors.append((name, try tensorReference(value, name: name)))
            types[tensors.last!.reference.storageKey] = tensors.last!.reference.storageType
        }
        for case .string(let key) in keyValues {
            let count = Int(truncatingIfNeeded: try reader.littleEndian(8))
            guard count >= 0, count < 1 << 40 else { throw WeightsFormatError("storage \(key) has a bad length") }
            guard let type = types[key] else { throw WeightsFormatError("storage \(key) is not used by any tensor") }
            storages[key] = (type, try reader.take(count * elementSize(type)))
        }

        var result: [String: NamedArray] = [:]
        for (name, tensor) in tensors {
            guard let storage = storages[tensor.storageKey] else {
                throw WeightsFormatError("storage \(tensor.storageKey) missing")
            }
            let count = tensor.count
            let size = elementSize(tensor.storageType)
            let start = storage.data.startIndex + tensor.offset * size
            guard start + count * size <= storage.data.endIndex else {
                throw WeightsFormatError("tensor \(name) runs past its storage")
            }
            let bytes = storage.data[start..<(start + count * size)]
            let values = tensor.storageType == "torch.ByteStorage" ? bytes.map(Float.init) : littleEndianFloats(bytes)
            result[name] = NamedArray(shape: tensor.shape, values: values)
        }
        return result
    }

    private static func elementSize(_ type: String) -> Int { type == "torch.ByteStorage" ? 1 : 4 }

    /// A float32 or uint8 contiguous tensor's reference.
    private static func tensorReference(_ value: PickleValue, name: String) throws -> TorchTensorReference {
        let tensor = try TorchTensorReference(value, name: name)
        guard ["torch.FloatStorage", "torch.ByteStorage"].contains(tensor.storageType) else {
            throw WeightsFormatError("unsupported storage type \(tensor.storageType) (only float32 and uint8)")
        }
        guard tensor.isContiguous else { throw WeightsFormatError("non-contiguous tensor \(name) in weights file") }
        return tensor
    }
}
