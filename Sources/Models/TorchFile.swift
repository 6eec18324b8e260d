import Foundation

/// Reads a `torch.save` file of tensors in either of its formats: the zip archive (PyTorch
/// 1.6 and later) or the legacy pickle stream.
public enum TorchFile {
    /// The tensors in the file at `path`, by name.
    public static func read(path: String) throws -> [String: NamedArray] {
        guard let data = FileManager.default.contents(atPath: path) else { throw WeightsFormatError("cannot read \(path)") }
        let bytes = [UInt8](data)
        return TorchZipFile.isZip(bytes) ? try TorchZipFile.read(bytes) : try TorchLegacyFile.read(bytes)
    }
}
