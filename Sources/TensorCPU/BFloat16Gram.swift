import CDNNL
import Tensor

/// Gram matrices of 16-channel-blocked features on AMX tiles, for one (channels, pixels) shape.
///
/// Forward splits each feature into two bfloat16 parts, `F = hi + lo` (within 2⁻¹⁷), and sums
/// `hiᵀhi + hiᵀlo + loᵀhi` with f32 accumulation: the dropped `loᵀlo` is below 2⁻¹⁸ of each
/// product. The matrices come out about 3·10⁻⁶ from exact (f32 GEMM: 1·10⁻⁷), the order of
/// the Winograd convolutions' own error, in less time than f32 GEMM. Backward is a plain
/// bfloat16 product (a gradient, like the convolutions' input gradients), written straight
/// into the blocked layout.
final class BFloat16Gram {
    let channels: Int
    let pixels: Int
    /// `C×C = hiᵀ · part`: source hiᵀ read through the channels-last copy's strides.
    private let forward: DNNLPrimitive
    /// One 16-channel block of the gradient: `(H·W)×16 = hi · S[:, block]`.
    private let backward: DNNLPrimitive
    private let forwardDescriptors: (source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, product: dnnl_memory_desc_t)
    private let backwardDescriptors: (source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, block: dnnl_memory_desc_t)
    private let context: DNNLContext

    /// The plan for `channels` (a multiple of 16) × `pixels` features, or nil unless oneDNN
    /// runs both products on AMX tiles (elsewhere f32 GEMM is faster).
    init?(channels: Int, pixels: Int, context: DNNLContext) {
        guard channels % 16 == 0 else { return nil }
        let (c, p) = (channels, pixels)
        let forwardDescriptors = (source: context.descriptor([c, p], strides: [1, c], dataType: dnnl_bf16),
                                  weights: context.descriptor([p, c], strides: [c, 1], dataType: dnnl_bf16),
                                  product: context.descriptor([c, c], strides: [c, 1], dataType: dnnl_f32))
        let backwardDescriptors = (source: context.descriptor([p, c], strides: [c, 1], dataType: dnnl_bf16),
                                   weights: context.descriptor([c, 16], strides: [1, c], dataType: dnnl_bf16),
                                   block: context.descriptor([p, 16], strides: [16, 1], dataType: dnnl_f32))
        guard let forward = context.matmul(forwardDescriptors.source, forwardDescriptors.weights,
                                           forwardDescriptors.product),
              let backward = context.matmul(backwardDescriptors.source, backwardDescriptors.weights,
                                            backwardDescriptors.block),
              forward.implementation.contains("amx"), backward.implementation.contains("amx") else { return nil }
        (self.channels, self.pixels, self.context) = (channels, pixels, context)
        (self.forward, self.backward) = (forward, backward)
        (self.forwardDescriptors, self.backwardDescriptors) = (forwardDescriptors, backwardDescriptors)
    }

    /// Per sample of blocked `x`: `F Fᵀ · scale`, shape `[N, C, C]`, and the bfloat16 `hi` part
    /// of `x` (channels-last) that `backward` needs.
    func callAsFunction(_ x: Tensor, scale: Float) -> (gram: Tensor, high: Storage) {
        let (n, c, p) = (x.shape[0], channels, pixels)
        let high = Storage(bytes: x.count * 2), low = Storage(bytes: x.count * 2)
        blockedToChannelsLastBFloat16(x, mask: nil, into: high.raw.assumingMemoryBound(to: UInt16.self),
                                      remainderInto: low.raw.assumingMemoryBound(to: UInt16.self))
        let g = Tensor(shape: [n, c, c], storage: Storage(count: n * c * c))
        let cross = Storage(count: c * c)
        for sample in 0..<n {
            let offset = sample * p * c * 2
            let (hi, lo) = (high.raw + offset, low.raw + offset)
            let y = g.storage.pointer + sample * c * c
            context.execute(forward, [(DNNLArgument.src, forwardDescriptors.source, hi),
                                      (DNNLArgument.weights, forwardDescriptors.weights, hi),
                                      (DNNLArgument.dst, forwardDescriptors.product, UnsafeMutableRawPointer(y))])
            context.execute(forward, [(DNNLArgument.src, forwardDescriptors.source, hi),
                                      (DNNLArgument.weights, forwardDescriptors.weights, lo),
                                      (DNNLArgument.dst, forwardDescriptors.product, cross.raw)])
            let x = cross.pointer
            for i in 0..<c { for j in 0..<c { y[i * c + j] = scale * (y[i * c + j] + x[i * c + j] + x[j * c + i]) } }
        }
        return (g, high)
    }

    /// The gradient of `callAsFunction` for `dg`, for features of `shape` and blocked like them.
    func backward(_ dg: Tensor, high: Storage, shape: [Int], scale: Float) -> Tensor {
        let (n, c, p) = (dg.shape[0], channels, pixels)
        let dx = Tensor(shape: shape, layout: .channelsBlocked16, storage: Storage(count: n * c * p))
        let symmetric = Storage(bytes: c * c * 2)
        let s = symmetric.raw.assumingMemoryBound(to: UInt16.self)
        for sample in 0..<n {
            let d = dg.storage.pointer + sample * c * c
            for i in 0..<c { for j in 0..<c { s[i * c + j] = bfloat16(scale * (d[i * c + j] + d[j * c + i])) } }
            for block in 0..<(c / 16) {
                let output = dx.storage.raw + ((sample * c / 16 + block) * p * 16) * 4
                context.execute(backward, [(DNNLArgument.src, backwardDescriptors.source, high.raw + sample * p * c * 2),
                                           (DNNLArgument.weights, backwardDescriptors.weights,
                                            symmetric.raw + block * 16 * c * 2),
                                           (DNNLArgument.dst, backwardDescriptors.block, output)])
            }
        }
        return dx
    }
}
