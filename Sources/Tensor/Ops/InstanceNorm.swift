extension Tensor {
    /// Instance normalisation of this NCHW tensor: each sample's channel to zero mean and unit
    /// (biased) variance, `(x − μ)/sqrt(σ² + epsilon)`, then `· gamma + beta` when given
    /// (`[C]` shared, or `[N, C]` one row per sample: conditional instance norm), then ReLU
    /// in the same pass when `applyingReLU`.
    public func instanceNormalized(gamma: Tensor? = nil, beta: Tensor? = nil, epsilon: Float = 1e-5,
                                   applyingReLU: Bool = false) -> Tensor {
        precondition(shape.count == 4, "instance norm needs NCHW, got \(shape)")
        for parameter in [gamma, beta].compactMap({ $0 }) {
            precondition(parameter.shape == [shape[1]] || parameter.shape == [shape[0], shape[1]],
                         "instance norm of \(shape) with γ/β of shape \(parameter.shape)")
        }
        let inputs = [self] + [gamma, beta].compactMap { $0 }
        let (y, context) = Backend.current.instanceNorm(self, gamma: gamma.map { $0.reordered(to: .plain) },
                                                        beta: beta.map { $0.reordered(to: .plain) },
                                                        epsilon: epsilon, applyingReLU: applyingReLU,
                                                        keepingContext: Tensor.willRecord(from: inputs))
        guard let context else { return y }
        let (hasGamma, hasBeta) = (gamma != nil, beta != nil)
        let outputLayout = y.layout
        return Tensor.recorded(y, from: inputs) { dy in
            let (dx, dgamma, dbeta) = Backend.current.instanceNormBackward(Backend.current.reorder(dy, to: outputLayout),
                                                                          context: context)
            return [dx] + (hasGamma ? [dgamma] : []) + (hasBeta ? [dbeta] : [])
        }
    }
}
