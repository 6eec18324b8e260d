import Tensor

/// Johnson et al.'s image transformation network exactly as pytorch/examples'
/// `fast_neural_style` builds it, with its `state_dict` names: a 9×9 convolution, two strided
/// 3×3 downsamplings, five residual blocks, two nearest-neighbour ×2 upsamplings and a 9×9
/// convolution back to RGB; reflection padding throughout, instance norm (affine) + ReLU after
/// every convolution but the last. Input and output are RGB in 0…255 (the output is not
/// clamped). `channels` scales every width (32 as published; 16 is jcjohnson's half width).
/// With several `styles`, every instance norm is conditional (Dumoulin et al.: γ/β `[S, C]`),
/// so one network paints each of its styles or any mix of them.
public final class TransformerNet: Module {
    /// Channels after the first convolution (the others are 2× and 4× this).
    public let channels: Int
    /// Styles the network paints (1: pytorch/examples' network, plain instance norm).
    public let styles: Int
    /// The smallest height and width it can paint: every reflection padding needs a picture
    /// larger than the padding.
    public static let minimumSide = 5
    let conv1: ConvLayer, in1: InstanceNorm2d
    let conv2: ConvLayer, in2: InstanceNorm2d
    let conv3: ConvLayer, in3: InstanceNorm2d
    let res1: ResidualBlock, res2: ResidualBlock, res3: ResidualBlock, res4: ResidualBlock, res5: ResidualBlock
    let deconv1: UpsampleConvLayer, in4: InstanceNorm2d
    let deconv2: UpsampleConvLayer, in5: InstanceNorm2d
    let deconv3: ConvLayer

    /// A network of width `channels` for `styles` styles, initialised as PyTorch would from `seed`.
    public init(channels: Int = 32, styles: Int = 1, seed: UInt64 = 0) {
        precondition(styles >= 1, "a network needs a style")
        var g = SeededGenerator(seed: seed)
        let (c, c2, c4) = (channels, 2 * channels, 4 * channels)
        let s = styles > 1 ? styles : nil
        (self.channels, self.styles) = (channels, styles)
        conv1 = ConvLayer(3, c, kernelSize: 9, stride: 1, using: &g); in1 = InstanceNorm2d(channels: c, styles: s)
        conv2 = ConvLayer(c, c2, kernelSize: 3, stride: 2, using: &g); in2 = InstanceNorm2d(channels: c2, styles: s)
        conv3 = ConvLayer(c2, c4, kernelSize: 3, stride: 2, using: &g); in3 = InstanceNorm2d(channels: c4, styles: s)
        res1 = ResidualBlock(c4, styles: s, using: &g); res2 = ResidualBlock(c4, styles: s, using: &g)
        res3 = ResidualBlock(c4, styles: s, using: &g); res4 = ResidualBlock(c4, styles: s, using: &g)
        res5 = ResidualBlock(c4, styles: s, using: &g)
        deconv1 = UpsampleConvLayer(c4, c2, using: &g); in4 = InstanceNorm2d(channels: c2, styles: s)
        deconv2 = UpsampleConvLayer(c2, c, using: &g); in5 = InstanceNorm2d(channels: c, styles: s)
        deconv3 = ConvLayer(c, 3, kernelSize: 9, stride: 1, using: &g)
    }

    /// The stylised `[N, 3, H, W]` batch (0…255 in and out), each sample in its row of
    /// `styleWeights` (`[N, styles]`; needed only with several styles). Sides that are not
    /// multiples of 4 are reflection-padded up to one and the result cropped back, so the output
    /// has exactly the input's size.
    public func callAsFunction(_ x: Tensor, styleWeights: Tensor? = nil) -> Tensor {
        let mix = styles > 1 ? styleWeights : nil
        let (h, w) = (x.shape[2], x.shape[3])
        let (extraH, extraW) = ((4 - h % 4) % 4, (4 - w % 4) % 4)
        let canReflect = extraH < h && extraW < w
        let input = extraH + extraW == 0 ? x
            : x.padded(Padding2D(top: 0, bottom: extraH, left: 0, right: extraW), mode: canReflect ? .reflect : .zero)
        var y = in1(conv1(input), styleWeights: mix, applyingReLU: true)
        y = in2(conv2(y), styleWeights: mix, applyingReLU: true)
        y = in3(conv3(y), styleWeights: mix, applyingReLU: true)
        for block in [res1, res2, res3, res4, res5] { y = block(y, styleWeights: mix) }
        y = in4(deconv1(y), styleWeights: mix, applyingReLU: true)
        y = in5(deconv2(y), styleWeights: mix, applyingReLU: true)
        y = deconv3(y)
        guard extraH + extraW > 0 else { return y }
        return y.slice(axis: 2, 0..<h).slice(axis: 3, 0..<w)
    }

    /// The width and style count of the network whose parameters are `shapes` (by `state_dict`
    /// name), or nil unless they are exactly a TransformerNet's.
    public static func architecture(ofParameterShapes shapes: [String: [Int]]) -> (channels: Int, styles: Int)? {
        // The widest weight must be there in full before a network of that width is built: sizes
        // alone (a [c, 3, 0, 0] tensor has no elements) would otherwise claim any width for free.
        guard let first = shapes["conv1.conv2d.weight"], first.count == 4, first[0] > 0, first == [first[0], 3, 9, 9],
              shapes["res1.conv1.conv2d.weight"] == [4 * first[0], 4 * first[0], 3, 3],
              let norm = shapes["in1.weight"], norm.count <= 2 else { return nil }
        let styles = norm.count == 2 ? norm[0] : 1
        guard styles >= 1, norm.count == 1 || styles > 1 else { return nil }
        let expected = TransformerNet(channels: first[0], styles: styles).namedParameters()
        guard expected.count == shapes.count,
              expected.allSatisfy({ shapes[$0.name] == $0.tensor.shape }) else { return nil }
        return (first[0], styles)
    }
}

/// Reflection padding of `kernelSize / 2`, then a convolution (pytorch/examples' `ConvLayer`).
final class ConvLayer: Module {
    let conv2d: Conv2d

    init(_ input: Int, _ output: Int, kernelSize: Int, stride: Int, using generator: inout SeededGenerator) {
        conv2d = Conv2d(inputChannels: input, outputChannels: output, kernelSize: kernelSize, stride: stride,
                        padding: kernelSize / 2, paddingMode: .reflect, using: &generator)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { conv2d(x) }
}

/// Nearest ×2 upsampling, reflection padding and a 3×3 convolution (`UpsampleConvLayer`).
final class UpsampleConvLayer: Module {
    let conv2d: Conv2d

    init(_ input: Int, _ output: Int, using generator: inout SeededGenerator) {
        conv2d = Conv2d(inputChannels: input, outputChannels: output, kernelSize: 3, padding: 1, paddingMode: .reflect,
                        using: &generator)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { conv2d(upsampling: x, by: 2) }
}

/// conv–IN–ReLU–conv–IN plus the input (`ResidualBlock`).
final class ResidualBlock: Module {
    let conv1: ConvLayer, in1: InstanceNorm2d
    let conv2: ConvLayer, in2: InstanceNorm2d

    init(_ channels: Int, styles: Int?, using generator: inout SeededGenerator) {
        conv1 = ConvLayer(channels, channels, kernelSize: 3, stride: 1, using: &generator)
        in1 = InstanceNorm2d(channels: channels, styles: styles)
        conv2 = ConvLayer(channels, channels, kernelSize: 3, stride: 1, using: &generator)
        in2 = InstanceNorm2d(channels: channels, styles: styles)
    }

    func callAsFunction(_ x: Tensor, styleWeights: Tensor?) -> Tensor {
        in2(conv2(in1(conv1(x), styleWeights: styleWeights, applyingReLU: true)), styleWeights: styleWeights) + x
    }
}
