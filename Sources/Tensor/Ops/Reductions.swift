extension Tensor {
    /// Sum of all elements, as a one-element tensor of shape `[]`.
    public func sum() -> Tensor {
        sum(alongAxes: Array(shape.indices), keepingDimensions: false)
    }

    /// Sums over `axes` (negative counts from the end); the summed axes are kept with extent 1
    /// when `keepingDimensions`, else removed.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = Set(axes.map { $0 < 0 ? $0 + shape.count : $0 })
        // Sums over height and width read any layout in place (feature maps stay blocked).
        let source = shape.count == 4 && axes == [2, 3] ? self : reordered(to: .plain)
        let kept = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
        let summed = Backend.current.sum(source, to: kept)
        let y = Tensor(shape: kept, layout: .plain, storage: summed.storage)
        let (sourceShape, sourceLayout) = (source.shape, source.layout)
        let result = Tensor.recorded(y, from: [source]) { dy in
            [Backend.current.broadcast(dy.reordered(to: .plain), to: sourceShape, layout: sourceLayout)]
        }
        return keepingDimensions ? result : result.reshaped(shape.indices.filter { !axes.contains($0) }.map { shape[$0] })
    }

    /// Mean of all elements, as a one-element tensor.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Means over `axes`, kept with extent 1 when `keepingDimensions`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = axes.map { shape[$0 < 0 ? $0 + shape.count : $0] }.reduce(1, *)
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(n))
    }

    /// Variances over `axes` (kept with extent 1): biased (÷n) unless `unbiased` (÷(n−1)).
    public func variance(alongAxes axes: [Int], unbiased: Bool = false) -> Tensor {
        let n = axes.map { shape[$0 < 0 ? $0 + shape.count : $0] }.reduce(1, *)
        let centered = self - mean(alongAxes: axes, keepingDimensions: true)
        return centered.squared().sum(alongAxes: axes, keepingDimensions: true) * (1 / Float(unbiased ? n - 1 : n))
    }

    /// Mean squared difference to `target` (broadcast to this shape): `mean((self − target)²)`.
    public func meanSquaredError(_ target: Tensor) -> Tensor { (self - target).squared().mean() }

    /// `Σ|x|` as a one-element tensor, with no gradient (for normalising other gradients).
    public func absoluteSum() -> Tensor { Backend.current.absoluteSum(self) }
}
