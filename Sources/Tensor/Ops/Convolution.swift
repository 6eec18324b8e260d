extension Tensor {
    /// 2-D cross-correlation of this NCHW tensor with an OIHW `weight`, plus `bias` `[O]`,
    /// optionally followed by ReLU in the same pass (`applyingReLU`; the pre-activation is
    /// then never stored).
    ///
    /// Only the gradients that some input needs are computed: a frozen network
    /// (weights without `requiresGrad`) never runs the weight-gradient kernel.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                       applyingReLU: Bool = false) -> Tensor {
        precondition(shape.count == 4 && weight.shape.count == 4 && weight.shape[1] == shape[1],
                     "conv2d of \(shape) with weight \(weight.shape)")
        let geometry = WindowGeometry(kernel: weight.shape[2], stride: stride, padding: padding)
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
