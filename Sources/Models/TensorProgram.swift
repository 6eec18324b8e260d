import Tensor

/// A straight-line program of the engine's tensor operations: the form an imported network
/// whose structure is irregular (Magenta's quantised arbitrary-style pair) is kept in. Values
/// are numbered: the program's inputs first, then one value per step, in order; every step
/// reads earlier values and, for convolutions and constants, constant tensors by index. All
/// feature maps are NCHW. It is stored as text (`text`, one step per line) beside its constants.
public struct TensorProgram: Equatable {
    /// What one step computes.
    public enum Operation: Equatable {
        /// Constant tensor `index`.
        case constant(Int)
        /// Convolution of the argument with constant `weight` (OIHW) and optional constant `bias`
        /// over the zero-padded input.
        case convolution(weight: Int, bias: Int?, stride: Int, padding: Padding2D, groups: Int)
        /// Quantisation to integers in `range` with `scale` and `zeroPoint`, and back
        /// (ONNX QuantizeLinear → DequantizeLinear).
        case fakeQuantize(scale: Float, zeroPoint: Int, range: ClosedRange<Int>)
        /// Each element limited to `low…high`.
        case clamp(low: Float, high: Float)
        /// Element-wise functions.
        case relu, sigmoid, squareRoot, reciprocal
        /// Element-wise arithmetic on two arguments (broadcasting).
        case add, subtract, multiply
        /// The mean over height and width, kept as `[N, C, 1, 1]`.
        case spatialMean
        /// Reflection padding.
        case reflectionPad(Padding2D)
        /// Nearest-neighbour upsampling by an integer factor.
        case upsample(factor: Int)

        /// How many values the operation reads.
        var arity: Int {
            switch self {
            case .constant: return 0
            case .add, .subtract, .multiply: return 2
            default: return 1
            }
        }
    }

    /// One step: an operation and the numbers of the values it reads.
    public struct Step: Equatable {
        /// What it computes.
        public var operation: Operation
        /// The values it reads, by number.
        public var arguments: [Int]

        /// A step reading `arguments`.
        public init(_ operation: Operation, _ arguments: [Int] = []) {
            self.operation = operation
            self.arguments = arguments
        }
    }

    /// How many inputs it takes (values `0..<inputCount`).
    public let inputCount: Int
    /// The steps in order (step `i` writes value `inputCount + i`).
    public let steps: [Step]
    /// The number of the value it returns.
    public let output: Int

    /// A program; every argument must name an earlier value.
    public init(inputCount: Int, steps: [Step], output: Int) throws {
        guard (0...(1 << 20)).contains(inputCount) else { throw WeightsFormatError("a program of \(inputCount) inputs") }
        for (index, step) in steps.enumerated() {
            guard step.arguments.count == step.operation.arity,
                  step.arguments.allSatisfy({ (0..<(inputCount + index)).contains($0) }) else {
                throw WeightsFormatError("step \(index) of a program reads values that do not exist before it")
            }
            guard step.operation.isValid else {
                throw WeightsFormatError("step \(index) of a program has impossible settings (\(step.operation))")
            }
        }
        guard (0..<(inputCount + steps.count)).contains(output) else {
            throw WeightsFormatError("a program returns a value it does not compute")
        }
        (self.inputCount, self.steps, self.output) = (inputCount, steps, output)
    }

    /// The same program without the steps its output does not depend on.
    public func pruned() -> TensorProgram {
        var live = Set([output])
        for (index, step) in steps.enumerated().reversed() where live.contains(inputCount + index) {
            live.formUnion(step.arguments)
        }
        var renumbered = Dictionary(uniqueKeysWithValues: (0..<inputCount).map { ($0, $0) })
        var kept: [Step] = []
        for (index, step) in steps.enumerated() where live.contains(inputCount + index) {
            renumbered[inputCount + index] = inputCount + kept.count
            kept.append(Step(step.operation, step.arguments.map { renumbered[$0]! }))
        }
        return try! TensorProgram(inputCount: inputCount, steps: kept, output: renumbered[output]!)
    }

    /// The same program without steps that cannot change a value, so each runs one pass fewer
    /// over its tensor (the result is the same, bit for bit):
    /// - a fake-quantisation of a value already fake-quantised with the same settings, perhaps
    ///   reflection-padded or upsampled since (those only copy elements): a quantised value
    ///   divided by its scale lies within a few ulps of its integer, so it rounds back to it;
    /// - a ReLU read only by fake-quantisations whose zero point is the range's lowest integer:
    ///   those already send every negative value to 0.
    public func simplified() -> TensorProgram {
        var readers: [Int: [Operation]] = [:]
        for step in steps { for argument in step.arguments { readers[argument, default: []].append(step.operation) } }
        var producer: [Int: Step] = [:]
        var replacement: [Int: Int] = [:]
        func resolved(_ value: Int) -> Int { replacement[value].map(resolved) ?? value }
        var steps = self.steps
        for index in steps.indices {
            steps[index].arguments = steps[index].arguments.map(resolved)
            let (step, value) = (steps[index], inputCount + index)
            defer { producer[value] = step }
            if case .fakeQuantize = step.operation {
                var origin = step.arguments[0]
                while let copy = producer[origin], copy.operation.onlyCopiesElements { origin = copy.arguments[0] }
                if producer[origin]?.operation == step.operation { replacement[value] = step.arguments[0] }
            } else if step.operation == .relu, value != output, let consumers = readers[value],
                      consumers.allSatisfy(\.sendsNegativesToZero) {
                replacement[value] = step.arguments[0]
            }
        }
        return try! TensorProgram(inputCount: inputCount, steps: steps, output: resolved(output)).pruned()
    }

    /// The result of running the program on `inputs` with `constants`; each value is released
    /// after its last use. Element-wise steps over feature maps run fused, and reflection paddings
    /// as their convolutions' own (`TensorProgramFusion`), unless `fusing` is false; the fused
    /// element-wise steps give the same bits, the paddings the same values but for the rounding of
    /// a few border pixels (the backend may compute them apart). A quantised program's
    /// convolutions keep to `ConvolutionAccuracy.nearDirect`. Shapes must have been checked
    /// (`shapes(inputs:constants:)`).
    public func callAsFunction(_ inputs: [Tensor], constants: [Tensor], fusing: Bool = true) -> Tensor {
        precondition(inputs.count == inputCount, "a program of \(inputCount) inputs given \(inputs.count)")
        // A quantised program turns rounding differences into whole quanta: its convolutions keep
        // to a direct sum's rounding, as the reference runtime's do.
        let quantised = steps.contains { if case .fakeQuantize = $0.operation { return true } else { return false } }
        return withConvolutionAccuracy(quantised ? .nearDirect : ConvolutionAccuracy.current) {
            run(inputs, constants: constants, fusing: fusing)
        }
    }

    /// `callAsFunction` at the convolution accuracy already chosen.
    private func run(_ inputs: [Tensor], constants: [Tensor], fusing: Bool) -> Tensor {
        let shapes = try! self.shapes(inputs: inputs.map(\.shape), constants: constants.map(\.shape))
        let plan = fusing ? TensorProgramFusion(self, shapes: shapes) : TensorProgramFusion(unfused: self)
        var values: [Tensor?] = inputs + Array(repeating: nil, count: steps.count)
        for (index, step) in steps.enumerated() {
            let read: [Int]
            switch plan.actions[index] {
            case .skip:
                continue
            case .run:
                read = step.arguments
                values[inputCount + index] = step.operation.apply(to: read.map { values[$0]! }, constants: constants)
            case let .reflectionPadded(source, padding, upsampling):
                read = [source]
                values[inputCount + index] = step.operation.apply(to: [values[source]!], constants: constants,
                                                                  reflectionPadding: padding, upsampling: upsampling)
            case let .group(group):
                read = group.inputs
                let (result, mean) = Tensor.evaluate(group.expression, on: read.map { values[$0]! },
                                                     keepingResult: group.keepsResult, spatialMean: !group.means.isEmpty)
                values[group.result] = result
                for value in group.means { values[value] = mean }
            }
            for argument in read where plan.lastUse[argument] == index && argument != output { values[argument] = nil }
        }
        return values[output]!
    }

    /// The shape of every value for inputs of `inputs` shapes, or an error naming the first step
    /// whose arguments do not fit it.
    public func shapes(inputs: [[Int]], constants: [[Int]]) throws -> [[Int]] {
        guard inputs.count == inputCount else { throw WeightsFormatError("a program of \(inputCount) inputs given \(inputs.count)") }
        var shapes = inputs
        for (index, step) in steps.enumerated() {
            guard let shape = step.operation.resultShape(step.arguments.map { shapes[$0] }, constants: constants) else {
                throw WeightsFormatError("step \(index) (\(step.operation.name)) does not fit the shapes "
                                         + "\(step.arguments.map { shapes[$0] }) it reads")
            }
            shapes.append(shape)
        }
        return shapes
    }
}

extension TensorProgram.Operation {
    /// Whether it only copies its argument's elements (to other places, some more than once).
    var onlyCopiesElements: Bool {
        switch self {
        case .reflectionPad, .upsample: return true
        default: return false
        }
    }

    /// Whether it is a fake-quantisation that maps every negative value to 0 (its zero point is
    /// its range's lowest integer).
    var sendsNegativesToZero: Bool {
        if case let .fakeQuantize(_, zeroPoint, range) = self { return zeroPoint == range.lowerBound }
        return false
    }

    /// Whether its settings are ones the engine's operations accept.
    var isValid: Bool {
        switch self {
        case let .constant(index): return index >= 0
        case let .convolution(weight, bias, stride, padding, groups):
            return weight >= 0 && (bias ?? 0) >= 0 && stride >= 1 && groups >= 1
                && [padding.top, padding.bottom, padding.left, padding.right].allSatisfy { $0 >= 0 }
        case let .fakeQuantize(scale, zeroPoint, range):
            return scale > 0 && scale.isFinite && range.contains(zeroPoint) && (range == -128...127 || range == 0...255)
        case let .clamp(low, high): return low <= high
        case let .reflectionPad(padding): return [padding.top, padding.bottom, padding.left, padding.right].allSatisfy { $0 >= 0 }
        case let .upsample(factor): return factor >= 1
        default: return true
        }
    }

    /// The step's result on its arguments `x`; a convolution's input first nearest-upsampled by
    /// `upsampling` (stride 1, one group), and reflection-padded by `reflectionPadding` (where given)
    /// instead of its own zero padding.
    func apply(to x: [Tensor], constants: [Tensor], reflectionPadding: Padding2D? = nil, upsampling: Int = 1) -> Tensor {
        switch self {
        case let .constant(index): return constants[index]
        case let .convolution(weight, bias, stride, padding, groups):
            let (padding, mode) = (reflectionPadding ?? padding, reflectionPadding == nil ? PaddingMode.zero : .reflect)
            if upsampling > 1 {
                return x[0].upsampledConv2d(factor: upsampling, weight: constants[weight], bias: bias.map { constants[$0] },
                                            padding: padding, paddingMode: mode)
            }
            return x[0].conv2d(weight: constants[weight], bias: bias.map { constants[$0] }, stride: stride,
                               padding: padding, paddingMode: mode, groups: groups)
        case let .fakeQuantize(scale, zeroPoint, range): return x[0].fakeQuantized(scale: scale, zeroPoint: zeroPoint, range: range)
        case let .clamp(low, high): return x[0].clamped(low, high)
        case .relu: return x[0].relu()
        case .sigmoid: return x[0].sigmoid()
        case .squareRoot: return x[0].sqrt()
        case .reciprocal: return Tensor(shape: [1], values: [1]) / x[0]
        case .add: return x[0] + x[1]
        case .subtract: return x[0] - x[1]
        case .multiply: return x[0] * x[1]
        case .spatialMean: return x[0].mean(alongAxes: [2, 3], keepingDimensions: true)
        case let .reflectionPad(padding): return x[0].padded(padding, mode: .reflect)
        case let .upsample(factor): return x[0].upsampledNearest(factor: factor)
        }
    }

    /// The largest element count a value may have (2⁴⁸): sizes, paddings and factors come from
    /// files, and no arithmetic on shapes within it overflows.
    static let maximumElements = 1 << 48

    /// The shape of the result for arguments of `shapes`, or nil where they do not fit or the
    /// result would hold more than `maximumElements`.
    func resultShape(_ shapes: [[Int]], constants: [[Int]]) -> [Int]? {
        guard let shape = uncheckedResultShape(shapes, constants: constants) else { return nil }
        var elements = 1
        for size in shape {
            let product = elements.multipliedReportingOverflow(by: size)
            guard size >= 0, !product.overflow, product.partialValue <= Self.maximumElements else { return nil }
            elements = product.partialValue
        }
        return shape
    }

    private func uncheckedResultShape(_ shapes: [[Int]], constants: [[Int]]) -> [Int]? {
        func spatial(_ shape: [Int]) -> Bool { shape.count == 4 && shape.allSatisfy { $0 > 0 } }
        func sum(_ terms: Int...) -> Int? {
            terms.reduce(0 as Int?) { total, term in
                total.flatMap { let r = $0.addingReportingOverflow(term); return r.overflow ? nil : r.partialValue }
            }
        }
        func product(_ a: Int, _ b: Int) -> Int? {
            let r = a.multipliedReportingOverflow(by: b)
            return r.overflow ? nil : r.partialValue
        }
        switch self {
        case let .constant(index): return constants.indices.contains(index) ? constants[index] : nil
        case let .convolution(weight, bias, stride, padding, groups):
            guard let x = shapes.first, spatial(x), constants.indices.contains(weight), stride >= 1, groups >= 1 else { return nil }
            let w = constants[weight]
            guard w.count == 4, product(w[1], groups) == x[1], w[0] % groups == 0,
                  bias.map({ constants.indices.contains($0) && constants[$0] == [w[0]] }) ?? true,
                  [padding.top, padding.bottom, padding.left, padding.right].allSatisfy({ $0 >= 0 }),
                  let paddedHeight = sum(x[2], padding.top, padding.bottom), paddedHeight >= w[2],
                  let paddedWidth = sum(x[3], padding.left, padding.right), paddedWidth >= w[3] else { return nil }
            return [x[0], w[0], (paddedHeight - w[2]) / stride + 1, (paddedWidth - w[3]) / stride + 1]
        case .fakeQuantize, .clamp, .relu, .sigmoid, .squareRoot, .reciprocal: return shapes[0]
        case .add, .subtract, .multiply:
            let rank = max(shapes[0].count, shapes[1].count)
            let (a, b) = (Array(repeating: 1, count: rank - shapes[0].count) + shapes[0],
                          Array(repeating: 1, count: rank - shapes[1].count) + shapes[1])
            guard zip(a, b).allSatisfy({ $0 == $1 || $0 == 1 || $1 == 1 }) else { return nil }
            return zip(a, b).map { max($0, $1) }
        case .spatialMean: return spatial(shapes[0]) ? [shapes[0][0], shapes[0][1], 1, 1] : nil
        case let .reflectionPad(p):
            let x = shapes[0]
            guard spatial(x), [p.top, p.bottom, p.left, p.right].allSatisfy({ $0 >= 0 }),
                  max(p.top, p.bottom) < x[2], max(p.left, p.right) < x[3] else { return nil }
            return [x[0], x[1], x[2] + p.top + p.bottom, x[3] + p.left + p.right]
        case let .upsample(factor):
            guard spatial(shapes[0]), factor >= 1, let height = product(shapes[0][2], factor),
                  let width = product(shapes[0][3], factor) else { return nil }
            return [shapes[0][0], shapes[0][1], height, width]
        }
    }
}
