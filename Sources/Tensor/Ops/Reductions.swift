extension Tensor {
    /// Sum of all elements, as a one-element tensor.
    public func sum() -> Tensor {
        let inputShape = shape, inputLayout = layout
        let y = Tensor(scalar: Backend.current.sum(self))
        return Tensor.recorded(y, from: [self]) { dy in
            [Tensor.full(inputShape, value: dy.scalar, layout: inputLayout)]
        }
    }

    /// Mean of all elements, as a one-element tensor.
    public func mean() -> Tensor { sum() * (1 / Float(count)) }

    /// Mean squared difference to `target`: `mean((self − target)²)`.
    public func meanSquaredError(_ target: Tensor) -> Tensor { (self - target).squared().mean() }
}
