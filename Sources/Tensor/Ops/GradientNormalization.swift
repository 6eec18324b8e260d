extension Tensor {
    /// The identity forward; backward, the incoming gradient divided by its L1 norm (+1e-8)
    /// and multiplied by `scale`. jcjohnson/neural-style's `-normalize_gradients`: applied to
    /// a loss's input with `scale` equal to the loss's weight, each loss then pushes with a
    /// gradient of L1 norm ≈ its weight, whatever its raw magnitude. Not a true gradient.
    public func normalizingGradient(scale: Float) -> Tensor {
        let y = Tensor(shape: shape, layout: layout, storage: storage)
        return Tensor.recorded(y, from: [self]) { dy in
            [Backend.current.scaled(dy, by: scale / (Backend.current.absoluteSum(dy) + 1e-8))]
        }
    }
}
