import Tensor

/// Convolutions on cuDNN (bias and ReLU by our kernel after it; uneven padding as an explicit
/// zero padding first, since cuDNN pads both sides alike) and pooling on our kernels.
extension CUDABackend {
    /// cuDNN's description of a convolution of `x` by `geometry`, and the padding to add first
    /// when the two sides differ.
    private func convolutionShape(input: [Int], weight: [Int], geometry: WindowGeometry)
        -> (shape: CUDNN.Convolution, explicitPadding: Padding2D?) {
        let p = geometry.padding
        let even = p.top == p.bottom && p.left == p.right
        var input = input
        if !even { (input[2], input[3]) = (input[2] + p.top + p.bottom, input[3] + p.left + p.right) }
        let shape = CUDNN.Convolution(input: input, filters: weight, padding: even ? (p.top, p.left) : (0, 0),
                                      stride: geometry.stride, groups: geometry.groups, tf32: tf32)
        return (shape, even ? nil : p)
    }

    public func convolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                            applyingReLU: Bool) -> Tensor {
        let (shape, explicitPadding) = convolutionShape(input: x.shape, weight: weight.shape, geometry: geometry)
        let input = explicitPadding.map { pad(x, $0, mode: .zero) } ?? x
        let y = tensor(shape.output)
        attempt {
            try device.withWorkspace { workspace in
                try device.cudnn().convolve(shape, x: input.storage.pointer, w: weight.storage.pointer,
                                            y: y.storage.pointer, workspace: workspace)
            }
        }
        if bias != nil || applyingReLU {
            run("add_channel_bias", elements: y.count, [buffer(y), buffer(bias), .int(Int32(y.shape[1])),
                                                          .long(y.shape[2] * y.shape[3]), .int(applyingReLU ? 1 : 0),
                                                          .long(y.count)])
        }
        return y
    }

    public func reflectionPaddedConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                                            applyingReLU: Bool) -> Tensor? { nil }

    public func upsampledConvolution(_ x: Tensor, factor: Int, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                                     paddingMode: PaddingMode, applyingReLU: Bool) -> Tensor? { nil }

    public func convolutionBackwardData(_ dy: Tensor, reluMask: AnyObject?, weight: Tensor, inputShape: [Int],
                                        inputLayout: Layout, geometry: WindowGeometry) -> Tensor {
        let dy = reluMask.map { reluBackward(dy, mask: $0) } ?? dy
        let (shape, explicitPadding) = convolutionShape(input: inputShape, weight: weight.shape, geometry: geometry)
        let dx = tensor(shape.input)
        attempt {
            try device.withWorkspace { workspace in
                try device.cudnn().inputGradient(shape, dy: dy.storage.pointer, w: weight.storage.pointer,
                                                 dx: dx.storage.pointer, workspace: workspace)
            }
        }
        return explicitPadding.map { padBackward(dx, $0, mode: .zero, inputShape: inputShape) } ?? dx
    }

    public func convolutionBackwardWeights(_ dy: Tensor, input x: Tensor, weightShape: [Int], withBias: Bool,
                                           geometry: WindowGeometry) -> (weight: Tensor, bias: Tensor?) {
        let (shape, explicitPadding) = convolutionShape(input: x.shape, weight: weightShape, geometry: geometry)
        let input = explicitPadding.map { pad(x, $0, mode: .zero) } ?? x
        let dw = tensor(weightShape)
        attempt {
            try device.withWorkspace { workspace in
                try device.cudnn().filterGradient(shape, x: input.storage.pointer, dy: dy.storage.pointer,
                                                  dw: dw.storage.pointer, workspace: workspace)
            }
        }
        guard withBias else { return (dw, nil) }
        let db = tensor([dy.shape[1]])
        run("channel_sums", blocks: dy.shape[1], [buffer(dy), buffer(db), .int(Int32(dy.shape[0])),
                                                 .int(Int32(dy.shape[1])), .long(dy.shape[2] * dy.shape[3])])
        return (dw, db)
    }

    // MARK: pooling

    /// The pooling kernels' sizes after the pointers: planes, input and output sides, window,
    /// stride and the padding before.
    private func poolingGeometry(_ input: [Int], _ output: [Int], _ geometry: WindowGeometry,
                                 _ kind: PoolingKind) -> [CUDADevice.Argument] {
        [.int(kind == .max ? 0 : 1), .long(input[0] * input[1]), .int(Int32(input[2])), .int(Int32(input[3])),
         .int(Int32(output[2])), .int(Int32(output[3])), .int(Int32(geometry.kernelHeight)),
         .int(Int32(geometry.kernelWidth)), .int(Int32(geometry.stride)), .int(Int32(geometry.padding.top)),
         .int(Int32(geometry.padding.left))]
    }

    public func pooling(_ x: Tensor, kind: PoolingKind, geometry: WindowGeometry) -> (y: Tensor, context: AnyObject?) {
        let y = tensor([x.shape[0], x.shape[1], geometry.outputHeight(x.shape[2]), geometry.outputWidth(x.shape[3])])
        // The winners' indices (32-bit integers, one float slot each) for the backward pass.
        let winners = kind == .max ? Storage(count: y.count, pool: device.pool) : nil
        run("pool", elements: y.count, [buffer(x), buffer(y), .buffer(winners.map { UnsafeMutableRawPointer($0.pointer) })]
            + poolingGeometry(x.shape, y.shape, geometry, kind))
        return (y, winners)
    }

    public func poolingBackward(_ dy: Tensor, inputShape: [Int], inputLayout: Layout, kind: PoolingKind,
                                geometry: WindowGeometry, context: AnyObject?) -> Tensor {
        let dx = tensor(inputShape)
        let winners = (context as? Storage).map { UnsafeMutableRawPointer($0.pointer) }
        run("pool_backward", elements: dx.count, [buffer(dy), .buffer(winners), buffer(dx)]
            + poolingGeometry(inputShape, dy.shape, geometry, kind))
        return dx
    }
}
