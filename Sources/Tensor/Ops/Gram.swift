extension Tensor {
    /// Gram matrices of NCHW features, `F Fᵀ / (C·H·W)` per sample with `F` as C×(H·W);
    /// shape `[N, C, C]`.
    ///
    /// The plain copy of `F` the matrix product needs is made again in backward instead of
    /// being kept: the features themselves are alive anyway, and a reorder costs less than
    /// holding a second copy of the largest activations.
    public func gramMatrix() -> Tensor {
        precondition(shape.count == 4, "gram matrix needs NCHW, got \(shape)")
        let backend = Backend.current
        let scale = 1 / Float(shape[1] * shape[2] * shape[3])
        let y = backend.gram(backend.reorder(self, to: .plain), scale: scale)
        let features = detached()
        return Tensor.recorded(y, from: [self]) { dg in
            let backend = Backend.current
            let dx = backend.gramBackward(dg, input: backend.reorder(features, to: .plain), scale: scale)
            return [backend.reorder(dx, to: features.layout)]
        }
    }
}
