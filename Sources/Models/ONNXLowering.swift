import Tensor

/// Translates a quantised (QDQ) ONNX graph, once, into a `TensorProgram` of the engine's
/// operations and its constants. Weights behind `DequantizeLinear` are folded into floats;
/// every activation's `QuantizeLinear` → `DequantizeLinear` pair becomes one fake-quantise step
/// at its place (the int8 values in between may be transposed or reshaped, which costs nothing
/// here); NHWC ↔ NCHW transposes and reshapes of channel vectors only change how later pads,
/// resizes and reshapes are read, since every value is kept NCHW. The operators understood are
/// Conv, QuantizeLinear, DequantizeLinear, Clip, Relu, Sigmoid, Sqrt, Reciprocal, Add, Sub, Mul,
/// GlobalAveragePool, Pad (reflect), Resize (nearest, integer factors), Transpose and Reshape;
/// anything else, or any setting these steps cannot honour, is refused with one line.
struct ONNXLowering {
    /// How the graph orders a value's axes (the program always holds NCHW).
    enum Layout { case nchw, nhwc }

    /// The quantisation a QuantizeLinear applies.
    struct Quantization: Equatable {
        var scale: Float, zeroPoint: Int, range: ClosedRange<Int>
    }

    /// A value of the graph as the program holds it.
    struct Value {
        /// Its number in the program.
        var number: Int
        /// Its NCHW shape for the shapes the lowering was given.
        var shape: [Int]
        /// The graph's axis order for it.
        var layout: Layout
        /// Set while the graph holds it as integers (after QuantizeLinear, before DequantizeLinear).
        var quantization: Quantization?
    }

    private let model: ONNXModel
    private let refuse: (String) -> WeightsFormatError
    private var steps: [TensorProgram.Step] = []
    private var constants: [NamedArray] = []
    private var constantNumbers: [String: Int] = [:]
    private var constantValues: [String: Int] = [:]
    private var folded: [String: ONNXTensor] = [:]
    private var values: [String: Value] = [:]
    private let inputCount: Int

    /// The lowered graph: its program, the constants it reads and the NCHW shape of its output
    /// for inputs of the given shapes. `inputs` are the graph's inputs in order with their NCHW
    /// shapes (for checking) and the graph's layout for them.
    static func lower(_ model: ONNXModel, inputs: [(shape: [Int], layout: Layout)],
                      refuse: @escaping (String) -> WeightsFormatError) throws
        -> (program: TensorProgram, constants: [NamedArray], outputShape: [Int], outputLayout: Layout) {
        guard model.inputs.count == inputs.count else {
            throw refuse("it has \(model.inputs.count) inputs, expected \(inputs.count)")
        }
        guard model.outputs.count == 1 else { throw refuse("it has \(model.outputs.count) outputs, expected 1") }
        var lowering = ONNXLowering(model: model, refuse: refuse, inputCount: inputs.count)
        for (name, input) in zip(model.inputs, inputs) {
            lowering.values[name] = Value(number: lowering.values.count, shape: input.shape, layout: input.layout)
        }
        for node in try lowering.topologicalOrder() { try lowering.lower(node) }
        guard let output = lowering.values[model.outputs[0]], output.quantization == nil else {
            throw refuse("its output '\(model.outputs[0])' is not a float value the graph computes")
        }
        let program = try TensorProgram(inputCount: inputs.count, steps: lowering.steps, output: output.number)
        return (program, lowering.constants, output.shape, output.layout)
    }

    private init(model: ONNXModel, refuse: @escaping (String) -> WeightsFormatError, inputCount: Int) {
        (self.model, self.refuse, self.inputCount) = (model, refuse, inputCount)
    }

    /// The nodes in an order where each comes after those whose outputs it reads (files need
    /// not list them so).
    private func topologicalOrder() throws -> [ONNXNode] {
        var available = Set(model.inputs).union(model.constants.keys).union([""])
        var pending = model.nodes.filter { $0.operation != "Constant" }
        var ordered: [ONNXNode] = []
        while !pending.isEmpty {
            let ready = pending.filter { $0.inputs.allSatisfy(available.contains) }
            guard !ready.isEmpty else { throw refuse("node '\(pending[0].name)' reads a value nothing computes") }
            ordered += ready
            for node in ready { available.formUnion(node.outputs) }
            let readyNames = Set(ready.map(\.outputs))
            pending.removeAll { readyNames.contains($0.outputs) }
        }
        return ordered
    }

    // MARK: operators

    private mutating func lower(_ node: ONNXNode) throws {
        guard node.outputs.count == 1, let output = node.outputs.first else {
            throw refuse("node '\(node.name)' (\(node.operation)) has \(node.outputs.count) outputs")
        }
        // Every operator translated reads at least one value (Transpose and the rest read `inputs[0]`).
        guard !node.inputs.isEmpty else { throw refuse("node '\(node.name)' (\(node.operation)) reads nothing") }
        let unary: [String: TensorProgram.Operation] = ["Relu": .relu, "Sigmoid": .sigmoid, "Sqrt": .squareRoot,
                                                        "Reciprocal": .reciprocal]
        let binary: [String: TensorProgram.Operation] = ["Add": .add, "Sub": .subtract, "Mul": .multiply]
        switch node.operation {
        case "QuantizeLinear":
            let x = try float(node, 0)
            let quantization = try self.quantization(node)
            var value = try emit(.fakeQuantize(scale: quantization.scale, zeroPoint: quantization.zeroPoint,
                                               range: quantization.range), [x], node)
            value.quantization = quantization
            values[output] = value
        case "DequantizeLinear":
            if let integers = constant(node.inputs[0]) {
                folded[output] = try dequantized(integers, node)
                return
            }
            guard var value = values[node.inputs[0]], let quantization = value.quantization,
                  quantization == (try self.quantization(node)) else {
                throw refuse("node '\(node.name)' dequantises with other settings than the value was quantised with")
            }
            value.quantization = nil
            values[output] = value
        case "Transpose": values[output] = try transposed(node)
        case "Reshape": values[output] = try reshaped(node)
        case "Conv": values[output] = try convolution(node)
        case "Clip":
            let (low, high) = (try clipBound(node, 1, "min") ?? -.infinity, try clipBound(node, 2, "max") ?? .infinity)
            guard low <= high else { throw refuse("Clip '\(node.name)' has bounds \(low) > \(high)") }
            values[output] = try emit(.clamp(low: low, high: high), [try float(node, 0)], node)
        case "GlobalAveragePool":
            let x = try float(node, 0)
            guard x.layout == .nchw else { throw refuse("GlobalAveragePool '\(node.name)' reads an NHWC value") }
            values[output] = try emit(.spatialMean, [x], node)
        case "Pad": values[output] = try padded(node)
        case "Resize": values[output] = try resized(node)
        case let name where unary[name] != nil:
            try expectAttributes(node, [])
            values[output] = try emit(unary[name]!, [try float(node, 0)], node)
        case let name where binary[name] != nil:
            guard node.inputs.count == 2 else { throw refuse("\(name) '\(node.name)' has \(node.inputs.count) inputs") }
            let (a, b) = (try operand(node, 0), try operand(node, 1))
            guard a.layout == b.layout || a.shape.allSatisfy({ $0 == 1 }) || b.shape.allSatisfy({ $0 == 1 }) else {
                throw refuse("\(name) '\(node.name)' combines an NHWC and an NCHW value")
            }
            var value = try emit(binary[name]!, [a, b], node)
            value.layout = a.shape.allSatisfy { $0 == 1 } ? b.layout : a.layout
            values[output] = value
        default:
            throw refuse("node '\(node.name)' is a \(node.operation), which this importer does not translate")
        }
    }

    /// A Clip bound: its constant input `index`, else its attribute (older operator sets), else nil.
    private func clipBound(_ node: ONNXNode, _ index: Int, _ attribute: String) throws -> Float? {
        if node.inputs.count > index, !node.inputs[index].isEmpty {
            guard let value = constant(node.inputs[index]), value.values.count == 1 else {
                throw refuse("Clip '\(node.name)' has bounds that are not constant numbers")
            }
            return value.values[0]
        }
        if case let .float(value)? = node.attributes[attribute] { return value }
        return nil
    }

    private mutating func convolution(_ node: ONNXNode) throws -> Value {
        let x = try float(node, 0)
        guard x.layout == .nchw else { throw refuse("Conv '\(node.name)' reads an NHWC value") }
        guard node.inputs.count >= 2, let weight = constant(node.inputs[1]), weight.shape.count == 4,
              weight.elementType == .float else {
            throw refuse("Conv '\(node.name)' has no constant float 4-D weight")
        }
        let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? constant(node.inputs[2]) : nil
        guard node.inputs.count < 3 || node.inputs[2].isEmpty || (bias?.elementType == .float && bias?.shape == [weight.shape[0]])
        else { throw refuse("Conv '\(node.name)' has a bias that is not a constant float vector of its width") }
        try expectAttributes(node, ["strides", "pads", "group", "dilations", "kernel_shape", "auto_pad"])
        let strides = node.integers("strides") ?? [1, 1], pads = node.integers("pads") ?? [0, 0, 0, 0]
        guard strides.count == 2, strides[0] == strides[1], pads.count == 4,
              (node.integers("dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }),
              (node.string("auto_pad") ?? "NOTSET") == "NOTSET",
              node.integers("kernel_shape").map({ $0 == Array(weight.shape[2...]) }) ?? true else {
            throw refuse("Conv '\(node.name)' has strides \(strides), pads \(pads) or dilations this engine does not run")
        }
        let operation = TensorProgram.Operation.convolution(
            weight: constantNumber(node.inputs[1], weight), bias: bias.map { constantNumber(node.inputs[2], $0) },
            stride: strides[0], padding: Padding2D(top: pads[0], bottom: pads[2], left: pads[1], right: pads[3]),
            groups: node.integer("group") ?? 1)
        return try emit(operation, [x], node)
    }

    private mutating func padded(_ node: ONNXNode) throws -> Value {
        var x = try float(node, 0)
        try expectAttributes(node, ["mode"])
        guard node.string("mode") == "reflect", node.inputs.count >= 2, node.inputs.dropFirst(2).allSatisfy(\.isEmpty),
              let pads = constant(node.inputs[1])?.integers, pads.count == 8 else {
            throw refuse("Pad '\(node.name)' is not a reflection padding by constant amounts")
        }
        // ONNX lists the starts of every axis, then the ends; the batch and channel axes must stay.
        let (height, width, channel) = x.layout == .nchw ? (2, 3, 1) : (1, 2, 3)
        guard pads[0] == 0, pads[4] == 0, pads[channel] == 0, pads[channel + 4] == 0 else {
            throw refuse("Pad '\(node.name)' pads the batch or channel axis")
        }
        let padding = Padding2D(top: pads[height], bottom: pads[height + 4], left: pads[width], right: pads[width + 4])
        let layout = x.layout
        x = try emit(.reflectionPad(padding), [x], node)
        x.layout = layout
        return x
    }

    private mutating func resized(_ node: ONNXNode) throws -> Value {
        var x = try float(node, 0)
        try expectAttributes(node, ["mode", "coordinate_transformation_mode", "nearest_mode", "exclude_outside",
                                    "cubic_coeff_a"])
        let scales = node.inputs.count > 2 ? constant(node.inputs[2])?.values : nil
        let (height, width) = x.layout == .nchw ? (2, 3) : (1, 2)
        guard node.string("mode") == "nearest", node.string("coordinate_transformation_mode") == "asymmetric",
              node.string("nearest_mode") == "floor", (node.integer("exclude_outside") ?? 0) == 0,
              node.inputs.count <= 3 || node.inputs[3].isEmpty, let scales, scales.count == 4,
              scales.enumerated().allSatisfy({ $0.offset == height || $0.offset == width || $0.element == 1 }),
              scales[height] == scales[width], scales[height] >= 1, let factor = Int(exactly: scales[height]) else {
            throw refuse("Resize '\(node.name)' is not a nearest-neighbour enlargement by a whole factor")
        }
        guard factor > 1 else { return x }
        let layout = x.layout
        x = try emit(.upsample(factor: factor), [x], node)
        x.layout = layout
        return x
    }

    private func transposed(_ node: ONNXNode) throws -> Value {
        guard var value = values[node.inputs[0]] else { throw refuse("Transpose '\(node.name)' reads a constant") }
        switch (node.integers("perm"), value.layout) {
        case ([0, 3, 1, 2]?, .nhwc): value.layout = .nchw
        case ([0, 2, 3, 1]?, .nchw): value.layout = .nhwc
        default: throw refuse("Transpose '\(node.name)' is not between NHWC and NCHW")
        }
        return value
    }

    /// Reshapes are accepted where they only move a `[N, C, 1, 1]` vector's channels between the
    /// two layouts' channel axes.
    private func reshaped(_ node: ONNXNode) throws -> Value {
        guard var value = values[node.inputs[0]], node.inputs.count == 2, let target = constant(node.inputs[1])?.integers,
              value.shape.count == 4, value.shape[2] == 1, value.shape[3] == 1 else {
            throw refuse("Reshape '\(node.name)' does not reshape a channel vector")
        }
        let (batch, channels) = (value.shape[0], value.shape[1])
        if target == [batch, channels, 1, 1] {
            value.layout = .nchw
        } else if target == [batch, 1, 1, channels] {
            value.layout = .nhwc
        } else {
            throw refuse("Reshape '\(node.name)' turns a \(channels)-channel vector into \(target)")
        }
        return value
    }

    // MARK: helpers

    private mutating func emit(_ operation: TensorProgram.Operation, _ arguments: [Value], _ node: ONNXNode) throws -> Value {
        guard operation.isValid else { throw refuse("node '\(node.name)' has impossible settings (\(operation))") }
        guard let shape = operation.resultShape(arguments.map(\.shape), constants: constants.map(\.shape)) else {
            throw refuse("node '\(node.name)' (\(node.operation)) does not fit the shapes \(arguments.map(\.shape)) it reads")
        }
        steps.append(TensorProgram.Step(operation, arguments.map(\.number)))
        return Value(number: inputCount + steps.count - 1, shape: shape, layout: arguments.first?.layout ?? .nchw)
    }

    /// A float value the graph computes (not a constant, not an integer one).
    private func float(_ node: ONNXNode, _ index: Int) throws -> Value {
        guard node.inputs.count > index, let value = values[node.inputs[index]] else {
            throw refuse("node '\(node.name)' (\(node.operation)) reads a constant where it expects a computed value")
        }
        guard value.quantization == nil else {
            throw refuse("node '\(node.name)' (\(node.operation)) reads quantised integers without dequantising them")
        }
        return value
    }

    /// A computed float value, or a one-element float constant as a step.
    private mutating func operand(_ node: ONNXNode, _ index: Int) throws -> Value {
        let name = node.inputs[index]
        guard let tensor = constant(name) else { return try float(node, index) }
        guard tensor.elementType == .float, tensor.values.count == 1, tensor.shape.count <= 4 else {
            throw refuse("\(node.operation) '\(node.name)' reads a constant that is not one float number")
        }
        if let number = constantValues[name] {
            return Value(number: number, shape: Array(repeating: 1, count: tensor.shape.count), layout: .nchw)
        }
        let value = try emit(.constant(constantNumber(name, tensor)), [], node)
        constantValues[name] = value.number
        return value
    }

    /// A constant of the graph: an initializer, or a weight this lowering has dequantised.
    private func constant(_ name: String) -> ONNXTensor? { folded[name] ?? model.constants[name] }

    private mutating func constantNumber(_ name: String, _ tensor: ONNXTensor) -> Int {
        if let number = constantNumbers[name] { return number }
        constants.append(NamedArray(shape: tensor.shape, values: tensor.values))
        constantNumbers[name] = constants.count - 1
        return constants.count - 1
    }

    /// The scalar scale and zero point of a QuantizeLinear or DequantizeLinear of activations.
    private func quantization(_ node: ONNXNode) throws -> Quantization {
        guard node.inputs.count == 3, let scale = constant(node.inputs[1]), scale.values.count == 1,
              scale.elementType == .float, let zero = constant(node.inputs[2]), zero.values.count == 1,
              zero.elementType == .int8 || zero.elementType == .uint8,
              scale.values[0] > 0, scale.values[0].isFinite else {
            throw refuse("node '\(node.name)' (\(node.operation)) does not quantise with one positive scale and an int8 "
                         + "or uint8 zero point")
        }
        try expectAttributes(node, ["axis"])
        return Quantization(scale: scale.values[0], zeroPoint: Int(zero.values[0]),
                            range: zero.elementType == .int8 ? -128...127 : 0...255)
    }

    /// `(q − zero point) · scale` of a constant, per tensor or per slice along `axis`.
    private func dequantized(_ integers: ONNXTensor, _ node: ONNXNode) throws -> ONNXTensor {
        guard integers.elementType != .float, node.inputs.count >= 2, let scale = constant(node.inputs[1]),
              scale.elementType == .float else {
            throw refuse("node '\(node.name)' dequantises a constant that is not integers with float scales")
        }
        try expectAttributes(node, ["axis"])
        let zero = node.inputs.count > 2 && !node.inputs[2].isEmpty ? constant(node.inputs[2]) : nil
        let rank = integers.shape.count
        var axis = node.integer("axis") ?? 1
        if axis < 0 { axis += rank }
        let perSlice = scale.values.count > 1
        guard !perSlice || ((0..<rank).contains(axis) && scale.shape == [integers.shape[axis]]),
              zero.map({ $0.values.count == scale.values.count && $0.elementType == integers.elementType }) ?? true else {
            throw refuse("node '\(node.name)' dequantises with scales that do not match its tensor")
        }
        let inner = perSlice ? integers.shape[(axis + 1)...].reduce(1, *) : 1
        var result = integers
        result.elementType = .float
        result.values = integers.values.enumerated().map { index, q in
            let slice = perSlice ? (index / inner) % scale.values.count : 0
            return Float(Int(q) - Int(zero?.values[slice] ?? 0)) * scale.values[slice]
        }
        return result
    }

    private func expectAttributes(_ node: ONNXNode, _ known: Set<String>) throws {
        if let unknown = node.attributes.keys.sorted().first(where: { !known.contains($0) }) {
            throw refuse("\(node.operation) '\(node.name)' has an attribute '\(unknown)' this importer does not translate")
        }
    }
}
