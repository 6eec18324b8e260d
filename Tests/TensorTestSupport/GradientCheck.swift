import Tensor
import TensorCPU
import XCTest

/// Installs an f32 CPU backend (finite differences need f32 gradients) unless one is in
/// place; other test targets in the same process may have installed a bfloat16 one.
public func installBackend() {
    if Backend.isInstalled, (Backend.current as? CPUBackend)?.gradientPrecision == .float32 { return }
    Backend.current = CPUBackend(gradientPrecision: .float32)
}

/// Random values in `-1...1`, reproducible per `seed`.
public func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
}

/// A tensor of random values in `layout`.
public func randomTensor(_ shape: [Int], layout: Layout = .plain, seed: UInt64) -> Tensor {
    let plain = Tensor(shape: shape, values: randomValues(shape.reduce(1, *), seed: seed))
    return layout == .plain ? plain : Backend.current.reorder(plain, to: layout)
}

/// Compares the tape's gradient of `Σ f(inputs) ∘ R` (R random) with central finite
/// differences at `samples` coordinates of every input. For piecewise polynomials of degree
/// ≤ 2 central differences are exact up to rounding unless a step crosses a kink (ReLU at 0,
/// a max-pool tie; random inputs make that unlikely); smooth ops (tanh, normalisation) are
/// off by O(step²), well inside the tolerance.
public func assertGradientsMatch(_ inputs: [Tensor], samples: Int = 16, step: Float = 1e-2, tolerance: Float = 2e-3,
                          file: StaticString = #filePath, line: UInt = #line,
                          _ f: ([Tensor]) -> Tensor) {
    let probe = f(inputs)
    let projection = Tensor(shape: probe.shape, values: randomValues(probe.count, seed: 99))
    func objective(_ xs: [Tensor]) -> Tensor { (f(xs) * projection).sum() }

    let variables = inputs.map { $0.variable() }
    objective(variables).backward()

    for (index, input) in inputs.enumerated() {
        guard let grad = variables[index].grad else {
            XCTFail("input \(index) got no gradient", file: file, line: line)
            continue
        }
        XCTAssertEqual(grad.shape, input.shape, file: file, line: line)
        let analytic = grad.toArray()
        let values = input.toArray()
        var generator = SeededGenerator(seed: UInt64(index) + 7)
        for _ in 0..<samples {
            let k = Int.random(in: 0..<values.count, using: &generator)
            func loss(at delta: Float) -> Double {
                var shifted = values
                shifted[k] += delta
                let plain = Tensor(shape: input.shape, values: shifted)
                var xs = inputs
                xs[index] = input.layout == .plain ? plain : Backend.current.reorder(plain, to: input.layout)
                return Double(objective(xs).item())
            }
            let numeric = Float((loss(at: step) - loss(at: -step)) / Double(2 * step))
            let scale = max(1, abs(numeric), abs(analytic[k]))
            XCTAssertLessThanOrEqual(abs(numeric - analytic[k]), tolerance * scale,
                                     "input \(index) element \(k): numeric \(numeric) vs tape \(analytic[k])",
                                     file: file, line: line)
        }
    }
}
