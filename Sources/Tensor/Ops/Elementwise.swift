extension Tensor {
    /// `self ∘ other`, element by element, in this tensor's layout.
    func elementwise(_ operation: BinaryOperation, _ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "\(operation) of shapes \(shape) and \(other.shape)")
        let a = self, b = other.reordered(to: layout)
        let y = Backend.current.binary(operation, a, b)
        switch operation {
        case .add: return Tensor.recorded(y, from: [a, b]) { dy in [dy, dy] }
        case .subtract: return Tensor.recorded(y, from: [a, b]) { dy in [dy, Backend.current.scaled(dy, by: -1)] }
        case .multiply:
            // Only a product's backward needs the operands themselves.
            let (needA, needB) = (a.requiresGrad, b.requiresGrad)
            let (keptA, keptB) = (needB ? a.detached() : nil, needA ? b.detached() : nil)
            return Tensor.recorded(y, from: [a, b]) { dy in
                [keptB.map { Backend.current.binary(.multiply, dy, $0) },
                 keptA.map { Backend.current.binary(.multiply, dy, $0) }]
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
