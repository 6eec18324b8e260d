extension Tensor {
    /// `self ∘ other`, element by element, in this tensor's layout.
    func elementwise(_ operation: BinaryOperation, _ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "\(operation) of shapes \(shape) and \(other.shape)")
        let a = self, b = other.reordered(to: layout)
        let y = Backend.current.binary(operation, a, b)
        return Tensor.recorded(y, from: [a, b]) { dy in
            let backend = Backend.current
            switch operation {
            case .add: return [dy, dy]
            case .subtract: return [dy, backend.scaled(dy, by: -1)]
            case .multiply:
                return [a.requiresGrad ? backend.binary(.multiply, dy, b) : nil,
                        b.requiresGrad ? backend.binary(.multiply, dy, a) : nil]
            }
        }
    }

    /// Element-wise sum.
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.add, b) }
    /// Element-wise difference.
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.subtract, b) }
    /// Element-wise product.
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.multiply, b) }

    /// Every element times `factor`.
    public static func * (a: Tensor, factor: Float) -> Tensor {
        let y = Backend.current.scaled(a, by: factor)
        return recorded(y, from: [a]) { dy in [Backend.current.scaled(dy, by: factor)] }
    }

    /// Every element times `factor`.
    public static func * (factor: Float, a: Tensor) -> Tensor { a * factor }

    /// Element-wise square.
    public func squared() -> Tensor { self * self }

    /// Rectified linear unit, `max(x, 0)`.
    public func relu() -> Tensor {
        let y = Backend.current.relu(self)
        guard requiresGrad else { return y }
        let mask = Backend.current.reluMask(y)
        return Tensor.recorded(y, from: [self]) { dy in [Backend.current.reluBackward(dy, mask: mask)] }
    }
}
