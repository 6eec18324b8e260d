/// Limited-memory BFGS with the semantics of torch.optim.LBFGS (and jcjohnson/neural-style):
/// no line search, a fixed step (`learningRate`) except a first step of
/// `min(1, 1/‖g‖₁)·learningRate`, curvature pairs kept only when `yᵀs > 1e-10`, and no
/// early stopping: every iteration evaluates the objective once.
///
/// Each iteration evaluates the gradient at the current point, folds it into the history
/// and moves; so the last iterate is never evaluated, exactly as in torch.
public final class LBFGS: Optimizer {
    /// Curvature pairs remembered (torch: 100 in neural-style).
    public let historySize: Int
    /// Step length along the quasi-Newton direction.
    public let learningRate: Float
    public private(set) var iteration = 0

    private var previousGradient: [Float] = []
    private var direction: [Float] = []
    private var stepLength: Float = 0
    private var gradientChanges: [[Float]] = [], steps: [[Float]] = [], inverseCurvatures: [Float] = []
    private var hessianScale: Float = 1

    /// Configures the optimiser; the defaults are neural-style's.
    public init(historySize: Int = 100, learningRate: Float = 1) {
        self.historySize = historySize
        self.learningRate = learningRate
    }

    public func step(_ x: inout [Float], objective: Objective) {
        let gradient = objective(x).gradient
        iteration += 1
        if iteration == 1 {
            direction = gradient.map { -$0 }
        } else {
            remember(gradient)
            direction = inverseHessianTimesNegative(gradient)
        }
        previousGradient = gradient
        stepLength = iteration == 1 ? min(1, 1 / gradient.reduce(0) { $0 + abs($1) }) * learningRate : learningRate
        axpy(stepLength, direction, &x)
    }

    /// Adds the curvature pair of the last step if it keeps the approximation positive definite.
    private func remember(_ gradient: [Float]) {
        var y = gradient
        axpy(-1, previousGradient, &y)
        let s = direction.map { $0 * stepLength }
        let ys = dot(y, s)
        guard ys > 1e-10 else { return }
        if gradientChanges.count == historySize {
            gradientChanges.removeFirst(); steps.removeFirst(); inverseCurvatures.removeFirst()
        }
        gradientChanges.append(y); steps.append(s); inverseCurvatures.append(1 / ys)
        hessianScale = ys / dot(y, y)
    }

    /// The two-loop recursion: `−H·gradient`.
    private func inverseHessianTimesNegative(_ gradient: [Float]) -> [Float] {
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
        return q
    }

    public var state: OptimizerState {
        OptimizerState(kind: "lbfgs", iteration: iteration,
                       scalars: ["step": stepLength, "hessian_scale": hessianScale],
                       vectors: ["previous_gradient": [previousGradient], "direction": [direction],
                                 "gradient_changes": gradientChanges, "steps": steps,
                                 "inverse_curvatures": [inverseCurvatures]])
    }

    public func restore(_ state: OptimizerState) throws {
        try state.expect("lbfgs")
        let changes = try state.vectorList("gradient_changes"), steps = try state.vectorList("steps")
        let curvatures = try state.vectorList("inverse_curvatures").first ?? []
        guard changes.count == steps.count, steps.count == curvatures.count, steps.count <= historySize else {
            throw StyleTransferError.badCheckpoint("inconsistent L-BFGS history")
        }
        iteration = state.iteration
        stepLength = try state.scalar("step")
        hessianScale = try state.scalar("hessian_scale")
        previousGradient = try state.vectorList("previous_gradient").first ?? []
        direction = try state.vectorList("direction").first ?? []
        (gradientChanges, self.steps, inverseCurvatures) = (changes, steps, curvatures)
    }
}
