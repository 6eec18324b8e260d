import Foundation
import Models

/// A model the app offers: its name (what `stylize --model` takes), kind and styles.
public struct ModelEntry: Encodable, Equatable, Sendable {
    /// The name users pick it by.
    public let name: String
    /// `transformer` (one style), `multi-style` (trained here), `magenta-multistyle`,
    /// `magenta-arbitrary` or `adain`.
    public let kind: String
    /// Names of the styles a style-index model knows, in index order (else empty).
    public let styles: [String]
    /// Whether the user brings the painting (arbitrary-style models).
    public let takesStyleImage: Bool
    /// `stylize`'s defaults for this model (`size` 0: the photo's own size).
    public let defaults: [String: Int]
    /// The model file.
    let path: String

    enum CodingKeys: String, CodingKey { case name, kind, styles, takesStyleImage, defaults }
}

/// The models the app can run: the installed ones (`model list`) and the model files in the
/// configured folders, read once at start from their safetensors headers (no weights loaded).
public struct ModelCatalog: Sendable {
    /// Every usable model, by name order.
    public let models: [ModelEntry]

    /// The catalog of the installed models and of every `.safetensors` in `directories`.
    public init(directories: [URL]) {
        var files = InstalledModels.names().map {
            ($0, InstalledModels.directory.appendingPathComponent($0 + ".safetensors").path)
        }
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".safetensors") {
                files.append((String(name.dropLast(".safetensors".count)), directory.appendingPathComponent(name).path))
            }
        }
        var seen = Set<String>()
        models = files.compactMap { name, path in
            guard seen.insert(name).inserted, let metadata = try? ModelCatalog.metadata(ofModelAt: path) else { return nil }
            return ModelCatalog.entry(name: name, path: path, metadata: metadata)
        }
    }

    /// The model called `name`, if there is one.
    public func model(named name: String) -> ModelEntry? { models.first { $0.name == name } }

    /// The entry for a model file with `metadata`, or nil for files that are not style models.
    static func entry(name: String, path: String, metadata: [String: String]) -> ModelEntry? {
        let styleCount = Int(metadata["styles"] ?? "1") ?? 1
        let styles = StyleModelFile.styleNames(metadata: metadata, count: styleCount)
        switch metadata["architecture"] {
        case "transformer-net":
            return ModelEntry(name: name, kind: styleCount > 1 ? "multi-style" : "transformer", styles: styles,
                              takesStyleImage: false, defaults: ["size": 0], path: path)
        case "magenta-multistyle":
            return ModelEntry(name: name, kind: "magenta-multistyle", styles: styles, takesStyleImage: false,
                              defaults: ["size": 0], path: path)
        case "magenta-arbitrary":
            return ModelEntry(name: name, kind: "magenta-arbitrary", styles: [], takesStyleImage: true,
                              defaults: ["size": 0], path: path)
        case "adain-decoder":
            return ModelEntry(name: name, kind: "adain", styles: [], takesStyleImage: true, defaults: ["size": 0], path: path)
        default:
            return nil
        }
    }

    /// The `__metadata__` of the safetensors file at `path`, read from its header alone.
    static func metadata(ofModelAt path: String) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw APIError(.notFound, "cannot read \(path)") }
        defer { try? handle.close() }
        let prefix = try handle.read(upToCount: 8) ?? Data()
        guard prefix.count == 8 else { throw APIError(.unprocessableContent, "\(path) is not a safetensors file") }
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length > 1, length < 256 << 20, let header = try handle.read(upToCount: Int(length)),
              header.count == Int(length),
              let json = try JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw APIError(.unprocessableContent, "\(path) has no readable safetensors header")
        }
        return json["__metadata__"] as? [String: String] ?? [:]
    }
}
