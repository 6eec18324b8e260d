extension Tensor {
    /// The convolution (stride 1) of this NCHW tensor nearest-upsampled by `factor`: as
    /// `upsampledNearest(factor:)` then `conv2d(weight:bias:padding:paddingMode:applyingReLU:)`, the
    /// padding and its mode applied to the upsampled picture (the upsampling step of many image
    /// decoders). Where no gradient is recorded the backend may compute it without the upsampled
    /// picture.
    public func upsampledConv2d(factor: Int, weight: Tensor, bias: Tensor? = nil, padding: Padding2D,
                                paddingMode: PaddingMode = .zero, applyingReLU: Bool = false) -> Tensor {
        precondition(shape.count == 4 && weight.shape.count == 4 && weight.shape[1] == shape[1] && factor >= 1,
                     "upsampled conv2d of \(shape) by \(factor) with weight \(weight.shape)")
        if factor > 1, !Tensor.willRecord(from: [self, weight] + (bias.map { [$0] } ?? [])),
           let y = Backend.current.upsampledConvolution(
               self, factor: factor, weight: weight, bias: bias,
               geometry: WindowGeometry(kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], padding: padding),
               paddingMode: paddingMode, applyingReLU: applyingReLU) {
            return y
        }
        return upsampledNearest(factor: factor).conv2d(weight: weight, bias: bias, padding: padding,
                                                       paddingMode: paddingMode, applyingReLU: applyingReLU)
    }
}
