extension Tensor {
    /// `f(self)` element by element, recording `f′` for backward.
    func applying(_ operation: UnaryOperation) -> Tensor {
        let y = Backend.current.unary(operation, self)
        guard requiresGrad else { return y }
        let (x, kept) = (detached(), y.detached())
        return Tensor.recorded(y, from: [self]) { dy in
            [Backend.current.unaryBackward(operation, dy.reordered(to: x.layout), x: x, y: kept)]
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor { applying(.tanh) }
    /// Logistic sigmoid, `1 / (1 + e^−x)`.
    public func sigmoid() -> Tensor { applying(.sigmoid) }
    /// Square root (of non-negative elements).
    public func sqrt() -> Tensor { applying(.sqrt) }
    /// Element-wise square.
    public func squared() -> Tensor { applying(.square) }
    /// Each element limited to `low…high`; the gradient flows only strictly inside.
    public func clamped(_ low: Float, _ high: Float) -> Tensor { applying(.clamp(low: low, high: high)) }
}
