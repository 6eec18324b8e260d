import Tensor

// The building blocks of the style-transfer losses, written with the engine's general ops.

extension Tensor {
    /// Gram matrices of NCHW features with the field's normalisation, `F Fᵀ / (C·H·W)` per
    /// sample with `F` as C×(H·W); shape `[N, C, C]`.
    public func gramMatrix() -> Tensor {
        precondition(shape.count == 4, "gram matrix needs NCHW, got \(shape)")
        return gramMatrix(scale: 1 / Float(shape[1] * shape[2] * shape[3]))
    }

    /// Total variation of NCHW images as jcjohnson/neural-style defines it:
    /// `Σ_{n,c,i<H−1,j<W−1} (x[i,j]−x[i,j+1])² + (x[i,j]−x[i+1,j])²`, as a one-element tensor.
    public func totalVariation() -> Tensor {
        precondition(shape.count == 4, "total variation needs NCHW, got \(shape)")
        let (h, w) = (shape[2], shape[3])
        guard h > 1, w > 1 else { return sum() * 0 }
        let corner = slice(axis: 2, 0..<(h - 1))
        let below = slice(axis: 2, 1..<h).slice(axis: 3, 0..<(w - 1))
        let pixel = corner.slice(axis: 3, 0..<(w - 1)), right = corner.slice(axis: 3, 1..<w)
        return (pixel - right).squared().sum() + (pixel - below).squared().sum()
    }

    /// The identity forward; backward, the incoming gradient divided by its L1 norm (+1e-8)
    /// and multiplied by `scale`. jcjohnson/neural-style's `-normalize_gradients`: applied to
    /// a loss's input with `scale` equal to the loss's weight, each loss then pushes with a
    /// gradient of L1 norm ≈ its weight, whatever its raw magnitude. Not a true gradient.
    public func normalizingGradient(scale: Float) -> Tensor {
        transformingGradient { dy in dy * (scale / (dy.absoluteSum().item() + 1e-8)) }
    }
}
