extension Tensor {
    /// Per sample of NCHW features, `F Fᵀ · scale` with `F` the C×(H·W) matrix; shape `[N, C, C]`.
    /// A batched matmul of the features with themselves, with a fast path that reads any layout.
    public func gramMatrix(scale: Float) -> Tensor {
        precondition(shape.count == 4, "gram matrix needs NCHW, got \(shape)")
        let (y, context) = Backend.current.gram(self, scale: scale)
        return Tensor.recorded(y, from: [self]) { dg in
            [Backend.current.gramBackward(Backend.current.reorder(dg, to: .plain), scale: scale, context: context)]
        }
    }
}
