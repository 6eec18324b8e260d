extension Tensor {
    /// Gram matrices of NCHW features, `F Fᵀ / (C·H·W)` per sample with `F` as C×(H·W);
    /// shape `[N, C, C]`.
    public func gramMatrix() -> Tensor {
        precondition(shape.count == 4, "gram matrix needs NCHW, got \(shape)")
        let scale = 1 / Float(shape[1] * shape[2] * shape[3])
        let (y, context) = Backend.current.gram(self, scale: scale)
        return Tensor.recorded(y, from: [self]) { dg in
            [Backend.current.gramBackward(dg, scale: scale, context: context)]
        }
    }
}
