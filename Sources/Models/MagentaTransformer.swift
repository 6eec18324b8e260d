import Tensor

/// Magenta's multi-style transformer (Dumoulin et al., "A Learned Representation for Artistic
/// Style"; `image_stylization`): a 9×9 convolution and two strided 3×3 ones, residual blocks,
/// nearest ×2 upsamplings each followed by a 3×3 convolution, and a last 9×9 convolution with a
/// sigmoid. Every convolution (no bias) has reflection padding and conditional instance norm
/// whose γ/β rows are the styles; every one but the last of each residual block and the output
/// is followed by ReLU. Input and output are RGB in 0…1. The widths are those of the imported
/// weights.
public final class MagentaTransformer: Module {
    /// How many styles the network knows.
    public let styleCount: Int
    let contract: [NormalizedConvolution]
    let res: [[NormalizedConvolution]]
    let expand: [NormalizedConvolution]

    /// A network for `styles` styles: `contractChannels` after each downsampling convolution
    /// (the first is 9×9, stride 1; the others 3×3, stride 2), `residualBlocks` blocks at the
    /// last of those widths, and `expandChannels` after each upsampling (each 3×3 after a ×2
    /// upsampling, the last 9×9 without one, usually 3 channels). Weights start at PyTorch's
    /// default initialisation from `seed`; γ at 1, β at 0.
    public init(styles: Int, contractChannels: [Int], residualBlocks: Int, expandChannels: [Int], seed: UInt64 = 0) {
        precondition(contractChannels.count >= 1 && expandChannels.count >= 1, "a network needs convolutions")
        var generator = SeededGenerator(seed: seed)
        styleCount = styles
        var input = 3
        contract = contractChannels.enumerated().map { index, output in
            defer { input = output }
            return NormalizedConvolution(input, output, kernelSize: index == 0 ? 9 : 3, stride: index == 0 ? 1 : 2,
                                         upsampling: false, styles: styles, using: &generator)
        }
        let width = input
        res = (0..<residualBlocks).map { _ in
            (0..<2).map { _ in NormalizedConvolution(width, width, kernelSize: 3, stride: 1, upsampling: false,
                                                     styles: styles, using: &generator) }
        }
        expand = expandChannels.enumerated().map { index, output in
            defer { input = output }
            let last = index == expandChannels.count - 1
            return NormalizedConvolution(input, output, kernelSize: last ? 9 : 3, stride: 1, upsampling: !last,
                                         styles: styles, using: &generator)
        }
    }

    /// How far the network downsamples: input sides are padded to a multiple of this.
    public var reduction: Int { 1 << (contract.count - 1) }

    /// The stylised `[N, 3, H, W]` batch (RGB 0…1 in and out) in the mix of styles
    /// `styleWeights` (`[N, styleCount]`, one row per sample). Sides that are not multiples of
    /// `reduction` are reflection-padded up to one and the result cropped back.
    public func callAsFunction(_ x: Tensor, styleWeights: Tensor) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let (extraH, extraW) = ((reduction - h % reduction) % reduction, (reduction - w % reduction) % reduction)
        let canReflect = extraH < h && extraW < w
        var y = extraH + extraW == 0 ? x
            : x.padded(Padding2D(top: 0, bottom: extraH, left: 0, right: extraW), mode: canReflect ? .reflect : .zero)
        for layer in contract { y = layer(y, styleWeights: styleWeights, applyingReLU: true) }
        for block in res {
            y = y + block[1](block[0](y, styleWeights: styleWeights, applyingReLU: true), styleWeights: styleWeights)
        }
        for (index, layer) in expand.enumerated() {
            y = layer(y, styleWeights: styleWeights, applyingReLU: index < expand.count - 1)
        }
        y = y.sigmoid()
        guard extraH + extraW > 0 else { return y }
        return y.slice(axis: 2, 0..<h).slice(axis: 3, 0..<w)
    }

    /// The network whose parameters have these shapes (by name), or nil unless they are exactly
    /// a MagentaTransformer's.
    public static func matching(parameterShapes shapes: [String: [Int]]) -> MagentaTransformer? {
        func outputs(_ prefix: String) -> [Int] {
            var channels: [Int] = []
            while let shape = shapes["\(prefix).\(channels.count).conv.weight"], shape.count == 4 { channels.append(shape[0]) }
            return channels
        }
        let (contract, expand) = (outputs("contract"), outputs("expand"))
        var blocks = 0
        while shapes["res.\(blocks).0.conv.weight"] != nil { blocks += 1 }
        guard let styles = shapes["contract.0.norm.weight"]?.first, !contract.isEmpty, !expand.isEmpty else { return nil }
        let network = MagentaTransformer(styles: styles, contractChannels: contract, residualBlocks: blocks,
                                         expandChannels: expand)
        let expected = network.namedParameters()
        guard expected.count == shapes.count, expected.allSatisfy({ shapes[$0.name] == $0.tensor.shape }) else { return nil }
        return network
    }
}

/// Optional nearest ×2 upsampling, reflection padding of `kernelSize / 2`, a convolution without
/// bias, and conditional instance norm.
final class NormalizedConvolution: Module {
    let conv: Conv2d
    let norm: InstanceNorm2d
    let upsampling: Bool

    init(_ input: Int, _ output: Int, kernelSize: Int, stride: Int, upsampling: Bool, styles: Int,
         using generator: inout SeededGenerator) {
        conv = Conv2d(inputChannels: input, outputChannels: output, kernelSize: kernelSize, stride: stride,
                      padding: kernelSize / 2, paddingMode: .reflect, bias: false, using: &generator)
        norm = InstanceNorm2d(channels: output, styles: styles)
        self.upsampling = upsampling
    }

    func callAsFunction(_ x: Tensor, styleWeights: Tensor, applyingReLU: Bool = false) -> Tensor {
        norm(upsampling ? conv(upsampling: x, by: 2) : conv(x), styleWeights: styleWeights, applyingReLU: applyingReLU)
    }
}
