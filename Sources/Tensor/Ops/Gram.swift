extension Tensor {
    /// Gram matrices of NCHW features, `F Fᵀ / (C·H·W)` per sample with `F` as C×(H·W);
    /// shape `[N, C, C]`.
    public func gramMatrix() -> Tensor {
        precondition(shape.count == 4, "gram matrix needs NCHW, got \(shape)")
        let features = reordered(to: .plain)
        let scale = 1 / Float(shape[1] * shape[2] * shape[3])
        let y = Backend.current.gram(features, scale: scale)
        let input = features.detached()
        return Tensor.recorded(y, from: [features]) { dg in
            [Backend.current.gramBackward(dg, input: input, scale: scale)]
        }
    }
}
