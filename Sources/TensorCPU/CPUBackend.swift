import CDNNL
import Tensor

/// The CPU backend: oneDNN for convolution, pooling, reorders and Gram matrices (AMX matmul,
/// or `dnnl_sgemm` on plain maps without AMX; `BlockedGram` on 8-channel blocks), our Winograd kernels for 3×3 convolutions of 32 channels or more where
/// oneDNN has none (AVX2), and plain Swift loops (`parallelChunks`) for the cheap element-wise work.
///
/// Convolution outputs whose channels fill whole blocks stay in oneDNN's blocked layout (16 channels on AVX-512, 8 on AVX2),
/// so a chain of convolutions never reorders between layers. Not thread-safe: one
/// backend drives one computation at a time.
public final class CPUBackend: ComputeBackend {
    /// How gradients are computed through convolutions and Gram matrices.
    public enum GradientPrecision: String, CaseIterable, Sendable {
        /// Everything in f32.
        case float32
        /// bfloat16 operands with f32 accumulation where the CPU has AMX tiles (3-5× faster
        /// than f32 Winograd there; about 3 significant digits), f32 elsewhere. Forward values,
        /// and so the losses, keep f32-level accuracy (Gram matrices use a two-part bfloat16
        /// split there, about 3·10⁻⁶ relative error).
        case bfloat16
    }

    /// Where convolutions run on our own kernels instead of oneDNN's: 3×3 stride-1 ones on
    /// `WinogradConvolution`, and (unless `.never`) those into or out of a few channels on
    /// `NarrowConvolution`. oneDNN is what PyTorch's CPU convolutions run, so with `.never` a
    /// computation follows PyTorch's arithmetic step for step; ours sum in other orders.
    public enum WinogradUse: String, CaseIterable, Sendable {
        /// Never: oneDNN everywhere.
        case never
        /// Where it is faster than oneDNN: on CPUs without AVX-512 (where oneDNN reads 8-channel
        /// blocks), for the convolutions `WinogradConvolution.isFaster` picks.
        case whereFaster
        /// Wherever it can (every 8-channel-blocked 3×3 stride-1 convolution): for tests.
        case always
    }

    /// The output tiles of our Winograd kernels on CPUs with AVX2 (elsewhere always 4×4).
    public enum WinogradTiles: String, CaseIterable, Sendable {
        /// F(6×6, 3×3) where it costs less than F(4×4, 3×3) (many pixels for the channels), else F(4×4).
        case cheaper
        /// Always F(4×4, 3×3), or always F(6×6, 3×3): for tests and benchmarks.
        case four, six
    }

    /// The precision of gradients through convolutions and Gram matrices.
    public let gradientPrecision: GradientPrecision
    /// Where convolutions run on our Winograd kernels.
    public let winograd: WinogradUse
    /// The output tiles of our Winograd kernels.
    public let winogradTiles: WinogradTiles
    /// Input gradients of convolutions and Gram matrices computed so far in bfloat16 (on AMX)
    /// and in f32: what ran, which `gradientPrecision` only allows (bfloat16 needs AMX tiles).
    public private(set) var gradientOperations: (bfloat16: Int, float32: Int) = (0, 0)
    private let context = DNNLContext()
    private var convolutionPlans: [ConvolutionKey: ConvolutionPlan] = [:]
    private var poolingPlans: [PoolingKey: PoolingPlan] = [:]
    private var reorders: [ReorderKey: DNNLPrimitive] = [:]
    private var reluPlans: [ReorderKey: DNNLPrimitive] = [:]
    private var reorderedWeights: [ObjectIdentifier: [ReorderedWeights]] = [:]
    private var gramPlans: [[Int]: BFloat16Gram?] = [:]

    /// Weights in a kernel's preferred format, valid while the source is alive and unchanged
    /// (the weak reference tells a reused address from the original buffer).
    private struct ReorderedWeights {
        weak var source: Storage?
        let version: Int
        let format: dnnl_memory_desc_t
        let reordered: Storage
    }

    private struct ReorderKey: Hashable {
        let shape: [Int], from: Layout, to: Layout
    }

    /// Creates the oneDNN engine and stream; `gradientPrecision` picks f32 or AMX bfloat16
    /// for gradients (and the AMX Gram forward), `winograd` where our Winograd kernels run and
    /// `winogradTiles` with which tiles.
    public init(gradientPrecision: GradientPrecision = .bfloat16, winograd: WinogradUse = .whereFaster,
                winogradTiles: WinogradTiles = .cheaper) {
        self.gradientPrecision = gradientPrecision
        self.winograd = winograd
        self.winogradTiles = winogradTiles
    }

    // MARK: memory and layout

    public func upload(_ values: [Float], shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: Storage(values))
    }

    public func download(_ x: Tensor) -> [Float] {
        let plain = reorder(x, to: .plain)
        return withExtendedLifetime(plain) { Array(plain.storage.buffer) }
    }

    public func copy(_ x: Tensor) -> Tensor {
        let copy = Storage(count: x.count)
        copy.pointer.update(from: x.storage.pointer, count: x.count)
        return Tensor(shape: x.shape, layout: x.layout, storage: copy)
    }

    public func assign(_ source: Tensor, to target: Tensor) {
        precondition(source.shape == target.shape, "assign \(source.shape) to \(target.shape)")
        let source = reorder(source, to: target.layout)
        guard source.storage !== target.storage else { return }
        target.storage.pointer.update(from: source.storage.pointer, count: target.count)
        target.storage.markModified()
    }

    public func filled(shape: [Int], layout: Layout, value: Float) -> Tensor {
        let storage = Storage(count: shape.reduce(1, *))
        storage.pointer.initialize(repeating: value, count: storage.count)
        return Tensor(shape: shape, layout: layout, storage: storage)
    }

    public func reorder(_ x: Tensor, to layout: Layout) -> Tensor {
        guard x.layout != layout else { return x }
        let key = ReorderKey(shape: x.shape, from: x.layout, to: layout)
        let source = context.descriptor(x.shape, x.layout), destination = context.descriptor(x.shape, layout)
        let primitive = reorders[key] ?? context.reorder(from: source, to: destination)
        reorders[key] = primitive
        let y = Tensor(shape: x.shape, layout: layout, storage: Storage(count: x.count))
        context.execute(primitive, [(DNNLArgument.src, source, x.storage.raw),
                                    (DNNLArgument.dst, destination, y.storage.raw)])
        return y
    }

    // MARK: convolution

    private func plan(_ key: ConvolutionKey) -> ConvolutionPlan {
        if let plan = convolutionPlans[key] { return plan }
        let plan = ConvolutionPlan(key, context: context)
        convolutionPlans[key] = plan
        return plan
    }

    /// `weight` (plain OIHW) in the format `descriptor` asks for, reordered once per
    /// weight version and shared by every plan that wants the same format.
    private func weights(_ weight: Tensor, geometry: WindowGeometry, as descriptor: dnnl_memory_desc_t) -> Storage {
        let storage = weight.storage
        let key = ObjectIdentifier(storage)
        if let cached = reorderedWeights[key]?.first(where: { $0.source === storage && $0.version == storage.version
                                                              && sameLayout($0.format, descriptor) }) {
            return cached.reordered
        }
        let reordered = context.reordered(storage.raw, from: context.descriptor(geometry.dnnlWeightShape(weight.shape), .plain),
                                           to: descriptor)
        reorderedWeights = reorderedWeights.filter { $0.value.contains { $0.source != nil } }
        reorderedWeights[key, default: []].removeAll { $0.source !== storage || $0.version != storage.version }
        reorderedWeights[key, default: []].append(
            ReorderedWeights(source: storage, version: storage.version, format: descriptor, reordered: reordered))
        return reordered
    }

    /// Whether a convolution of an `inputShape` input (or its weight gradient, `forWeightGradient`)
    /// runs on `WinogradConvolution`, as `winograd` asks.
    private func usesWinograd(inputShape: [Int], outputChannels: Int, layout: Layout, geometry: WindowGeometry,
                              forWeightGradient: Bool = false) -> Bool {
        guard WinogradConvolution.supports(inputChannels: inputShape[1], outputChannels: outputChannels,
                                           layout: layout, geometry: geometry) else { return false }
        switch winograd {
        case .never: return false
        case .always: return true
        case .whereFaster:
            let outputShape = [inputShape[0], outputChannels, geometry.outputHeight(inputShape[2]),
                               geometry.outputWidth(inputShape[3])]
            return forWeightGradient
                ? WinogradConvolution.isFasterForWeightGradient(inputChannels: inputShape[1], outputShape: outputShape)
                : WinogradConvolution.isFaster(inputChannels: inputShape[1], outputShape: outputShape)
        }
    }

    /// Output channels rounded up to whole blocks, when a blocked input feeds a convolution whose
    /// outputs fill no whole block (a network's RGB output): oneDNN has only reference kernels for
    /// that, so the weights get zero filters up to a block and the extra channels are cut off.
    private func paddedOutputChannels(_ weightShape: [Int], inputLayout: Layout, geometry: WindowGeometry) -> Int? {
        let block = DNNLContext.blockedLayout.blockSize
        guard inputLayout != .plain, geometry.groups == 1, weightShape[0] % block != 0 else { return nil }
        return (weightShape[0] + block - 1) / block * block
    }

    /// `x` (plain) with zeros appended along `axis` up to `extent`.
    private func zeroExtended(_ x: Tensor, axis: Int, to extent: Int) -> Tensor {
        var zeros = x.shape
        zeros[axis] = extent - x.shape[axis]
        return concatenate([x, filled(shape: zeros, layout: .plain, value: 0)], axis: axis)
    }

    /// Whether a plain input with this many channels runs faster reordered to our blocked layout:
    /// oneDNN has only reference kernels for plain inputs of many channels (the picture's own 3
    /// channels have their own handling below).
    private func blocksPlainInput(_ shape: [Int], _ layout: Layout, geometry: WindowGeometry) -> Bool {
        let block = DNNLContext.blockedLayout.blockSize
        return layout == .plain && shape.count == 4 && shape[1] >= block && shape[1] % block == 0 && geometry.groups == 1
    }

    /// Input channels rounded up to a whole block, for plain inputs of more channels than a
    /// picture's 3 that fill no whole block (a network's few-channel layers): oneDNN has only a
    /// slow GEMM path for those (1.5 GFLOP/s for Magenta's last 4→3 9×9 convolution), so the
    /// input and the filters get zero channels up to a block and run blocked.
    private func paddedInputChannels(_ shape: [Int], _ layout: Layout, geometry: WindowGeometry) -> Int? {
        let block = DNNLContext.blockedLayout.blockSize
        guard layout == .plain, shape.count == 4, geometry.groups == 1, shape[1] > 3, shape[1] % block != 0 else { return nil }
        return (shape[1] + block - 1) / block * block
    }

    public func convolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                            applyingReLU: Bool) -> Tensor {
        if winograd != .never, let kernel = NarrowConvolution.kernel(
            inputChannels: x.shape[1], outputChannels: weight.shape[0], inputLayout: x.layout, geometry: geometry) {
            let shape = [x.shape[0], weight.shape[0], geometry.outputHeight(x.shape[2]), geometry.outputWidth(x.shape[3])]
            let y = Tensor(shape: shape, layout: kernel.outputLayout,
                           storage: Storage(count: shape.reduce(1, *)))
            NarrowConvolution.convolve(kernel, x.storage.pointer, shape: x.shape, weights: weight.storage.pointer,
                                       weightShape: weight.shape, transposed: false, bias: bias?.storage.pointer,
                                       applyingReLU: applyingReLU, padding: (geometry.padding.top, geometry.padding.left),
                                       outputHeight: shape[2], outputWidth: shape[3], into: y.storage.pointer)
            return y
        }
        if let padded = paddedInputChannels(x.shape, x.layout, geometry: geometry) {
            return convolution(reorder(zeroExtended(x, axis: 1, to: padded), to: DNNLContext.blockedLayout),
                               weight: zeroExtended(weight, axis: 1, to: padded), bias: bias, geometry: geometry,
                               applyingReLU: applyingReLU)
        }
        if blocksPlainInput(x.shape, x.layout, geometry: geometry) {
            return convolution(reorder(x, to: DNNLContext.blockedLayout), weight: weight, bias: bias, geometry: geometry,
                               applyingReLU: applyingReLU)
        }
        if let padded = paddedOutputChannels(weight.shape, inputLayout: x.layout, geometry: geometry) {
            let y = convolution(x, weight: zeroExtended(weight, axis: 0, to: padded),
                                bias: bias.map { zeroExtended($0, axis: 0, to: padded) }, geometry: geometry,
                                applyingReLU: applyingReLU)
            return slice(y, axis: 1, range: 0..<weight.shape[0])
        }
        if usesWinograd(inputShape: x.shape, outputChannels: weight.shape[0], layout: x.layout, geometry: geometry) {
            let shape = [x.shape[0], weight.shape[0], geometry.outputHeight(x.shape[2]), geometry.outputWidth(x.shape[3])]
            let y = Tensor(shape: shape, layout: x.layout, storage: Storage(count: shape.reduce(1, *)))
            WinogradConvolution.convolve(x.storage.pointer, shape: x.shape, weights: weight.storage.pointer,
                                         weightShape: weight.shape, forInputGradient: false,
                                         bias: bias?.storage.pointer, applyingReLU: applyingReLU,
                                         padding: (geometry.padding.top, geometry.padding.left),
                                         outputHeight: shape[2], outputWidth: shape[3], tiles: winogradTiles,
                                         into: y.storage.pointer)
            return y
        }
        let plan = plan(ConvolutionKey(inputShape: x.shape, inputLayout: x.layout, weightShape: weight.shape,
                                       geometry: geometry, withBias: bias != nil, fusedReLU: applyingReLU))
        let weightsFormat = plan.forward.memoryDescriptor(dnnl_query_weights_md)
        let weights = weights(weight, geometry: geometry, as: weightsFormat)
        let y = Tensor(shape: plan.outputShape, layout: plan.outputLayout,
                       storage: Storage(count: plan.outputShape.reduce(1, *)))
        var arguments = [(DNNLArgument.src, context.descriptor(x.shape, x.layout), x.storage.raw),
                         (DNNLArgument.weights, weightsFormat, weights.raw),
                         (DNNLArgument.dst, plan.outputDescriptor, y.storage.raw)]
        if let bias {
            arguments.append((DNNLArgument.bias, context.descriptor(bias.shape, .plain), bias.storage.raw))
        }
        context.execute(plan.forward, arguments)
        return y
    }

    public func convolutionBackwardData(_ dy: Tensor, reluMask: AnyObject?, weight: Tensor, inputShape: [Int],
                                        inputLayout: Layout, geometry: WindowGeometry) -> Tensor {
        if winograd != .never, let forward = NarrowConvolution.kernel(
            inputChannels: inputShape[1], outputChannels: weight.shape[0], inputLayout: inputLayout, geometry: geometry) {
            // The input gradient's convolution runs on the transposed kernel; a mask is laid out like dy.
            gradientOperations.float32 += 1
            var dy = reorder(dy, to: forward.outputLayout)
            if let reluMask { dy = reluBackward(dy, mask: ReLUMask.from(reluMask)) }
            let dx = Tensor(shape: inputShape, layout: inputLayout, storage: Storage(count: inputShape.reduce(1, *)))
            NarrowConvolution.convolve(forward.transposed, dy.storage.pointer, shape: dy.shape, weights: weight.storage.pointer,
                                       weightShape: weight.shape, transposed: true, bias: nil, applyingReLU: false,
                                       padding: NarrowConvolution.backwardPadding(geometry),
                                       outputHeight: inputShape[2], outputWidth: inputShape[3], into: dx.storage.pointer)
            return dx
        }
        if let padded = paddedInputChannels(inputShape, inputLayout, geometry: geometry) {
            var paddedShape = inputShape
            paddedShape[1] = padded
            let dx = convolutionBackwardData(dy, reluMask: reluMask, weight: zeroExtended(weight, axis: 1, to: padded),
                                             inputShape: paddedShape, inputLayout: DNNLContext.blockedLayout,
                                             geometry: geometry)
            return slice(reorder(dx, to: .plain), axis: 1, range: 0..<inputShape[1])
        }
        if blocksPlainInput(inputShape, inputLayout, geometry: geometry) {
            return reorder(convolutionBackwardData(dy, reluMask: reluMask, weight: weight, inputShape: inputShape,
                                                   inputLayout: DNNLContext.blockedLayout, geometry: geometry), to: .plain)
        }
        if let padded = paddedOutputChannels(weight.shape, inputLayout: inputLayout, geometry: geometry) {
            let masked = reluMask.map { reluBackward(dy, mask: $0) } ?? dy
            return convolutionBackwardData(zeroExtended(reorder(masked, to: .plain), axis: 1, to: padded), reluMask: nil,
                                           weight: zeroExtended(weight, axis: 0, to: padded), inputShape: inputShape,
                                           inputLayout: inputLayout, geometry: geometry)
        }
        if usesWinograd(inputShape: inputShape, outputChannels: weight.shape[0], layout: inputLayout, geometry: geometry) {
            gradientOperations.float32 += 1
            var dy = reorder(dy, to: inputLayout)
            // The AVX2 kernels apply the mask as they read dy, saving a pass over it.
            let mask = reluMask.map(ReLUMask.from)
            let fused = mask?.layout == inputLayout && WinogradConvolution.readsMasks(outputChannels: inputShape[1])
            if let mask, !fused { dy = reluBackward(dy, mask: mask) }
            let dx = Tensor(shape: inputShape, layout: inputLayout, storage: Storage(count: inputShape.reduce(1, *)))
            let padding = WinogradConvolution.backwardPadding(geometry.padding)
            withExtendedLifetime(mask) {
                WinogradConvolution.convolve(dy.storage.pointer, shape: dy.shape, weights: weight.storage.pointer,
                                             weightShape: weight.shape, forInputGradient: true, bias: nil,
                                             applyingReLU: false, padding: (padding.top, padding.left),
                                             outputHeight: inputShape[2], outputWidth: inputShape[3],
                                             inputMask: fused ? UnsafePointer(mask!.bytes) : nil, tiles: winogradTiles,
                                             into: dx.storage.pointer)
            }
            return dx
        }
        let plan = plan(ConvolutionKey(inputShape: inputShape, inputLayout: inputLayout, weightShape: weight.shape,
                                       geometry: geometry, withBias: false, fusedReLU: false))
        let mask = reluMask.map(ReLUMask.from)
        // A mask is laid out like the convolution's output, so one reorder serves both.
        var dy = reorder(dy, to: plan.outputLayout)
        if gradientPrecision == .bfloat16, let primitive = plan.bfloat16BackwardData {
            gradientOperations.bfloat16 += 1
            return bfloat16BackwardData(dy, mask: mask, weight: weight, geometry: geometry, primitive: primitive,
                                        inputShape: inputShape, inputLayout: inputLayout)
        }
        gradientOperations.float32 += 1
        if let mask { dy = reluBackward(dy, mask: mask) }
        let primitive = plan.backwardData
        let weightsFormat = primitive.memoryDescriptor(dnnl_query_weights_md)
        let weights = weights(weight, geometry: geometry, as: weightsFormat)
        let wanted = context.descriptor(inputShape, inputLayout)
        var chosen = primitive.memoryDescriptor(dnnl_query_diff_src_md)
        let direct = sameLayout(chosen, wanted)
        let dx = Storage(count: direct ? inputShape.reduce(1, *) : dnnl_memory_desc_get_size(&chosen) / 4)
        let gradientFormat = primitive.memoryDescriptor(dnnl_query_diff_dst_md)
        let gradient = context.operand(dy, as: gradientFormat)
        context.execute(primitive, [
            (DNNLArgument.diffDst, gradientFormat, gradient.pointer),
            (DNNLArgument.weights, weightsFormat, weights.raw),
            (DNNLArgument.diffSrc, chosen, dx.raw),
        ])
        withExtendedLifetime(gradient.keep) {}
        guard !direct else { return Tensor(shape: inputShape, layout: inputLayout, storage: dx) }
        return Tensor(shape: inputShape, layout: inputLayout, storage: context.reordered(dx.raw, from: chosen, to: wanted))
    }

    /// Backward-data through `primitive`'s bfloat16 channels-last operands, converting on the way
    /// in and out.
    private func bfloat16BackwardData(_ dy: Tensor, mask: ReLUMask?, weight: Tensor, geometry: WindowGeometry,
                                      primitive: DNNLPrimitive, inputShape: [Int], inputLayout: Layout) -> Tensor {
        let weightsFormat = primitive.memoryDescriptor(dnnl_query_weights_md)
        let weights = weights(weight, geometry: geometry, as: weightsFormat)
        let dyFormat = primitive.memoryDescriptor(dnnl_query_diff_dst_md)
        var dxFormat = primitive.memoryDescriptor(dnnl_query_diff_src_md)
        let dyHalf: Storage
        if dy.layout == .channelsBlocked16 {
            dyHalf = Storage(bytes: dy.count * 2)
            blockedToChannelsLastBFloat16(dy, mask: mask, into: dyHalf.raw.assumingMemoryBound(to: UInt16.self))
        } else {
            let masked = mask.map { reluBackward(dy, mask: $0) } ?? dy
            dyHalf = context.reordered(masked.storage.raw, from: context.descriptor(dy.shape, dy.layout), to: dyFormat)
        }
        let dxChannelsLast = Storage(bytes: dnnl_memory_desc_get_size(&dxFormat))
        context.execute(primitive, [(DNNLArgument.diffDst, dyFormat, dyHalf.raw),
                                    (DNNLArgument.weights, weightsFormat, weights.raw),
                                    (DNNLArgument.diffSrc, dxFormat, dxChannelsLast.raw)])
        let dx = context.reordered(dxChannelsLast.raw, from: dxFormat, to: context.descriptor(inputShape, inputLayout))
        return Tensor(shape: inputShape, layout: inputLayout, storage: dx)
    }

    public func convolutionBackwardWeights(_ dy: Tensor, input x: Tensor, weightShape: [Int], withBias: Bool,
                                           geometry: WindowGeometry) -> (weight: Tensor, bias: Tensor?) {
        if usesWinograd(inputShape: x.shape, outputChannels: weightShape[0], layout: x.layout, geometry: geometry,
                        forWeightGradient: true) {
            let dy = reorder(dy, to: .channelsBlocked8)
            let weights = WinogradConvolution.weightGradient(dy, input: x, padding: geometry.padding)
            var bias: Tensor?
            if withBias {
                let perImage = download(sum(dy, to: [dy.shape[0], dy.shape[1], 1, 1]))
                let channels = dy.shape[1]
                bias = upload((0..<channels).map { c in (0..<dy.shape[0]).reduce(Float(0)) { $0 + perImage[$1 * channels + c] } },
                              shape: [channels])
            }
            return (upload(weights, shape: weightShape), bias)
        }
        if let padded = paddedInputChannels(x.shape, x.layout, geometry: geometry) {
            var paddedShape = weightShape
            paddedShape[1] = padded
            let (dw, db) = convolutionBackwardWeights(
                dy, input: reorder(zeroExtended(x, axis: 1, to: padded), to: DNNLContext.blockedLayout),
                weightShape: paddedShape, withBias: withBias, geometry: geometry)
            return (slice(dw, axis: 1, range: 0..<weightShape[1]), db)
        }
        if blocksPlainInput(x.shape, x.layout, geometry: geometry) {
            return convolutionBackwardWeights(dy, input: reorder(x, to: DNNLContext.blockedLayout), weightShape: weightShape,
                                              withBias: withBias, geometry: geometry)
        }
        if let padded = paddedOutputChannels(weightShape, inputLayout: x.layout, geometry: geometry) {
            var paddedShape = weightShape
            paddedShape[0] = padded
            let (dw, db) = convolutionBackwardWeights(zeroExtended(reorder(dy, to: .plain), axis: 1, to: padded),
                                                      input: x, weightShape: paddedShape, withBias: withBias,
                                                      geometry: geometry)
            let rows = 0..<weightShape[0]
            return (slice(dw, axis: 0, range: rows), db.map { slice($0, axis: 0, range: rows) })
        }
        let plan = plan(ConvolutionKey(inputShape: x.shape, inputLayout: x.layout, weightShape: weightShape,
                                       geometry: geometry, withBias: withBias, fusedReLU: false))
        let dy = reorder(dy, to: plan.outputLayout)
        let primitive = plan.backwardWeights
        let weightsDescriptor = primitive.memoryDescriptor(dnnl_query_diff_weights_md)
        var size = weightsDescriptor
        let blockedWeights = Storage(count: dnnl_memory_desc_get_size(&size) / MemoryLayout<Float>.stride)
        let db = withBias ? Tensor(shape: [weightShape[0]], storage: Storage(count: weightShape[0])) : nil
        let gradient = context.operand(dy, as: plan.outputDescriptor)
        var arguments = [(DNNLArgument.src, context.descriptor(x.shape, x.layout), x.storage.raw),
                         (DNNLArgument.diffDst, plan.outputDescriptor, gradient.pointer),
                         (DNNLArgument.diffWeights, weightsDescriptor, blockedWeights.raw)]
        if let db {
            arguments.append((DNNLArgument.diffBias, context.descriptor(db.shape, .plain), db.storage.raw))
        }
        context.execute(primitive, arguments)
        withExtendedLifetime(gradient.keep) {}
        let dw = context.reordered(blockedWeights.raw, from: weightsDescriptor,
                                   to: context.descriptor(geometry.dnnlWeightShape(weightShape), .plain))
        return (Tensor(shape: weightShape, storage: dw), db)
    }

    // MARK: pooling

    public func pooling(_ x: Tensor, kind: PoolingKind, geometry: WindowGeometry) -> (y: Tensor, context: AnyObject?) {
        if MaxPooling.runs(kind, shape: x.shape, layout: x.layout, geometry: geometry) {
            let (y, choices) = MaxPooling.forward(x)
            return (y, choices)
        }
        let key = PoolingKey(inputShape: x.shape, layout: x.layout, kind: kind, geometry: geometry)
        let plan = poolingPlans[key] ?? PoolingPlan(key, context: context)
        poolingPlans[key] = plan
        let y = Tensor(shape: plan.outputShape, layout: x.layout,
                       storage: Storage(count: plan.outputShape.reduce(1, *)))
        var arguments = [(DNNLArgument.src, context.descriptor(x.shape, x.layout), x.storage.raw),
                         (DNNLArgument.dst, context.descriptor(y.shape, y.layout), y.storage.raw)]
        var workspace: PoolingWorkspace?
        if var descriptor = plan.workspaceDescriptor {
            let bytes = dnnl_memory_desc_get_size(&descriptor)
            workspace = PoolingWorkspace(storage: Storage(count: (bytes + 3) / 4))
            arguments.append((DNNLArgument.workspace, descriptor, workspace!.storage.raw))
        }
        context.execute(plan.forward, arguments)
        return (y, workspace)
    }

    public func poolingBackward(_ dy: Tensor, inputShape: [Int], inputLayout: Layout, kind: PoolingKind,
                                geometry: WindowGeometry, context workspace: AnyObject?) -> Tensor {
        if let choices = workspace as? MaxPooling.Choices {
            return MaxPooling.backward(reorder(dy, to: inputLayout), choices: choices, inputShape: inputShape)
        }
        let key = PoolingKey(inputShape: inputShape, layout: inputLayout, kind: kind, geometry: geometry)
        guard let plan = poolingPlans[key] else { fatalError("pooling backward before its forward: \(key)") }
        let dy = reorder(dy, to: inputLayout)
        let dx = Tensor(shape: inputShape, layout: inputLayout, storage: Storage(count: inputShape.reduce(1, *)))
        var arguments = [(DNNLArgument.diffDst, context.descriptor(dy.shape, dy.layout), dy.storage.raw),
                         (DNNLArgument.diffSrc, context.descriptor(dx.shape, dx.layout), dx.storage.raw)]
        if let descriptor = plan.workspaceDescriptor, let workspace = workspace as? PoolingWorkspace {
            arguments.append((DNNLArgument.workspace, descriptor, workspace.storage.raw))
        }
        context.execute(plan.backward, arguments)
        return dx
    }

    // MARK: element-wise

    /// `a ∘ b` for operands of one shape and layout.
    func sameShapeBinary(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape && a.layout == b.layout, "binary op on \(a) and \(b)")
        let y = Tensor(shape: a.shape, layout: a.layout, storage: Storage(count: a.count))
        let (pa, pb, py) = (a.storage.pointer, b.storage.pointer, y.storage.pointer)
        parallelChunks(a.count) { range in
            let start = range.lowerBound
            applyBinary(operation, pa + start, pb + start, py + start, range.count)
        }
        return y
    }

    public func add(_ x: Tensor, into sum: Tensor) {
        precondition(x.shape == sum.shape && x.layout == sum.layout, "add \(x) into \(sum)")
        let (px, ps) = (x.storage.pointer, sum.storage.pointer)
        parallelChunks(x.count) { range in for i in range { ps[i] += px[i] } }
        sum.storage.markModified()
    }

    public func relu(_ x: Tensor) -> Tensor {
        let plan = reluPlan(x.shape, x.layout)
        let y = Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count))
        let descriptor = context.descriptor(x.shape, x.layout)
        context.execute(plan, [(DNNLArgument.src, descriptor, x.storage.raw),
                                       (DNNLArgument.dst, descriptor, y.storage.raw)])
        return y
    }

    // Written so that the compiler vectorises them: a select into an integer, a multiply
    // by the widened byte (branchy forms ran 1.6-1.8× slower).
    public func reluMask(_ y: Tensor) -> AnyObject {
        let mask = ReLUMask(shape: y.shape, layout: y.layout)
        let (py, pm) = (y.storage.pointer, mask.bytes)
        parallelChunks(y.count) { range in
            for i in range { pm[i] = UInt8(truncatingIfNeeded: (py[i] > 0 ? 1 : 0) as Int32) }
        }
        return mask
    }

    public func reluBackward(_ dy: Tensor, mask: AnyObject) -> Tensor {
        let mask = ReLUMask.from(mask)
        let dy = reorder(dy, to: mask.layout)
        let dx = Tensor(shape: mask.shape, layout: mask.layout, storage: Storage(count: dy.count))
        let (pg, pm, pd) = (dy.storage.pointer, mask.bytes, dx.storage.pointer)
        parallelChunks(dy.count) { range in for i in range { pd[i] = pg[i] * Float(pm[i]) } }
        return dx
    }

    /// oneDNN's ReLU forward.
    private func reluPlan(_ shape: [Int], _ layout: Layout) -> DNNLPrimitive {
        let key = ReorderKey(shape: shape, from: layout, to: layout)
        if let plan = reluPlans[key] { return plan }
        var data = context.descriptor(shape, layout)
        var desc = dnnl_eltwise_desc_t()
        dnnlCheck(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, dnnl_eltwise_relu, &data, 0, 0),
                  "eltwise_forward_desc_init")
        guard let forward = DNNLPrimitive(&desc, engine: context.engine) else { fatalError("oneDNN has no ReLU") }
        reluPlans[key] = forward
        return forward
    }

    // MARK: Gram matrices

    /// What a Gram matrix's backward keeps of its input: the AMX plan with the bfloat16 part it
    /// used (half the size of the features), or the features themselves.
    private final class GramInput {
        enum Kept {
            case amx(BFloat16Gram, high: Storage, shape: [Int])
            case features(Tensor)
        }
        let kept: Kept
        init(_ kept: Kept) { self.kept = kept }
    }

    /// The AMX plan for blocked features of `shape`, if bfloat16 is allowed and oneDNN runs it on AMX.
    private func bfloat16Gram(_ shape: [Int], _ layout: Layout) -> BFloat16Gram? {
        guard gradientPrecision == .bfloat16, layout == .channelsBlocked16 else { return nil }
        let key = [shape[1], shape[2] * shape[3]]
        if let plan = gramPlans[key] { return plan }
        let plan = BFloat16Gram(channels: key[0], pixels: key[1], context: context)
        gramPlans[key] = plan
        return plan
    }

    public func gram(_ x: Tensor, scale: Float) -> (y: Tensor, context: AnyObject) {
        if let plan = bfloat16Gram(x.shape, x.layout) {
            let (g, high) = plan(x, scale: scale)
            return (g, GramInput(.amx(plan, high: high, shape: x.shape)))
        }
        if BlockedGram.takes(x) { return (BlockedGram.gram(x, scale: scale), GramInput(.features(x))) }
        let plain = reorder(x, to: .plain)
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let g = Tensor(shape: [n, c, c], storage: Storage(count: n * c * c))
        for sample in 0..<n {
            let f = plain.storage.pointer + sample * c * hw
            dnnlCheck(dnnl_sgemm(78, 84, Int64(c), Int64(c), Int64(hw), scale, f, Int64(hw), f, Int64(hw),
                                 0, g.storage.pointer + sample * c * c, Int64(c)), "sgemm(gram)")
        }
        return (g, GramInput(.features(x)))
    }

    public func gramBackward(_ dg: Tensor, scale: Float, context: AnyObject) -> Tensor {
        guard let input = context as? GramInput else { fatalError("not a CPU Gram context") }
        let x: Tensor
        switch input.kept {
        case let .amx(plan, high, shape):
            gradientOperations.bfloat16 += 1
            return plan.backward(dg, high: high, shape: shape, scale: scale)
        case let .features(features): x = features
        }
        gradientOperations.float32 += 1
        if BlockedGram.takes(x) { return BlockedGram.backward(dg, input: x, scale: scale) }
        // The plain copy is made again rather than kept: a reorder costs less than holding a
        // second copy of the largest activations.
        let plain = reorder(x, to: .plain)
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let dx = Tensor(shape: x.shape, storage: Storage(count: x.count))
        let symmetric = BlockedGram.symmetrized(dg)
        for sample in 0..<n {
            dnnlCheck(dnnl_sgemm(78, 78, Int64(c), Int64(hw), Int64(c), scale, symmetric.pointer + sample * c * c, Int64(c),
                                 plain.storage.pointer + sample * c * hw, Int64(hw),
                                 0, dx.storage.pointer + sample * c * hw, Int64(hw)), "sgemm(gram backward)")
        }
        return reorder(dx, to: x.layout)
    }
}
