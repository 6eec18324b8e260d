import Tensor

/// Padding, upsampling and instance normalisation of NCHW tensors on our kernels.
extension CUDABackend {
    private static func code(_ mode: PaddingMode) -> Int32 {
        switch mode {
        case .zero: return 0
        case .reflect: return 1
        case .replicate: return 2
        }
    }

    /// The padding kernels' arguments after the two pointers.
    private func paddingGeometry(_ input: [Int], _ padding: Padding2D, _ mode: PaddingMode) -> [CUDADevice.Argument] {
        [.long(input[0] * input[1]), .int(Int32(input[2])), .int(Int32(input[3])), .int(Int32(padding.top)),
         .int(Int32(padding.left)), .int(Int32(input[2] + padding.top + padding.bottom)),
         .int(Int32(input[3] + padding.left + padding.right)), .int(Self.code(mode))]
    }

    public func pad(_ x: Tensor, _ padding: Padding2D, mode: PaddingMode) -> Tensor {
        let y = tensor([x.shape[0], x.shape[1], x.shape[2] + padding.top + padding.bottom,
                        x.shape[3] + padding.left + padding.right])
        run("pad", elements: y.count, [buffer(x), buffer(y)] + paddingGeometry(x.shape, padding, mode))
        return y
    }

    public func padBackward(_ dy: Tensor, _ padding: Padding2D, mode: PaddingMode, inputShape: [Int]) -> Tensor {
        let dx = tensor(inputShape)
        run("pad_backward", elements: dx.count, [buffer(dy), buffer(dx)] + paddingGeometry(inputShape, padding, mode))
        return dx
    }

    public func upsampleNearest(_ x: Tensor, factor: Int) -> Tensor {
        let y = tensor([x.shape[0], x.shape[1], x.shape[2] * factor, x.shape[3] * factor])
        run("upsample_nearest", elements: y.count, [buffer(x), buffer(y), .long(x.shape[0] * x.shape[1]),
                                                    .int(Int32(x.shape[2])), .int(Int32(x.shape[3])), .int(Int32(factor))])
        return y
    }

    public func upsampleNearestBackward(_ dy: Tensor, factor: Int) -> Tensor {
        let dx = tensor([dy.shape[0], dy.shape[1], dy.shape[2] / factor, dy.shape[3] / factor])
        run("upsample_nearest_backward", elements: dx.count,
            [buffer(dy), buffer(dx), .long(dx.shape[0] * dx.shape[1]), .int(Int32(dx.shape[2])), .int(Int32(dx.shape[3])),
             .int(Int32(factor))])
        return dx
    }

    /// What the instance norm's backward pass needs: x̂, the planes' 1/σ, the affine parameters
    /// as the kernels read them (both per channel, or both per sample and channel) with the
    /// shapes they were given in, and whether a ReLU followed.
    private final class InstanceNormContext {
        let normalized: Tensor, inverseDeviations: Tensor, gamma: Tensor?, beta: Tensor?
        let givenShapes: (gamma: [Int]?, beta: [Int]?), perSample: Bool, appliedReLU: Bool
        init(normalized: Tensor, inverseDeviations: Tensor, gamma: Tensor?, beta: Tensor?,
             givenShapes: (gamma: [Int]?, beta: [Int]?), perSample: Bool, appliedReLU: Bool) {
            (self.normalized, self.inverseDeviations, self.gamma, self.beta) = (normalized, inverseDeviations, gamma, beta)
            (self.givenShapes, self.perSample, self.appliedReLU) = (givenShapes, perSample, appliedReLU)
        }
    }

    public func instanceNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, epsilon: Float, applyingReLU: Bool,
                             keepingContext: Bool) -> (y: Tensor, context: AnyObject?) {
        let (batch, channels, planeSize) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let planes = batch * channels
        // One shape for both parameters: a per-channel one is repeated per sample when the other is not.
        let perSample = [gamma, beta].contains { $0?.shape.count == 2 }
        let givenShapes = (gamma: gamma?.shape, beta: beta?.shape)
        func perPlane(_ p: Tensor?) -> Tensor? {
            guard let p, perSample, p.shape.count == 1 else { return p }
            return broadcast(Tensor(shape: [1, channels], storage: p.storage), to: [batch, channels], layout: .plain)
        }
        let (gamma, beta) = (perPlane(gamma), perPlane(beta))
        let (mean, inverse) = (tensor([planes]), tensor([planes]))
        run("instance_norm_statistics", blocks: planes, [buffer(x), buffer(mean), buffer(inverse), .long(planeSize),
                                                          .float(epsilon)])
        func apply(_ gamma: Tensor?, _ beta: Tensor?, relu: Bool) -> Tensor {
            let y = tensor(x.shape)
            run("instance_norm_apply", elements: y.count,
                [buffer(x), buffer(y), buffer(mean), buffer(inverse), buffer(gamma), buffer(beta), .int(Int32(channels)),
                 .int(perSample ? 1 : 0), .long(planeSize), .long(planes), .int(relu ? 1 : 0)])
            return y
        }
        let y = apply(gamma, beta, relu: applyingReLU)
        guard keepingContext else { return (y, nil) }
        let context = InstanceNormContext(normalized: apply(nil, nil, relu: false), inverseDeviations: inverse,
                                          gamma: gamma, beta: beta, givenShapes: givenShapes, perSample: perSample,
                                          appliedReLU: applyingReLU)
        return (y, context)
    }

    public func instanceNormBackward(_ dy: Tensor, context: AnyObject) -> (x: Tensor, gamma: Tensor?, beta: Tensor?) {
        guard let context = context as? InstanceNormContext else { fatalError("not a CUDA instance-norm context") }
        let shape = context.normalized.shape
        let (channels, planeSize) = (shape[1], shape[2] * shape[3])
        let planes = shape[0] * channels
        let (sums, products) = (tensor([shape[0], channels]), tensor([shape[0], channels]))
        let common: [CUDADevice.Argument] = [buffer(context.gamma), buffer(context.beta), .int(Int32(channels)),
                                             .int(context.perSample ? 1 : 0), .int(context.appliedReLU ? 1 : 0)]
        run("instance_norm_backward_sums", blocks: planes,
            [buffer(dy), buffer(context.normalized)] + common + [.long(planeSize), buffer(sums), buffer(products)])
        let dx = tensor(shape)
        run("instance_norm_backward", elements: dx.count,
            [buffer(dy), buffer(context.normalized), buffer(context.gamma), buffer(context.beta),
             buffer(context.inverseDeviations), buffer(sums), buffer(products), .int(Int32(channels)),
             .int(context.perSample ? 1 : 0), .int(context.appliedReLU ? 1 : 0), .long(planeSize), .long(planes),
             buffer(dx)])
        // dγ = Σ g·x̂ and dβ = Σ g, per sample and channel, or summed over the samples.
        func parameterGradient(_ perPlane: Tensor, shape: [Int]?) -> Tensor? {
            guard let shape else { return nil }
            if shape.count == 2 { return perPlane }
            return Tensor(shape: shape, storage: sum(perPlane, to: [1, channels]).storage)
        }
        return (dx, parameterGradient(products, shape: context.givenShapes.gamma),
                parameterGradient(sums, shape: context.givenShapes.beta))
    }
}
