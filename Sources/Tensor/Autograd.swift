/// One entry of the tape: the tensors an op read and how to map its output gradient
/// to theirs. The closure is dropped once it has run, releasing what it captured.
final class GradFunction {
    let inputs: [Tensor]
    var backward: ((Tensor) -> [Tensor?])?

    init(inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Returns `output`, recording it on the tape when any of `inputs` requires a gradient.
    /// `backward` returns one gradient per input (nil where the input needs none).
    static func recorded(_ output: Tensor, from inputs: [Tensor],
                         backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard inputs.contains(where: \.requiresGrad) else { return output }
        output.requiresGrad = true
        output.gradFunction = GradFunction(inputs: inputs, backward: backward)
        return output
    }

    /// Back-propagates from this one-element tensor, accumulating `grad` on every leaf
    /// that requires one. Each tape entry is freed as soon as it has run.
    public func backward() {
        precondition(count == 1, "backward() needs a one-element tensor, got \(shape)")
        precondition(requiresGrad, "backward() on a tensor that does not depend on any variable")
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): Tensor.full(shape, value: 1)]
        for node in topologicalOrder().reversed() {
            guard let g = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let function = node.gradFunction else {
                node.grad = node.grad.map { $0 + g } ?? g
                continue
            }
            guard let backward = function.backward else {
                fatalError("backward() through a graph that was already back-propagated")
            }
            function.backward = nil
            let grads = backward(g)
            for (input, grad) in zip(function.inputs, grads) where input.requiresGrad {
                guard let grad else { continue }
                let key = ObjectIdentifier(input)
                pending[key] = pending[key].map { Backend.current.binary(.add, $0, grad) } ?? grad
            }
        }
    }

    /// Tensors this one depends on (and itself), each after everything it depends on.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradFunction?.inputs ?? [] where input.requiresGrad {
                stack.append((input, false))
            }
        }
        return order
    }
}
