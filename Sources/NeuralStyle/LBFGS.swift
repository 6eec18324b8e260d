/// Limited-memory BFGS with the semantics of torch.optim.LBFGS (and jcjohnson/neural-style):
/// no line search, a fixed step (`learningRate`) except a first step of
/// `min(1, 1/‖g‖₁)·learningRate`, curvature pairs kept only when `yᵀs > 1e-10`, and no
/// early stopping: every iteration evaluates the objective once.
public struct LBFGS: Optimizer {
    /// Curvature pairs remembered (torch: 100 in neural-style).
    public var historySize: Int
    /// Step length along the quasi-Newton direction.
    public var learningRate: Float

    /// Configures the optimiser; the defaults are neural-style's.
    public init(historySize: Int = 100, learningRate: Float = 1) {
        self.historySize = historySize
        self.learningRate = learningRate
    }

    public func minimize(_ x: inout [Float], iterations: Int, objective: Objective) {
        guard iterations > 0 else { return }
        var gradient = objective(x).gradient
        var direction: [Float] = []
        var step: Float = 0
        var previousGradient: [Float] = []
        var gradientChanges: [[Float]] = [], steps: [[Float]] = [], inverseCurvatures: [Float] = []
        var hessianScale: Float = 1

        for iteration in 1...iterations {
            if iteration == 1 {
                direction = gradient.map { -$0 }
            } else {
                var y = gradient
                axpy(-1, previousGradient, &y)
                let s = direction.map { $0 * step }
                let ys = dot(y, s)
                if ys > 1e-10 {
                    if gradientChanges.count == historySize {
                        gradientChanges.removeFirst(); steps.removeFirst(); inverseCurvatures.removeFirst()
                    }
                    gradientChanges.append(y); steps.append(s); inverseCurvatures.append(1 / ys)
                    hessianScale = ys / dot(y, y)
                }
                // Two-loop recursion: direction = −H·gradient.
                var q = gradient.map { -$0 }
                var alphas = [Float](repeating: 0, count: steps.count)
                for i in steps.indices.reversed() {
                    alphas[i] = dot(steps[i], q) * inverseCurvatures[i]
                    axpy(-alphas[i], gradientChanges[i], &q)
                }
                for i in q.indices { q[i] *= hessianScale }
                for i in steps.indices {
                    let beta = dot(gradientChanges[i], q) * inverseCurvatures[i]
                    axpy(alphas[i] - beta, steps[i], &q)
                }
                direction = q
            }
            previousGradient = gradient
            step = iteration == 1
                ? min(1, 1 / gradient.reduce(0) { $0 + abs($1) }) * learningRate
                : learningRate
            axpy(step, direction, &x)
            if iteration != iterations { gradient = objective(x).gradient }
        }
    }
}
