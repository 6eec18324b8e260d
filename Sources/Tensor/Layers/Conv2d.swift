/// A 2-D convolution layer, as `torch.nn.Conv2d` (parameters `weight` `[out, in/groups, kh, kw]`
/// and `bias` `[out]`).
public final class Conv2d: Module {
    /// The filters, OIHW.
    public let weight: Tensor
    /// One offset per output channel, or nil.
    public let bias: Tensor?
    /// Step between windows.
    public let stride: Int
    /// Padding, each side on its own.
    public let padding: Padding2D
    /// What the padding holds: zeros, the input mirrored at its edges, or its edge repeated.
    public let paddingMode: PaddingMode
    /// Channel groups (1: dense; the input's channel count: depthwise).
    public let groups: Int

    /// A convolution from `inputChannels` to `outputChannels` over `kernelSize`² windows,
    /// initialised as PyTorch does from `generator`.
    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                            padding: Int = 0, paddingMode: PaddingMode = .zero, groups: Int = 1, bias: Bool = true,
                            using generator: inout SeededGenerator) {
        self.init(inputChannels: inputChannels, outputChannels: outputChannels,
                  kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: Padding2D(padding),
                  paddingMode: paddingMode, groups: groups, bias: bias, using: &generator)
    }

    /// A convolution from `inputChannels` to `outputChannels` over `kernelHeight`×`kernelWidth`
    /// windows in `groups` channel groups, its input padded by `padding` with `paddingMode`,
    /// initialised as PyTorch does from `generator`.
    public init(inputChannels: Int, outputChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int = 1,
                padding: Padding2D = Padding2D(0), paddingMode: PaddingMode = .zero, groups: Int = 1, bias: Bool = true,
                using generator: inout SeededGenerator) {
        precondition(inputChannels % groups == 0 && outputChannels % groups == 0,
                     "\(inputChannels) → \(outputChannels) channels do not split into \(groups) groups")
        let fanIn = inputChannels / groups * kernelHeight * kernelWidth
        weight = uniformInitialization([outputChannels, inputChannels / groups, kernelHeight, kernelWidth],
                                       fanIn: fanIn, using: &generator)
        self.bias = bias ? uniformInitialization([outputChannels], fanIn: fanIn, using: &generator) : nil
        (self.stride, self.padding, self.paddingMode, self.groups) = (stride, padding, paddingMode, groups)
    }

    /// The convolution of NCHW `x`, followed by ReLU in the same pass if `applyingReLU`.
    public func callAsFunction(_ x: Tensor, applyingReLU: Bool = false) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, paddingMode: paddingMode, groups: groups,
                 applyingReLU: applyingReLU)
    }

    /// The convolution of NCHW `x` nearest-upsampled by `factor` (see `Tensor.upsampledConv2d`),
    /// followed by ReLU in the same pass if `applyingReLU`. Needs stride 1 and one group.
    public func callAsFunction(upsampling x: Tensor, by factor: Int, applyingReLU: Bool = false) -> Tensor {
        precondition(stride == 1 && groups == 1, "an upsampled convolution needs stride 1 and one group")
        return x.upsampledConv2d(factor: factor, weight: weight, bias: bias, padding: padding, paddingMode: paddingMode,
                                 applyingReLU: applyingReLU)
    }
}
