import CKernels
import Tensor

/// Gram matrices of 8-channel-blocked feature maps read where they lie (`ck_gram_blocked`),
/// instead of reordered to plain for `dnnl_sgemm`: Gatys' style layers on CPUs without AMX
/// otherwise copy each map twice per iteration (forward and backward) and its gradient back.
/// Only the upper triangle is computed (G is symmetric), summed in double past 512 pixels.
enum BlockedGram {
    /// Whether Gram matrices of blocked maps run here (AVX2; tests turn it off to compare with sgemm).
    nonisolated(unsafe) static var enabled = ck_available() != 0

    /// Whether `x` is a map these kernels take.
    static func takes(_ x: Tensor) -> Bool {
        enabled && x.layout == .channelsBlocked8 && x.shape.count == 4
    }

    /// `[N, C, C]`: each sample's F Fᵀ · scale.
    static func gram(_ x: Tensor, scale: Float) -> Tensor {
        let (n, c, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let g = Tensor(shape: [n, c, c], storage: Storage(count: n * c * c))
        let tiles = (c + 15) / 16
        parallelTasks(n * tiles) { task in
            let (sample, tile) = (task / tiles, task % tiles)
            ck_gram_blocked(x.storage.pointer + sample * c * pixels, c, pixels, tile, tile + 1, scale,
                            g.storage.pointer + sample * c * c)
        }
        return g
    }

    /// The gradient of `gram(x, scale)` for `dg`, laid out like `x`.
    static func backward(_ dg: Tensor, input x: Tensor, scale: Float) -> Tensor {
        let (n, c, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let dx = Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count))
        let symmetric = symmetrized(dg)
        let pieces = max(1, min(pixels / 96, 16))
        parallelTasks(n * pieces) { task in
            let (sample, piece) = (task / pieces, task % pieces)
            ck_gram_backward_blocked(symmetric.pointer + sample * c * c, x.storage.pointer + sample * c * pixels, c, pixels,
                                     pixels * piece / pieces, pixels * (piece + 1) / pieces, scale,
                                     dx.storage.pointer + sample * c * pixels)
        }
        return dx
    }

    /// dG + dGᵀ of each sample of `dg` (`[N, C, C]`): what a Gram matrix's input gradient multiplies F by.
    static func symmetrized(_ dg: Tensor) -> Storage {
        let c = dg.shape[1]
        let symmetric = Storage(count: dg.count)
        for sample in 0..<dg.shape[0] {
            let (d, s) = (dg.storage.pointer + sample * c * c, symmetric.pointer + sample * c * c)
            for i in 0..<c { for j in 0..<c { s[i * c + j] = d[i * c + j] + d[j * c + i] } }
        }
        return symmetric
    }
}
