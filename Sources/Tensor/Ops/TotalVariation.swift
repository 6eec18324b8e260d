extension Tensor {
    /// Total variation of NCHW images:
    /// `Σ_{n,c,i<H−1,j<W−1} (x[i,j]−x[i,j+1])² + (x[i,j]−x[i+1,j])²`, as a one-element tensor.
    public func totalVariation() -> Tensor {
        precondition(shape.count == 4, "total variation needs NCHW, got \(shape)")
        let image = reordered(to: .plain)
        let y = Tensor(scalar: Backend.current.totalVariation(image))
        let input = image.detached()
        return Tensor.recorded(y, from: [image]) { dy in
            [Backend.current.totalVariationBackward(input, scale: dy.scalar)]
        }
    }
}
