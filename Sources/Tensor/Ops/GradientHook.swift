extension Tensor {
    /// The identity forward; backward, the incoming gradient replaced by `transform(gradient)`
    /// (a hook, like PyTorch's `register_hook`: clipping, normalising, inspecting).
    public func transformingGradient(_ transform: @escaping (Tensor) -> Tensor) -> Tensor {
        let y = Tensor(shape: shape, layout: layout, storage: storage)
        return Tensor.recorded(y, from: [self]) { dy in [transform(dy)] }
    }
}
