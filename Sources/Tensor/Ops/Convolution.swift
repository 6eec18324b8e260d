extension Tensor {
    /// 2-D cross-correlation of this NCHW tensor with an OIHW `weight`, plus `bias` `[O]`, with
    /// the same zero `padding` on every side; see the `Padding2D` form.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, groups: Int = 1,
                       applyingReLU: Bool = false) -> Tensor {
        conv2d(weight: weight, bias: bias, stride: stride, padding: Padding2D(padding), groups: groups,
               applyingReLU: applyingReLU)
    }

    /// 2-D cross-correlation of this NCHW tensor with an OIHW `weight` (any kernel height and
    /// width), plus `bias` `[O]`, over the input zero-padded by `padding` (each side on its own),
    /// optionally followed by ReLU in the same pass (`applyingReLU`; the pre-activation is then
    /// never stored). With `groups` g the channels split into g groups convolved apart, as
    /// PyTorch's `groups` (`weight` is `[O, C/g, kh, kw]`; g = C is depthwise).
    ///
    /// With `paddingMode` `.reflect` or `.replicate` the input is mirrored or extended at its edges
    /// instead (as `padded(_:mode:)` then a convolution without padding); where no gradient is
    /// recorded the backend may mirror without the padded copy.
    ///
    /// Only the gradients that some input needs are computed: a frozen network
    /// (weights without `requiresGrad`) never runs the weight-gradient kernel.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding2D,
                       paddingMode: PaddingMode = .zero, groups: Int = 1, applyingReLU: Bool = false) -> Tensor {
        precondition(shape.count == 4 && weight.shape.count == 4 && groups >= 1 && weight.shape[1] * groups == shape[1]
                     && weight.shape[0] % groups == 0, "conv2d of \(shape) with weight \(weight.shape) in \(groups) groups")
        if paddingMode != .zero && padding != Padding2D(0) {
            if paddingMode == .reflect, !Tensor.willRecord(from: [self, weight] + (bias.map { [$0] } ?? [])), groups == 1,
               let y = Backend.current.reflectionPaddedConvolution(
                   reflectionPaddable(padding), weight: weight, bias: bias,
                   geometry: WindowGeometry(kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], stride: stride,
                                            padding: padding),
                   applyingReLU: applyingReLU) {
                return y
            }
            return padded(padding, mode: paddingMode).conv2d(weight: weight, bias: bias, stride: stride, padding: Padding2D(0),
                                                          groups: groups, applyingReLU: applyingReLU)
        }
        let geometry = WindowGeometry(kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], stride: stride,
                                      padding: padding, groups: groups)
        let y = Backend.current.convolution(self, weight: weight, bias: bias, geometry: geometry,
                                            applyingReLU: applyingReLU)
        let needsWeightGrad = weight.requiresGrad || (bias?.requiresGrad ?? false)
        let input = needsWeightGrad ? detached() : nil // keep the activation only if needed
        let mask = applyingReLU && (requiresGrad || needsWeightGrad) ? Backend.current.reluMask(y) : nil
        let (inputShape, inputLayout, inputNeedsGrad) = (shape, layout, requiresGrad)
        return Tensor.recorded(y, from: [self, weight] + (bias.map { [$0] } ?? [])) { dy in
            let backend = Backend.current
            guard let input else {
                return [backend.convolutionBackwardData(dy, reluMask: mask, weight: weight, inputShape: inputShape,
                                                        inputLayout: inputLayout, geometry: geometry), nil, nil]
            }
            let dz = mask.map { backend.reluBackward(dy, mask: $0) } ?? dy
            let dx = inputNeedsGrad
                ? backend.convolutionBackwardData(dz, reluMask: nil, weight: weight, inputShape: inputShape,
                                                  inputLayout: inputLayout, geometry: geometry)
                : nil
            let (dw, db) = backend.convolutionBackwardWeights(dz, input: input, weightShape: weight.shape,
                                                              withBias: bias != nil, geometry: geometry)
            return [dx, dw, db]
        }
    }
}
