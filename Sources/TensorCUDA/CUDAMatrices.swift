import Tensor

/// Batched matrix products and Gram matrices on cuBLAS.
extension CUDABackend {
    private var blasPrecision: CUBLAS.Precision { tf32 ? .tf32 : .float32 }

    public func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool, transposingB: Bool) -> Tensor {
        let (m, k) = transposingA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let n = transposingB ? b.shape[1] : b.shape[2]
        precondition((transposingB ? b.shape[2] : b.shape[1]) == k, "matmul of \(a.shape) and \(b.shape)")
        let batch = max(a.shape[0], b.shape[0])
        let y = tensor([batch, m, n])
        attempt {
            try device.cublas().multiply(a.storage.pointer, strideA: a.shape[0] == 1 ? 0 : m * k, transposingA: transposingA,
                                         b.storage.pointer, strideB: b.shape[0] == 1 ? 0 : k * n, transposingB: transposingB,
                                         into: y.storage.pointer, m: m, n: n, k: k, batch: batch, precision: blasPrecision)
        }
        return y
    }

    /// `F Fᵀ · scale` per sample, F the C×(H·W) matrix; the context is `x` itself.
    public func gram(_ x: Tensor, scale: Float) -> (y: Tensor, context: AnyObject) {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let g = tensor([batch, channels, channels])
        attempt {
            try device.cublas().multiply(x.storage.pointer, strideA: channels * pixels, transposingA: false,
                                         x.storage.pointer, strideB: channels * pixels, transposingB: true,
                                         into: g.storage.pointer, m: channels, n: channels, k: pixels, batch: batch,
                                         precision: blasPrecision)
        }
        run("scale_in_place", elements: g.count, [buffer(g), .float(scale), .long(g.count)])
        return (g, x)
    }

    /// `(dG + dGᵀ) F · scale`.
    public func gramBackward(_ dg: Tensor, scale: Float, context: AnyObject) -> Tensor {
        guard let x = context as? Tensor else { fatalError("not a CUDA Gram context") }
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let symmetric = tensor(dg.shape)
        run("symmetrize", elements: dg.count, [buffer(dg), buffer(symmetric), .long(channels), .long(dg.count)])
        let dx = tensor(x.shape)
        attempt {
            try device.cublas().multiply(symmetric.storage.pointer, strideA: channels * channels, transposingA: false,
                                         x.storage.pointer, strideB: channels * pixels, transposingB: false,
                                         into: dx.storage.pointer, m: channels, n: pixels, k: channels, batch: batch,
                                         precision: blasPrecision)
        }
        run("scale_in_place", elements: dx.count, [buffer(dx), .float(scale), .long(dx.count)])
        return dx
    }
}
