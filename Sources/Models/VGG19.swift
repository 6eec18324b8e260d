import Foundation
import Tensor

/// The convolutional body of VGG-19, used as a frozen feature extractor.
///
/// Layers carry the names the literature uses (`conv1_1`, `relu1_1`, …, `pool5`), and a
/// forward pass stops at the deepest layer anyone asked for.
public final class VGG19 {
    /// Convolutions per block, and their output channels.
    static let blocks: [(convolutions: Int, channels: Int)] = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]

    /// Every layer name in forward order.
    public static let layerNames: [String] = blocks.enumerated().flatMap { index, block in
        (1...block.convolutions).flatMap { ["conv\(index + 1)_\($0)", "relu\(index + 1)_\($0)"] } + ["pool\(index + 1)"]
    }

    /// How input pixels must be prepared for these weights.
    public let preprocessing: Preprocessing
    /// Max (the paper's default) or average pooling, which Gatys et al. found gives smoother results.
    public let pooling: PoolingKind
    private let weights: [String: (weight: Tensor, bias: Tensor)]

    /// Builds the network from tensors named `convB_K.weight` (OIHW) and `convB_K.bias`.
    public init(tensors: [String: NamedArray], preprocessing: Preprocessing, pooling: PoolingKind = .max) throws {
        var weights: [String: (Tensor, Tensor)] = [:]
        var inputs = 3
        for name in VGG19.layerNames where name.hasPrefix("conv") {
            let channels = VGG19.blocks[Int(String(name.dropFirst(4).first!))! - 1].channels
            guard let w = tensors["\(name).weight"], let b = tensors["\(name).bias"],
                  w.shape == [channels, inputs, 3, 3], b.shape == [channels] else {
                throw WeightsFormatError("VGG-19 weights lack a \(channels)×\(inputs)×3×3 \(name)")
            }
            weights[name] = (Tensor(shape: w.shape, values: w.values), Tensor(shape: b.shape, values: b.values))
            inputs = channels
        }
        self.weights = weights
        self.preprocessing = preprocessing
        self.pooling = pooling
    }

    /// Loads a safetensors file written by `VGG19Weights.importPastiche`.
    public convenience init(contentsOf url: URL, pooling: PoolingKind = .max) throws {
        let (tensors, metadata) = try SafeTensors.decode(try Data(contentsOf: url))
        guard metadata["architecture"] == "vgg19" else { throw WeightsFormatError("\(url.path) is not a VGG-19 model") }
        guard let preprocessing = Preprocessing(named: metadata["preprocessing"] ?? "") else {
            throw WeightsFormatError("\(url.path) names no known preprocessing")
        }
        try self.init(tensors: tensors, preprocessing: preprocessing, pooling: pooling)
    }

    /// The smallest height and width that still leave at least one pixel at every one of
    /// `layers` (each pooling halves the picture, rounding down).
    public static func minimumInputSide(for layers: Set<String>) -> Int {
        let deepest = layerNames.lastIndex(where: layers.contains) ?? 0
        let pools = layerNames.prefix(deepest).filter { $0.hasPrefix("pool") }.count
        return 1 << (pools + (layerNames[deepest].hasPrefix("pool") ? 1 : 0))
    }

    /// Activations of the named layers for a preprocessed `[N, 3, H, W]` input,
    /// computing nothing beyond the deepest of them.
    public func features(_ input: Tensor, at layers: Set<String>) -> [String: Tensor] {
        let deepest = VGG19.layerNames.lastIndex(where: layers.contains) ?? -1
        var result: [String: Tensor] = [:]
        var x = input
        var index = 0
        while index <= deepest {
            let name = VGG19.layerNames[index]
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
            if layers.contains(VGG19.layerNames[index]) { result[VGG19.layerNames[index]] = x }
            index += 1
        }
        return result
    }
}
