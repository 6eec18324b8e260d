extension Tensor {
    /// The same values in `layout`; gradients come back in this tensor's layout.
    public func reordered(to target: Layout) -> Tensor {
        guard target != layout else { return self }
        let source = layout
        let y = Backend.current.reorder(self, to: target)
        return Tensor.recorded(y, from: [self]) { dy in [Backend.current.reorder(dy, to: source)] }
    }
}
