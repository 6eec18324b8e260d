import Foundation

/// Style models installed by set-up (`make magenta`) or by `model import --install`: model
/// files in the `models` folder of the cache directory, used by name (`--model magenta-26`).
public enum InstalledModels {
    /// The folder: `models` inside `$NEURAL_STYLE_CACHE` or `~/.cache/neural-style`.
    public static var directory: URL { VGGWeights.cacheDirectory.appendingPathComponent("models") }

    /// The names of the installed models, sorted.
    public static func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
    }

    /// The file `model` names: a path to a model file, or the name of an installed model.
    public static func path(of model: String) throws -> String {
        let looksLikePath = model.contains("/") || model.lowercased().hasSuffix(".safetensors")
        if looksLikePath || FileManager.default.fileExists(atPath: model) { return model }
        let installed = directory.appendingPathComponent(model + ".safetensors").path
        if FileManager.default.fileExists(atPath: installed) { return installed }
        let known = names()
        throw WeightsFormatError("no model file '\(model)' and no installed model of that name ("
                                 + (known.isEmpty ? "none installed; run 'make magenta'" : "installed: " + known.joined(separator: ", "))
                                 + ")")
    }
}
