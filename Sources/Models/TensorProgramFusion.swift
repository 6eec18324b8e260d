import Tensor

/// How a `TensorProgram` runs its element-wise steps over feature maps (and its reflection
/// paddings and the upsamplings before them, each as its convolution's own where one reads it):
/// each tree of them whose inner values are read once, by the next step of the tree, becomes one
/// `ElementwiseExpression` (one pass over memory instead of one per step), and spatial means of its
/// result are taken in the same pass. Magenta's quantised transformer spends most of its element-wise time in such
/// trees: a fake-quantisation, a subtraction, a square and another fake-quantisation read only
/// by a mean, for instance, never need to exist as whole tensors.
struct TensorProgramFusion {
    /// What the runner does at a step.
    enum Action {
        /// Runs the step as it is.
        case run
        /// Nothing: a group computes it, at its last step.
        case skip
        /// Runs a group (this is its last step).
        case group(Group)
        /// Runs this unpadded convolution on value `source` nearest-upsampled by `upsampling` (1:
        /// not) and reflection-padded by `padding`, the upsampling and padding steps skipped (the
        /// backend may spare the copies).
        case reflectionPadded(source: Int, padding: Padding2D, upsampling: Int)
    }

    /// Steps run as one expression.
    struct Group {
        let expression: ElementwiseExpression
        /// The values the expression reads, by number, in register order.
        let inputs: [Int]
        /// The value the expression computes, and whether anything but a fused mean reads it.
        let result: Int, keepsResult: Bool
        /// The values of the spatial-mean steps of `result` computed in the same pass.
        let means: [Int]
    }

    /// One action per step.
    let actions: [Action]
    /// For each value, the step after which nothing reads it (-1: never read).
    let lastUse: [Int]

    /// The plan for `program` with every value's shape known.
    init(_ program: TensorProgram, shapes: [[Int]]) {
        let (inputCount, steps) = (program.inputCount, program.steps)
        func value(_ step: Int) -> Int { inputCount + step }
        var readers = [[Int]](repeating: [], count: inputCount + steps.count)
        for (index, step) in steps.enumerated() {
            for argument in Set(step.arguments) { readers[argument].append(index) }
        }
        func fusable(_ index: Int) -> Bool {
            let shape = shapes[value(index)]
            guard steps[index].operation.elementwiseStep(0, 0) != nil, shape.count == 4, shape[2] * shape[3] > 1 else { return false }
            return steps[index].arguments.allSatisfy { ElementwiseExpression.reads(shapes[$0], over: shape) }
        }
        let isFusable = steps.indices.map(fusable)
        // A fusable step's value stays inside its reader's expression when that one fusable step
        // of the same shape is all that reads it.
        func isInner(_ index: Int) -> Bool {
            let reader = readers[value(index)]
            return isFusable[index] && value(index) != program.output && reader.count == 1 && isFusable[reader[0]]
                && shapes[value(reader[0])] == shapes[value(index)]
        }
        var root = Array(steps.indices)
        for index in steps.indices.reversed() where isInner(index) { root[index] = root[readers[value(index)][0]] }

        var actions = [Action](repeating: .run, count: steps.count)
        var readAt = Array(steps.indices)
        for last in steps.indices where isFusable[last] && root[last] == last {
            let members = steps.indices.filter { root[$0] == last }
            let means = readers[value(last)].filter { steps[$0].operation == .spatialMean }
            guard members.count > 1 || !means.isEmpty else { continue }
            var registers: [Int: Int] = [:], inputs: [Int] = []
            for member in members {
                for argument in steps[member].arguments where registers[argument] == nil
                    && !members.contains(where: { value($0) == argument }) {
                    registers[argument] = inputs.count
                    inputs.append(argument)
                }
            }
            var expression: [ElementwiseExpression.Step] = []
            for member in members {
                let arguments = steps[member].arguments.map { registers[$0]! }
                expression.append(steps[member].operation.elementwiseStep(arguments[0], arguments.last!)!)
                registers[value(member)] = inputs.count + expression.count - 1
            }
            let keepsResult = value(last) == program.output || readers[value(last)].count > means.count
            for member in members { (actions[member], readAt[member]) = (.skip, last) }
            for mean in means { (actions[mean], readAt[mean]) = (.skip, last) }
            actions[last] = .group(Group(expression: ElementwiseExpression(inputCount: inputs.count, steps: expression),
                                         inputs: inputs, result: value(last), keepsResult: keepsResult,
                                         means: means.map(value)))
        }
        // Reflection padding read only by an unpadded convolution becomes that convolution's padding.
        for (index, step) in steps.enumerated() {
            guard case let .reflectionPad(padding) = step.operation, value(index) != program.output,
                  readers[value(index)].count == 1, case let reader = readers[value(index)][0],
                  case let .convolution(_, _, _, convolutionPadding, _) = steps[reader].operation,
                  convolutionPadding == Padding2D(0), case .run = actions[reader] else { continue }
            (actions[index], readAt[index]) = (.skip, reader)
            // A nearest upsampling read only by that padding, before a stride-1 convolution, goes in too.
            let source = step.arguments[0], upsampler = source - inputCount
            if upsampler >= 0, case let .upsample(factor) = steps[upsampler].operation, readers[source].count == 1,
               case .convolution(_, _, 1, _, 1) = steps[reader].operation, case .run = actions[upsampler] {
                (actions[upsampler], readAt[upsampler]) = (.skip, reader)
                actions[reader] = .reflectionPadded(source: steps[upsampler].arguments[0], padding: padding, upsampling: factor)
            } else {
                actions[reader] = .reflectionPadded(source: source, padding: padding, upsampling: 1)
            }
        }
        self.actions = actions
        lastUse = Self.lastUses(program, readAt: readAt)
    }

    /// Every step run as it is.
    init(unfused program: TensorProgram) {
        actions = Array(repeating: .run, count: program.steps.count)
        lastUse = Self.lastUses(program, readAt: Array(program.steps.indices))
    }

    /// For each value, the last step at which it is read, where step `i`'s arguments are read at
    /// step `readAt[i]` (the last step of its group, for a fused one).
    private static func lastUses(_ program: TensorProgram, readAt: [Int]) -> [Int] {
        var lastUse = [Int](repeating: -1, count: program.inputCount + program.steps.count)
        for (index, step) in program.steps.enumerated() {
            for argument in step.arguments { lastUse[argument] = max(lastUse[argument], readAt[index]) }
        }
        return lastUse
    }
}

extension TensorProgram.Operation {
    /// This operation as a step of an element-wise expression reading registers `a` (and `b`),
    /// or nil where it is not one.
    func elementwiseStep(_ a: Int, _ b: Int) -> ElementwiseExpression.Step? {
        switch self {
        case let .fakeQuantize(scale, zeroPoint, range):
            return .unary(.fakeQuantize(scale: scale, zeroPoint: Float(zeroPoint), low: Float(range.lowerBound),
                                        high: Float(range.upperBound)), a)
        case let .clamp(low, high): return .unary(.clamp(low: low, high: high), a)
        case .relu: return .relu(a)
        case .sigmoid: return .unary(.sigmoid, a)
        case .squareRoot: return .unary(.sqrt, a)
        case .add: return .binary(.add, a, b)
        case .subtract: return .binary(.subtract, a, b)
        case .multiply: return .binary(.multiply, a, b)
        case .constant, .convolution, .reciprocal, .spatialMean, .reflectionPad, .upsample: return nil
        }
    }
}
