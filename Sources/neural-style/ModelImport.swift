import Foundation
import Models
import NeuralStyle

/// Reading the weights a user points at: one of our model files, or a pytorch/examples `.pth`.
enum ModelImport {
    /// The `state_dict` of `path`: our safetensors model, or a `torch.save` checkpoint (of a
    /// TransformerNet: 2017 files' `running_mean`/`running_var` entries dropped; or of an AdaIN decoder).
    static func stateDictionary(_ path: String) throws -> [String: NamedArray] {
        if path.lowercased().hasSuffix(".pth") || path.lowercased().hasSuffix(".pt") || path.lowercased().hasSuffix(".model") {
            let arrays = try TorchFile.read(path: path)
            return arrays.filter { !$0.key.hasSuffix(".running_mean") && !$0.key.hasSuffix(".running_var")
                && !$0.key.hasSuffix(".num_batches_tracked") }
        }
        return try StyleModelFile.contents(of: path).arrays
    }
}
