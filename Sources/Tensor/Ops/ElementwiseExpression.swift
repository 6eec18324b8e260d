/// A chain of element-wise steps over NCHW feature maps of one shape, run in one pass: the
/// values between steps live in small per-thread buffers, never in whole tensors, and the
/// result's spatial mean can be taken in the same pass. For inference (it has no backward pass);
/// each step computes exactly what the same op on whole tensors computes, bit for bit.
///
/// Registers hold the values: the inputs first (`0..<inputCount`), then one per step, in order;
/// the last step's register is the result.
public struct ElementwiseExpression: Hashable, Sendable {
    /// One step, reading earlier registers.
    public enum Step: Hashable, Sendable {
        /// A function of one register.
        case unary(UnaryOperation, Int)
        /// `max(x, 0)` of one register.
        case relu(Int)
        /// Arithmetic on two registers (they may be the same one).
        case binary(BinaryOperation, Int, Int)

        /// The registers it reads.
        public var operands: [Int] {
            switch self {
            case let .unary(_, a), let .relu(a): return [a]
            case let .binary(_, a, b): return [a, b]
            }
        }
    }

    /// How many input registers it reads.
    public let inputCount: Int
    /// The steps in order; step `i` writes register `inputCount + i`.
    public let steps: [Step]

    /// An expression of `inputCount` inputs; every step may read only the registers before its own.
    public init(inputCount: Int, steps: [Step]) {
        precondition(inputCount > 0 && !steps.isEmpty, "an element-wise expression needs inputs and steps")
        for (index, step) in steps.enumerated() {
            precondition(step.operands.allSatisfy { $0 >= 0 && $0 < inputCount + index },
                         "step \(index) of an element-wise expression reads a register not yet written")
        }
        self.inputCount = inputCount
        self.steps = steps
    }

    /// Whether an expression over NCHW maps of `shape` can read an input of `input` shape: the
    /// same shape, a single element, or one value per channel (`[N, C, 1, 1]` or `[1, C, 1, 1]`).
    public static func reads(_ input: [Int], over shape: [Int]) -> Bool {
        input == shape || input.reduce(1, *) == 1
            || input.count == 4 && shape.count == 4 && [1, shape[0]].contains(input[0]) && input[1] == shape[1]
               && input[2] == 1 && input[3] == 1
    }
}

extension Tensor {
    /// Runs `expression` over `inputs`: NCHW tensors of one shape, and small ones broadcast over
    /// them (`[N, C, 1, 1]` or `[1, C, 1, 1]` per channel, or a single element). Returns the result
    /// when `keepingResult`, and its mean over height and width (`[N, C, 1, 1]`, as
    /// `mean(alongAxes: [2, 3], keepingDimensions: true)` gives) when `spatialMean`.
    public static func evaluate(_ expression: ElementwiseExpression, on inputs: [Tensor], keepingResult: Bool = true,
                                spatialMean: Bool = false) -> (result: Tensor?, spatialMean: Tensor?) {
        precondition(inputs.count == expression.inputCount,
                     "an expression of \(expression.inputCount) inputs given \(inputs.count)")
        precondition(!willRecord(from: inputs), "an element-wise expression has no backward pass: run it without gradients")
        let shape = inputs.map(\.shape).max { $0.reduce(1, *) < $1.reduce(1, *) }!
        precondition(shape.count == 4, "an element-wise expression runs over NCHW tensors, given \(shape)")
        for input in inputs {
            precondition(ElementwiseExpression.reads(input.shape, over: shape),
                         "an element-wise expression over \(shape) cannot broadcast \(input.shape)")
        }
        return Backend.current.elementwise(expression, inputs, shape: shape, keepingResult: keepingResult,
                                           spatialMean: spatialMean)
    }
}
