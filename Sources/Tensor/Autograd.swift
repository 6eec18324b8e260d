/// A vertex of the tape. A tensor that requires a gradient owns one; it points at the
/// vertices of the op's inputs, never at their data, so an activation is freed as soon as
/// no backward closure needs it. The closure is dropped once it has run.
final class GradNode {
    /// One per op input; nil where that input needs no gradient.
    let parents: [GradNode?]
    var backward: ((Tensor) -> [Tensor?])?
    /// For leaves: the tensor whose `grad` receives the accumulated gradient.
    weak var leaf: Tensor?
    /// Whether this vertex stands for a variable rather than an op (ops always have inputs).
    var isLeaf: Bool { parents.isEmpty }

    init(parents: [GradNode?], backward: @escaping (Tensor) -> [Tensor?]) {
        precondition(!parents.isEmpty, "an op vertex needs its inputs")
        self.parents = parents
        self.backward = backward
    }

    init(leaf: Tensor) {
        parents = []
        self.leaf = leaf
    }
}

extension Tensor {
    /// Returns `output`, recording it on the tape when any of `inputs` requires a gradient.
    /// `backward` returns one gradient per input (nil where the input needs none).
    static func recorded(_ output: Tensor, from inputs: [Tensor],
                         backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard willRecord(from: inputs) else { return output }
        output.gradNode = GradNode(parents: inputs.map(\.gradNode), backward: backward)
        return output
    }

    /// Whether `recorded` will keep an op on these inputs: an op may skip what only its backward
    /// pass would need when not.
    static func willRecord(from inputs: [Tensor]) -> Bool {
        GradientRecording.isEnabled && inputs.contains { $0.gradNode != nil }
    }

    /// Back-propagates from this one-element tensor, accumulating `grad` on every leaf
    /// that requires one. Each tape entry is freed as soon as it has run.
    public func backward() {
        precondition(count == 1, "backward() needs a one-element tensor, got \(shape)")
        guard let root = gradNode else {
            preconditionFailure("backward() on a tensor that does not depend on any variable")
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): Tensor.full(shape, value: 1)]
        for node in Tensor.topologicalOrder(from: root).reversed() {
            guard let g = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            if node.isLeaf {
                if let leaf = node.leaf { // nil when the variable was released: nobody wants its gradient
                    if var sum = leaf.grad {
                        leaf.grad = nil
                        Tensor.accumulate(g, into: &sum)
                        leaf.grad = sum
                    } else {
                        leaf.grad = g
                    }
                }
                continue
            }
            guard let backward = node.backward else {
                fatalError("backward() through a graph that was already back-propagated")
            }
            node.backward = nil
            for (parent, grad) in zip(node.parents, backward(g)) {
                guard let parent, let grad else { continue }
                let key = ObjectIdentifier(parent)
                if var sum = pending.removeValue(forKey: key) {
                    Tensor.accumulate(grad, into: &sum)
                    pending[key] = sum
                } else {
                    pending[key] = grad
                }
            }
        }
    }

    /// `sum + addend`, written over `sum` when nothing else can see it (the tape holds the only
    /// reference to the tensor and to its storage), which spares a buffer the size of an activation.
    private static func accumulate(_ addend: Tensor, into sum: inout Tensor) {
        let addend = addend.reordered(to: sum.layout)
        if isKnownUniquelyReferenced(&sum), isKnownUniquelyReferenced(&sum.storage) {
            Backend.current.add(addend, into: sum)
        } else {
            sum = Backend.current.binary(.add, sum, addend)
        }
    }

    /// Vertices reachable from `root` (and itself), each after everything it depends on.
    private static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(GradNode, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for case let parent? in node.parents { stack.append((parent, false)) }
        }
        return order
    }
}

/// Whether ops record the tape (on unless inside `withoutGradients`).
enum GradientRecording {
    nonisolated(unsafe) static var isEnabled = true
}

/// Runs `body` without recording any op on the tape: inference with trainable weights
/// (a preview during training) keeps no activations for a backward pass that will not come.
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    let saved = GradientRecording.isEnabled
    GradientRecording.isEnabled = false
    defer { GradientRecording.isEnabled = saved }
    return try body()
}
