import Tensor

/// Batched matrix products and Gram matrices on cuBLAS.
extension CUDABackend {
    /// `scale · op(a)·op(b)` for each of `batch` entries (a stride of 0 shares one matrix), as a
    /// new tensor of `shape` (`batch·m·n` elements).
    private func product(_ a: Tensor, strideA: Int, transposingA: Bool = false, _ b: Tensor, strideB: Int,
                         transposingB: Bool, m: Int, n: Int, k: Int, batch: Int, scale: Float = 1,
                         shape: [Int]? = nil) -> Tensor {
        let y = tensor(shape ?? [batch, m, n])
        attempt {
            try device.cublas().multiply(a.storage.pointer, strideA: strideA, transposingA: transposingA,
                                         b.storage.pointer, strideB: strideB, transposingB: transposingB,
                                         into: y.storage.pointer, m: m, n: n, k: k, batch: batch, scale: scale,
                                         precision: tf32 ? .tf32 : .float32)
        }
        return y
    }

    public func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool, transposingB: Bool) -> Tensor {
        let (m, k) = transposingA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let n = transposingB ? b.shape[1] : b.shape[2]
        precondition((transposingB ? b.shape[2] : b.shape[1]) == k, "matmul of \(a.shape) and \(b.shape)")
        return product(a, strideA: a.shape[0] == 1 ? 0 : m * k, transposingA: transposingA,
                       b, strideB: b.shape[0] == 1 ? 0 : k * n, transposingB: transposingB,
                       m: m, n: n, k: k, batch: max(a.shape[0], b.shape[0]))
    }

    /// `F Fᵀ · scale` per sample, F the C×(H·W) matrix; the context is `x` itself.
    public func gram(_ x: Tensor, scale: Float) -> (y: Tensor, context: AnyObject) {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        return (product(x, strideA: channels * pixels, x, strideB: channels * pixels, transposingB: true,
                        m: channels, n: channels, k: pixels, batch: batch, scale: scale), x)
    }

    /// `(dG + dGᵀ) F · scale`.
    public func gramBackward(_ dg: Tensor, scale: Float, context: AnyObject) -> Tensor {
        guard let x = context as? Tensor else { fatalError("not a CUDA Gram context") }
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let symmetric = tensor(dg.shape)
        run("symmetrize", elements: dg.count, [buffer(dg), buffer(symmetric), .long(channels), .long(dg.count)])
        return product(symmetric, strideA: channels * channels, x, strideB: channels * pixels, transposingB: false,
                       m: channels, n: pixels, k: channels, batch: batch, scale: scale, shape: x.shape)
    }
}
