extension Tensor {
    /// Batched matrix product of `[B, M, K]` by `[B, K, N]` (2-D operands count as a batch of
    /// one, which is shared by every entry of the other), each operand optionally transposed
    /// in its last two axes first.
    public func matmul(_ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false) -> Tensor {
        let a = reordered(to: .plain), b = other.reordered(to: .plain)
        let a3 = a.shape.count == 2 ? a.reshaped([1] + a.shape) : a
        let b3 = b.shape.count == 2 ? b.reshaped([1] + b.shape) : b
        precondition(a3.shape.count == 3 && b3.shape.count == 3, "matmul of \(shape) and \(other.shape)")
        let inner = (transposingSelf ? a3.shape[1] : a3.shape[2], transposingOther ? b3.shape[2] : b3.shape[1])
        precondition(inner.0 == inner.1 && (a3.shape[0] == b3.shape[0] || a3.shape[0] == 1 || b3.shape[0] == 1),
                     "matmul of \(shape) and \(other.shape)")
        let (tA, tB) = (transposingSelf, transposingOther)
        let y3 = Backend.current.matmul(a3, b3, transposingA: tA, transposingB: tB)
        let (keptA, keptB) = (a3.detached(), b3.detached())
        let (aShape, bShape) = (a3.shape, b3.shape)
        let product = Tensor.recorded(y3, from: [a3, b3]) { dy in
            let backend = Backend.current
            let dy = backend.reorder(dy, to: .plain)
            // C = op(A)·op(B): dop(A) = dC·op(B)ᵀ, dop(B) = op(A)ᵀ·dC; transposed operands take the transpose.
            var da = tA ? backend.matmul(keptB, dy, transposingA: tB, transposingB: true)
                        : backend.matmul(dy, keptB, transposingA: false, transposingB: !tB)
            var db = tB ? backend.matmul(dy, keptA, transposingA: true, transposingB: tA)
                        : backend.matmul(keptA, dy, transposingA: !tA, transposingB: false)
            // A shared batch of one gets the sum over the batch.
            if da.shape[0] != aShape[0] { da = backend.sum(da, to: aShape) }
            if db.shape[0] != bShape[0] { db = backend.sum(db, to: bShape) }
            return [da, db]
        }
        return a.shape.count == 2 && b.shape.count == 2 ? product.reshaped(Array(product.shape.dropFirst())) : product
    }
}
