import Tensor

/// Limited-memory BFGS with the semantics of torch.optim.LBFGS (and jcjohnson/neural-style):
/// no line search, a fixed step (`learningRate`) except a first step of
/// `min(1, 1/‖g‖₁)·learningRate` (also after a restart, whose state has no history), curvature pairs kept only when `yᵀs > 1e-10`, and no
/// early stopping: every iteration evaluates the objective once.
///
/// Each iteration evaluates the gradient at the current point, folds it into the history
/// and moves; so the last iterate is never evaluated, exactly as in torch. The history lives
/// on the device; only the scalars of the two-loop recursion come back to the host.
public final class LBFGS: Optimizer {
    /// Curvature pairs remembered (torch: 100 in neural-style).
    public let historySize: Int
    /// Step length along the quasi-Newton direction.
    public let learningRate: Float
    public private(set) var iteration = 0

    private var previousGradient: Tensor?
    private var direction: Tensor?
    private var stepLength: Float = 0
    private var gradientChanges: [Tensor] = [], steps: [Tensor] = [], inverseCurvatures: [Float] = []
    private var hessianScale: Float = 1
    private var backend: ComputeBackend { Backend.current }

    /// Configures the optimiser; the defaults are neural-style's.
    public init(historySize: Int = 100, learningRate: Float = 1) {
        self.historySize = historySize
        self.learningRate = learningRate
    }

    public func step(_ x: Tensor, objective: Objective) rethrows {
        let gradient = backend.reorder(try objective(x).gradient, to: x.layout)
        iteration += 1
        let first = previousGradient == nil
        if !first { remember(gradient) }
        let newDirection = first ? backend.affine(gradient, scale: -1, shift: 0) : inverseHessianTimesNegative(gradient)
        previousGradient = gradient
        direction = newDirection
        stepLength = first ? min(1, 1 / backend.absoluteSum(gradient).item()) * learningRate : learningRate
        backend.axpy(stepLength, newDirection, x)
    }

    /// Adds the curvature pair of the last step if it keeps the approximation positive definite.
    private func remember(_ gradient: Tensor) {
        guard let previousGradient, let direction else { return }
        let y = backend.binary(.subtract, gradient, previousGradient.reshaped(gradient.shape)) // restored ones are flat
        let s = backend.affine(direction, scale: stepLength, shift: 0)
        let ys = backend.dot(y, s).item()
        guard ys > 1e-10 else { return }
        if gradientChanges.count == historySize {
            gradientChanges.removeFirst(); steps.removeFirst(); inverseCurvatures.removeFirst()
        }
        gradientChanges.append(y); steps.append(s); inverseCurvatures.append(1 / ys)
        hessianScale = ys / backend.dot(y, y).item()
    }

    /// The two-loop recursion: `−H·gradient`.
    private func inverseHessianTimesNegative(_ gradient: Tensor) -> Tensor {
        var q = backend.affine(gradient, scale: -1, shift: 0)
        var alphas = [Float](repeating: 0, count: steps.count)
        for i in steps.indices.reversed() {
            alphas[i] = backend.dot(steps[i], q).item() * inverseCurvatures[i]
            backend.axpy(-alphas[i], gradientChanges[i], q)
        }
        q = backend.affine(q, scale: hessianScale, shift: 0)
        for i in steps.indices {
            let beta = backend.dot(gradientChanges[i], q).item() * inverseCurvatures[i]
            backend.axpy(alphas[i] - beta, steps[i], q)
        }
        return q
    }

    public var state: OptimizerState {
        OptimizerState(kind: "lbfgs", iteration: iteration,
                       scalars: ["step": stepLength, "hessian_scale": hessianScale],
                       vectors: ["previous_gradient": [previousGradient?.toArray() ?? []],
                                 "direction": [direction?.toArray() ?? []],
                                 "gradient_changes": gradientChanges.map { $0.toArray() }, "steps": steps.map { $0.toArray() },
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
        func tensor(_ values: [Float]) -> Tensor? { values.isEmpty ? nil : Tensor(shape: [values.count], values: values) }
        previousGradient = tensor(try state.vectorList("previous_gradient").first ?? [])
        direction = tensor(try state.vectorList("direction").first ?? [])
        gradientChanges = changes.compactMap(tensor)
        self.steps = steps.compactMap(tensor)
        inverseCurvatures = curvatures
    }
}
