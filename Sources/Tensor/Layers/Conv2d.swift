/// A 2-D convolution layer with square kernels, as `torch.nn.Conv2d` (parameters `weight`
/// `[out, in, k, k]` and `bias` `[out]`).
public final class Conv2d: Module {
    /// The filters, OIHW.
    public let weight: Tensor
    /// One offset per output channel, or nil.
    public let bias: Tensor?
    /// Step between windows.
    public let stride: Int
    /// Zero padding on each side.
    public let padding: Int

    /// A convolution from `inputChannels` to `outputChannels` over `kernelSize`² windows,
    /// initialised as PyTorch does from `generator`.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, using generator: inout SeededGenerator) {
        let fanIn = inputChannels * kernelSize * kernelSize
        weight = uniformInitialization([outputChannels, inputChannels, kernelSize, kernelSize], fanIn: fanIn,
                                       using: &generator)
        self.bias = bias ? uniformInitialization([outputChannels], fanIn: fanIn, using: &generator) : nil
        self.stride = stride
        self.padding = padding
    }

    /// The convolution of NCHW `x`, followed by ReLU in the same pass if `applyingReLU`.
    public func callAsFunction(_ x: Tensor, applyingReLU: Bool = false) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, applyingReLU: applyingReLU)
    }
}
