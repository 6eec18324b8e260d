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
    /// Each element quantised to an integer in `range` (int8 by default, `0...255` for uint8)
    /// with `scale` and `zeroPoint`, and dequantised again (see `UnaryOperation.fakeQuantize`):
    /// what a QDQ-quantised model computes.
    public func fakeQuantized(scale: Float, zeroPoint: Int = 0, range: ClosedRange<Int> = -128...127) -> Tensor {
        precondition(scale > 0 && scale.isFinite && range.contains(zeroPoint),
                     "fake quantisation needs a positive scale and a zero point in range, not \(scale), \(zeroPoint)")
        return applying(.fakeQuantize(scale: scale, zeroPoint: Float(zeroPoint), low: Float(range.lowerBound),
                                      high: Float(range.upperBound)))
    }
}
