extension Tensor {
    /// `self ∘ other`, element by element. Equal shapes keep this tensor's layout, and so does a
    /// blocked `[N, C, H, W]` operand with a per-channel `[1 or N, C, 1, 1]` one; otherwise the
    /// shapes are broadcast NumPy-style (ranks aligned on the right, each axis equal or 1) on
    /// plain copies. Each gradient is summed back to its input's shape.
    func elementwise(_ operation: BinaryOperation, _ other: Tensor) -> Tensor {
        let sameShape = shape == other.shape
        let rank = max(shape.count, other.shape.count)
        let (selfIsFull, otherIsFull) = (Tensor.isChannelwise(other.shape, of: self), Tensor.isChannelwise(shape, of: other))
        let a = sameShape || selfIsFull ? self : reordered(to: .plain).reshaped(Tensor.padded(shape, to: rank))
        let b = sameShape ? other.reordered(to: layout)
            : otherIsFull ? other : other.reordered(to: .plain).reshaped(Tensor.padded(other.shape, to: rank))
        precondition(sameShape || zip(a.shape, b.shape).allSatisfy { $0 == $1 || $0 == 1 || $1 == 1 },
                     "\(operation) of shapes \(shape) and \(other.shape) that do not broadcast")
        let y = Backend.current.binary(operation, a, b)
        let (aShape, bShape) = (a.shape, b.shape)
        func reduced(_ g: Tensor, to target: [Int]) -> Tensor {
            g.shape == target ? g : Backend.current.sum(Backend.current.reorder(g, to: .plain), to: target)
        }
        // Only products and quotients need the operands themselves.
        let keptA = operation == .multiply && b.requiresGrad || operation == .divide ? a.detached() : nil
        let keptB = operation == .multiply && a.requiresGrad || operation == .divide ? b.detached() : nil
        let outputLayout = y.layout
        let result = Tensor.recorded(y, from: [a, b]) { dy in
            let backend = Backend.current
            let dy = backend.reorder(dy, to: outputLayout)
            switch operation {
            case .add: return [reduced(dy, to: aShape), reduced(dy, to: bShape)]
            case .subtract: return [reduced(dy, to: aShape), reduced(backend.affine(dy, scale: -1, shift: 0), to: bShape)]
            case .multiply:
                return [keptB.map { reduced(backend.binary(.multiply, dy, $0), to: aShape) },
                        keptA.map { reduced(backend.binary(.multiply, dy, $0), to: bShape) }]
            case .divide:
                // d(a/b)/da = 1/b; d(a/b)/db = −a/b².
                let da = backend.binary(.divide, dy, keptB!)
                let db = backend.binary(.divide, backend.binary(.multiply, da, keptA!), keptB!)
                return [reduced(da, to: aShape), reduced(backend.affine(db, scale: -1, shift: 0), to: bShape)]
            }
        }
        return result
    }

    /// Whether `shape` is `[1 or N, C, 1, 1]` for a blocked `[N, C, H, W]` tensor `full` (which
    /// then needs no plain copy to be combined with it).
    static func isChannelwise(_ shape: [Int], of full: Tensor) -> Bool {
        full.layout != .plain && full.shape.count == 4 && shape.count == 4 && (shape[0] == 1 || shape[0] == full.shape[0])
            && shape[1] == full.shape[1] && shape[2] == 1 && shape[3] == 1 && shape != full.shape
    }

    /// `shape` with leading 1s up to `rank` axes.
    static func padded(_ shape: [Int], to rank: Int) -> [Int] {
        Array(repeating: 1, count: rank - shape.count) + shape
    }

    /// Element-wise sum (broadcasting).
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.add, b) }
    /// Element-wise difference (broadcasting).
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.subtract, b) }
    /// Element-wise product (broadcasting).
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.multiply, b) }
    /// Element-wise quotient (broadcasting).
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.elementwise(.divide, b) }

    /// `self · scale + shift`, element by element.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let y = Backend.current.affine(self, scale: scale, shift: shift)
        return Tensor.recorded(y, from: [self]) { dy in [Backend.current.affine(dy, scale: scale, shift: 0)] }
    }

    /// Every element times `factor`.
    public static func * (a: Tensor, factor: Float) -> Tensor { a.affine(scale: factor, shift: 0) }
    /// Every element times `factor`.
    public static func * (factor: Float, a: Tensor) -> Tensor { a * factor }
    /// Every element divided by `divisor`.
    public static func / (a: Tensor, divisor: Float) -> Tensor { a * (1 / divisor) }
    /// Every element plus `shift`.
    public static func + (a: Tensor, shift: Float) -> Tensor { a.affine(scale: 1, shift: shift) }
    /// Every element minus `shift`.
    public static func - (a: Tensor, shift: Float) -> Tensor { a.affine(scale: 1, shift: -shift) }
    /// Every element negated.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    /// Rectified linear unit, `max(x, 0)`.
    public func relu() -> Tensor {
        let y = Backend.current.relu(self)
        guard requiresGrad else { return y }
        let mask = Backend.current.reluMask(y)
        return Tensor.recorded(y, from: [self]) { dy in [Backend.current.reluBackward(dy, mask: mask)] }
    }
}
