/// Reads the zip format of `torch.save` (PyTorch 1.6 and later) holding a state dict:
/// `ARCHIVE/data.pkl` (a protocol-2 pickle of an OrderedDict of tensors) and each storage's
/// raw little-endian bytes in `ARCHIVE/data/KEY`.
///
/// Only float32 tensors come back; int64 scalars (BatchNorm's `num_batches_tracked`) are
/// skipped. The pickle may name nothing but the OrderedDict, the tensor rebuilder and the two
/// storage classes; those are interpreted, never called.
public enum TorchZipFile {
    private static let acceptedGlobals: Set<String> = ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                                       "torch.FloatStorage", "torch.LongStorage"]

    /// Whether `data` starts like a zip file.
    public static func isZip(_ data: [UInt8]) -> Bool { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// The float32 tensors of the state dict stored in `data`, by name.
    public static func read(_ data: [UInt8]) throws -> [String: NamedArray] {
        let archive = try StoredZipArchive(data)
        // The archive's one folder is named after the file torch.save first wrote.
        guard let pickleName = archive.names.first(where: {
            $0.hasSuffix("/data.pkl") && $0.filter { $0 == "/" }.count == 1
        }), let pickle = archive.entry(pickleName) else {
            throw WeightsFormatError("the zip file has no ARCHIVE/data.pkl; it was not written by torch.save")
        }
        let folder = String(pickleName.dropLast("data.pkl".count))
        if let order = archive.entry(folder + "byteorder"), String(decoding: order, as: UTF8.self) != "little" {
            throw WeightsFormatError("the tensors are stored big-endian; only little-endian files are read")
        }
        var reader = PickleReader(Array(pickle), acceptedGlobals: acceptedGlobals)
        var root = try reader.next()
        if case .build(let object, _) = root { root = object } // the state dict's `_metadata`
        guard case .dict(let entries) = root else { throw WeightsFormatError("data.pkl does not hold a dict of tensors") }

        var result: [String: NamedArray] = [:]
        for (key, value) in entries {
            guard case .string(let name) = key else { throw WeightsFormatError("a state dict key is not a string") }
            let tensor = try TorchTensorReference(value, name: name)
            switch tensor.storageType {
            case "torch.FloatStorage": break
            case "torch.LongStorage" where tensor.shape.isEmpty: continue
            default:
                throw WeightsFormatError("\(name) is held in \(tensor.storageType); only float32 tensors are read "
                                         + "(int64 scalars are skipped)")
            }
            guard tensor.isContiguous else { throw WeightsFormatError("\(name) is not contiguous") }
            guard let storage = archive.entry(folder + "data/" + tensor.storageKey) else {
                throw WeightsFormatError("storage \(tensor.storageKey) of \(name) is missing from the zip file")
            }
            let start = storage.startIndex + 4 * tensor.offset, end = start + 4 * tensor.count
            guard end <= storage.endIndex else { throw WeightsFormatError("\(name) runs past the end of its storage") }
            result[name] = NamedArray(shape: tensor.shape, values: littleEndianFloats(storage[start..<end]))
        }
        return result
    }
}
