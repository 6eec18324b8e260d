// TorchLegacyFile.read: the legacy torch.save stream (five pickles, then raw storages).
import Foundation
import FuzzSupport
import Models

/// A legacy torch.save stream holding one 2×2 tensor "w" in a storage of `storageType`.
private func legacyFile(storageType: String, values: [UInt8]) -> [UInt8] {
    func unicode(_ s: String) -> [UInt8] { [0x58] + Bytes.littleEndian(UInt32(s.utf8.count)) + Array(s.utf8) }
    let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
    let info: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x65, 0x88, 0x73, 0x2E]
    var object: [UInt8] = [0x80, 0x02, 0x7D, 0x28] + unicode("w")
    object += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28, 0x28] + unicode("storage")
    object += Array("ctorch\n\(storageType)\n".utf8) + unicode("0") + unicode("cpu") + [0x4B, 0x04, 0x4E, 0x74, 0x51]
    object += [0x71, 0x01, 0x4B, 0x00, 0x4B, 0x02, 0x4B, 0x02, 0x86, 0x4B, 0x02, 0x4B, 0x01, 0x86, 0x89, 0x74, 0x52, 0x75, 0x2E]
    let keys: [UInt8] = [0x80, 0x02, 0x5D, 0x28] + unicode("0") + [0x65, 0x2E]
    return magic + version + info + object + keys + Bytes.littleEndian(Int64(4)) + values
}

Harness.main(seeds: { directory in
    try directory.write("float.pt", legacyFile(storageType: "FloatStorage", values: Bytes.floats([1, 2, 3, 4])))
    try directory.write("byte.pt", legacyFile(storageType: "ByteStorage", values: [0, 1, 128, 255]))
}) { bytes in
    Harness.run { _ = try TorchLegacyFile.read(bytes) }
    return true
}
