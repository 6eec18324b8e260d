import Tensor

/// The decoder of Huang & Belongie's AdaIN network as naoto0804/pytorch-AdaIN builds it, with
/// its `nn.Sequential` parameter names (`1.weight`, `5.weight`, …, `28.bias`): from VGG-19's
/// relu4_1 features (512 channels) back to an RGB picture in 0…1, mirroring the encoder —
/// reflection padding 1 and a 3×3 convolution with ReLU throughout, nearest ×2 upsampling
/// after 512→256, after 256→128 and after 128→64, and no ReLU after the last 64→3.
public enum AdaINDecoder {
    /// Input channels (VGG-19's relu4_1).
    public static let inputChannels = 512

    /// A decoder initialised as PyTorch would from `seed`.
    public static func make(seed: UInt64 = 0) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        var layers: [Sequential.Layer] = []
        func conv(_ input: Int, _ output: Int, relu: Bool = true) {
            layers.append(.reflectionPad(1))
            layers.append(.conv(Conv2d(inputChannels: input, outputChannels: output, kernelSize: 3, using: &generator)))
            if relu { layers.append(.relu) }
        }
        conv(512, 256)
        layers.append(.upsampleNearest(2))
        conv(256, 256); conv(256, 256); conv(256, 256); conv(256, 128)
        layers.append(.upsampleNearest(2))
        conv(128, 128); conv(128, 64)
        layers.append(.upsampleNearest(2))
        conv(64, 64); conv(64, 3, relu: false)
        return Sequential(layers)
    }

    /// Whether `shapes` (by `state_dict` name) are exactly the decoder's parameters.
    public static func matches(parameterShapes shapes: [String: [Int]]) -> Bool {
        let expected = make().namedParameters()
        return expected.count == shapes.count && expected.allSatisfy { shapes[$0.name] == $0.tensor.shape }
    }
}
