import Foundation
import Tensor

/// The convolutional body of VGG-16 or VGG-19, used as a frozen feature extractor.
///
/// Layers carry the names the literature uses (`conv1_1`, `relu1_1`, …, `pool5`), and a
/// forward pass stops at the deepest layer anyone asked for.
public final class VGG {
    /// Which network this is.
    public let architecture: Architecture
    /// Every layer name in forward order.
    public let layerNames: [String]
    /// How input pixels must be prepared for these weights.
    public let preprocessing: Preprocessing
    /// Max (the paper's default) or average pooling, which Gatys et al. found gives smoother results.
    public let pooling: PoolingKind
    private let weights: [String: (weight: Tensor, bias: Tensor)]

    /// Builds the network from tensors named `convB_K.weight` (OIHW) and `convB_K.bias`.
    public init(architecture: Architecture, tensors: [String: NamedArray], preprocessing: Preprocessing,
                pooling: PoolingKind = .max) throws {
        var weights: [String: (Tensor, Tensor)] = [:]
        var inputs = 3
        for (blockIndex, block) in architecture.blocks.enumerated() {
            for k in 1...block.convolutions {
                let name = "conv\(blockIndex + 1)_\(k)", channels = block.channels
                guard let w = tensors["\(name).weight"], let b = tensors["\(name).bias"],
                      w.shape == [channels, inputs, 3, 3], b.shape == [channels] else {
                    throw WeightsFormatError("\(architecture.displayName) weights lack a \(channels)×\(inputs)×3×3 \(name)")
                }
                weights[name] = (Tensor(shape: w.shape, values: w.values), Tensor(shape: b.shape, values: b.values))
                inputs = channels
            }
        }
        self.architecture = architecture
        self.layerNames = architecture.layerNames
        self.weights = weights
        self.preprocessing = preprocessing
        self.pooling = pooling
    }

    /// Loads a safetensors file written by `VGGWeights`; its metadata names the architecture
    /// and preprocessing. With `expecting`, a file holding another architecture is refused.
    public convenience init(contentsOf url: URL, expecting expected: Architecture? = nil,
                            pooling: PoolingKind = .max) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw WeightsFormatError("cannot read \(url.path) (a folder, or not readable)")
        }
        let (tensors, metadata) = try SafeTensors.decode(data)
        guard let architecture = Architecture(rawValue: metadata["architecture"] ?? "") else {
            throw WeightsFormatError("\(url.path) is not a VGG model file (no known architecture in its metadata)")
        }
        if let expected, expected != architecture {
            throw WeightsFormatError("\(url.path) holds \(architecture.displayName), not \(expected.displayName)")
        }
        guard let preprocessing = Preprocessing(named: metadata["preprocessing"] ?? "") else {
            throw WeightsFormatError("\(url.path) names no known preprocessing")
        }
        try self.init(architecture: architecture, tensors: tensors, preprocessing: preprocessing, pooling: pooling)
    }

    /// Activations of the named layers for a preprocessed `[N, 3, H, W]` input,
    /// computing nothing beyond the deepest of them.
    public func features(_ input: Tensor, at layers: Set<String>) -> [String: Tensor] {
        let deepest = layerNames.lastIndex(where: layers.contains) ?? -1
        var result: [String: Tensor] = [:]
        var x = input
        var index = 0
        while index <= deepest {
            let name = layerNames[index]
            if let (weight, bias) = weights[name] {
                // conv then relu: one fused pass unless someone wants the pre-activation.
                let fused = !layers.contains(name)
                x = x.conv2d(weight: weight, bias: bias, padding: 1, applyingReLU: fused)
                if fused { index += 1 }
            } else if name.hasPrefix("relu") {
                x = x.relu()
            } else {
                x = x.pooled(pooling)
            }
            if layers.contains(layerNames[index]) { result[layerNames[index]] = x }
            index += 1
        }
        return result
    }
}
