import CDNNL
import Tensor

/// What identifies a convolution for primitive reuse.
struct ConvolutionKey: Hashable {
    let inputShape: [Int]
    let inputLayout: Layout
    let weightShape: [Int]
    let geometry: WindowGeometry
    let withBias: Bool
    let fusedReLU: Bool
}

/// The oneDNN primitives of one convolution shape, created on first use and kept.
///
/// 3×3 stride-1 convolutions over blocked activations ask for Winograd first (about twice
/// the throughput of direct convolution on AVX-512, ~1e-6 relative error); anything oneDNN
/// rejects falls back to the direct algorithm.
final class ConvolutionPlan {
    let key: ConvolutionKey
    let outputShape: [Int]
    let outputLayout: Layout
    /// The memory format the forward primitive writes the output in (`outputLayout`).
    let outputDescriptor: dnnl_memory_desc_t
    let algorithm: dnnl_alg_kind_t
    let forward: DNNLPrimitive
    private let context: DNNLContext
    private var backwardDataPrimitive: DNNLPrimitive?
    private var backwardWeightsPrimitive: DNNLPrimitive?

    init(_ key: ConvolutionKey, context: DNNLContext) {
        self.key = key
        self.context = context
        let (n, h, w) = (key.inputShape[0], key.inputShape[2], key.inputShape[3])
        let outChannels = key.weightShape[0]
        outputShape = [n, outChannels, key.geometry.outputHeight(h), key.geometry.outputWidth(w)]
        let blocked = DNNLContext.blockedLayout
        outputLayout = outChannels % blocked.blockSize == 0 ? blocked : .plain
        let g = key.geometry
        let weightDimensions = g.dnnlWeightShape(key.weightShape)
        let winogradCandidate = g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.groups == 1
            && key.inputLayout == .channelsBlocked16
        var chosen: (dnnl_alg_kind_t, DNNLPrimitive)?
        let outputTag = DNNLContext.tag(for: outputLayout, rank: 4)
        for algorithm in winogradCandidate ? [dnnl_convolution_winograd, dnnl_convolution_direct]
                                           : [dnnl_convolution_direct] {
            var src = context.descriptor(key.inputShape, key.inputLayout)
            var weights = context.descriptor(weightDimensions, tag: dnnl_format_tag_any)
            var bias = context.descriptor([outChannels], .plain)
            var dst = context.descriptor(outputShape, tag: outputTag)
            var desc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &bias) { bias in
                dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, algorithm, &src, &weights,
                                                   key.withBias ? bias : nil, &dst, g.dnnlStrides,
                                                   g.dnnlPaddingBefore, g.dnnlPaddingAfter)
            }
            guard status == dnnl_success else { continue }
            if let primitive = DNNLPrimitive(&desc, engine: context.engine,
                                             attributes: key.fusedReLU ? .relu() : DNNLAttributes()) {
                chosen = (algorithm, primitive)
                break
            }
        }
        guard let chosen else { fatalError("oneDNN has no convolution for \(key)") }
        (algorithm, forward) = chosen
        outputDescriptor = forward.memoryDescriptor(dnnl_query_dst_md)
    }

    private var strides: [Int64] { key.geometry.dnnlStrides }
    private var pads: [Int64] { key.geometry.dnnlPaddingBefore }
    private var padsAfter: [Int64] { key.geometry.dnnlPaddingAfter }
    /// The weights' dimensions as oneDNN sees them (GOIHW when grouped).
    private var weightDimensions: [Int] { key.geometry.dnnlWeightShape(key.weightShape) }

    var backwardData: DNNLPrimitive {
        if let backwardDataPrimitive { return backwardDataPrimitive }
        // Plain inputs (the picture itself, 3 channels) only get oneDNN's slow reference
        // kernel in their own layout; letting it choose (a padded blocked layout) and
        // reordering back costs far less. Where even our blocked layouts get only the reference
        // kernel (strided AVX2 convolutions), every format is left to oneDNN (its GEMM kernels).
        let sourceTag = key.inputLayout == .plain ? dnnl_format_tag_any
                                                  : DNNLContext.tag(for: key.inputLayout, rank: 4)
        var fallback: DNNLPrimitive?
        for (algorithm, free) in [(algorithm, false), (dnnl_convolution_direct, false), (dnnl_convolution_direct, true)] {
            var diffSrc = context.descriptor(key.inputShape, tag: free ? dnnl_format_tag_any : sourceTag)
            var weights = context.descriptor(weightDimensions, tag: dnnl_format_tag_any)
            var diffDst = free ? context.descriptor(outputShape, tag: dnnl_format_tag_any) : outputDescriptor
            var desc = dnnl_convolution_desc_t()
            guard dnnl_convolution_backward_data_desc_init(&desc, algorithm, &diffSrc, &weights, &diffDst,
                                                           strides, pads, padsAfter) == dnnl_success,
                  let primitive = DNNLPrimitive(&desc, engine: context.engine, hint: forward) else { continue }
            fallback = fallback ?? primitive
            guard !primitive.implementation.hasPrefix("ref") else { continue }
            backwardDataPrimitive = primitive
            return primitive
        }
        guard let fallback else { fatalError("oneDNN has no backward-data convolution for \(key)") }
        backwardDataPrimitive = fallback
        return fallback
    }

    /// Backward-data on bfloat16 copies of the gradient and weights (channels-last, f32
    /// accumulation), or nil unless oneDNN runs it on AMX tiles: there it is 3-5× faster than
    /// f32 Winograd (10× for the picture's own 3-channel gradient), elsewhere slower. The
    /// input gradient comes out channels-last, in bfloat16 for blocked inputs (the next layer
    /// down rounds it anyway) and in f32 for plain ones (the picture's gradient, which the
    /// optimiser uses as it is).
    lazy var bfloat16BackwardData: DNNLPrimitive? = {
        let inputType = key.inputLayout == .channelsBlocked16 ? dnnl_bf16 : dnnl_f32
        var diffSrc = context.descriptor(key.inputShape, tag: dnnl_nhwc, dataType: inputType)
        var src = context.descriptor(key.inputShape, tag: dnnl_nhwc, dataType: dnnl_bf16)
        var weights = context.descriptor(weightDimensions, tag: dnnl_format_tag_any, dataType: dnnl_bf16)
        var dst = context.descriptor(outputShape, tag: dnnl_nhwc, dataType: dnnl_bf16)
        var forwardDesc = dnnl_convolution_desc_t(), backwardDesc = dnnl_convolution_desc_t()
        guard dnnl_convolution_forward_desc_init(&forwardDesc, dnnl_forward_training, dnnl_convolution_direct,
                                                 &src, &weights, nil, &dst, strides, pads, padsAfter) == dnnl_success,
              dnnl_convolution_backward_data_desc_init(&backwardDesc, dnnl_convolution_direct, &diffSrc, &weights,
                                                       &dst, strides, pads, padsAfter) == dnnl_success,
              let hint = DNNLPrimitive(&forwardDesc, engine: context.engine),
              let candidate = DNNLPrimitive(&backwardDesc, engine: context.engine, hint: hint),
              candidate.implementation.contains("amx") else { return nil }
        return candidate
    }()

    var backwardWeights: DNNLPrimitive {
        if let backwardWeightsPrimitive { return backwardWeightsPrimitive }
        for algorithm in [algorithm, dnnl_convolution_direct] {
            var src = context.descriptor(key.inputShape, key.inputLayout)
            var diffWeights = context.descriptor(weightDimensions, tag: dnnl_format_tag_any)
            var diffBias = context.descriptor([key.weightShape[0]], .plain)
            var diffDst = outputDescriptor
            var desc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &diffBias) { diffBias in
                dnnl_convolution_backward_weights_desc_init(&desc, algorithm, &src, &diffWeights,
                                                            key.withBias ? diffBias : nil, &diffDst,
                                                            strides, pads, padsAfter)
            }
            guard status == dnnl_success,
                  let primitive = DNNLPrimitive(&desc, engine: context.engine, hint: forward) else { continue }
            backwardWeightsPrimitive = primitive
            return primitive
        }
        fatalError("oneDNN has no backward-weights convolution for \(key)")
    }
}

extension DNNLContext {
    /// `x`'s memory as a primitive wants it (`format`): its own, or a reordered copy kept alive by `keep`.
    func operand(_ x: Tensor, as format: dnnl_memory_desc_t) -> (pointer: UnsafeMutableRawPointer, keep: Storage) {
        guard !sameLayout(format, descriptor(x.shape, x.layout)) else { return (x.storage.raw, x.storage) }
        let copy = reordered(x.storage.raw, from: descriptor(x.shape, x.layout), to: format)
        return (copy.raw, copy)
    }
}
