import Tensor

/// The text form of a `TensorProgram`, as model files store it: `inputs N`, then one step a
/// line (`conv %3 weight=4 bias=5 stride=2 pad=0,1,0,1 groups=32`, `quantize %6 scale=0.0235
/// zero=-128 range=int8`, `add %7 %2`, …; `%k` is value k, `pad` is top,bottom,left,right),
/// then `return %k`. Floats are written so that they read back exactly.
extension TensorProgram {
    /// The program as text.
    public var text: String {
        var lines = ["inputs \(inputCount)"]
        for step in steps {
            let arguments = step.arguments.map { "%\($0)" }
            lines.append(([step.operation.name] + arguments + step.operation.settings).joined(separator: " "))
        }
        lines.append("return %\(output)")
        return lines.joined(separator: "\n")
    }

    /// Reads the text form; anything else is one error naming the line.
    public init(text: String) throws {
        var lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard lines.count >= 2, lines[0].count == 2, lines[0][0] == "inputs", let inputCount = Int(lines[0][1]), inputCount >= 0,
              lines[lines.count - 1].count == 2, lines[lines.count - 1][0] == "return",
              let output = TensorProgram.value(lines[lines.count - 1][1]) else {
            throw WeightsFormatError("a stored program does not start with 'inputs N' and end with 'return %k'")
        }
        lines = Array(lines[1..<(lines.count - 1)])
        let steps = try lines.enumerated().map { number, words -> Step in
            guard let step = TensorProgram.step(words) else {
                throw WeightsFormatError("line \(number + 2) of a stored program is not a step: \(words.joined(separator: " "))")
            }
            return step
        }
        try self.init(inputCount: inputCount, steps: steps, output: output)
    }

    private static func value(_ word: String) -> Int? {
        word.hasPrefix("%") ? Int(word.dropFirst()).flatMap { $0 >= 0 ? $0 : nil } : nil
    }

    private static func step(_ words: [String]) -> Step? {
        guard let name = words.first else { return nil }
        let arguments = words.dropFirst().prefix { $0.hasPrefix("%") }.compactMap(value)
        var settings: [String: String] = [:]
        for word in words.dropFirst(1 + arguments.count) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, settings[parts[0]] == nil else { return nil }
            settings[parts[0]] = parts[1]
        }
        func integer(_ key: String) -> Int? { settings[key].flatMap { Int($0) } }
        func float(_ key: String) -> Float? { settings[key].flatMap { Float($0) } }
        func padding() -> Padding2D? {
            guard let sides = settings["pad"]?.split(separator: ",").compactMap({ Int($0) }), sides.count == 4 else { return nil }
            return Padding2D(top: sides[0], bottom: sides[1], left: sides[2], right: sides[3])
        }
        let operation: Operation?
        switch name {
        case "constant": operation = integer("index").map { .constant($0) }
        case "conv":
            let bias = settings["bias"].map { Int($0) }
            if let weight = integer("weight"), bias != .some(nil), let stride = integer("stride"), let padding = padding(),
               let groups = integer("groups") {
                operation = .convolution(weight: weight, bias: bias ?? nil, stride: stride, padding: padding, groups: groups)
            } else { operation = nil }
        case "quantize":
            let range: ClosedRange<Int>? = ["int8": -128...127, "uint8": 0...255][settings["range"] ?? ""]
            if let scale = float("scale"), let zero = integer("zero"), let range {
                operation = .fakeQuantize(scale: scale, zeroPoint: zero, range: range)
            } else { operation = nil }
        case "clamp": operation = float("low").flatMap { low in float("high").map { .clamp(low: low, high: $0) } }
        case "reflect": operation = padding().map { .reflectionPad($0) }
        case "upsample": operation = integer("factor").map { .upsample(factor: $0) }
        default:
            let plain: [String: Operation] = ["relu": .relu, "sigmoid": .sigmoid, "sqrt": .squareRoot, "reciprocal": .reciprocal,
                                              "add": .add, "subtract": .subtract, "multiply": .multiply, "mean": .spatialMean]
            operation = plain[name]
        }
        guard let operation, operation.name == name, operation.settings.count == settings.count,
              words.count == 1 + arguments.count + settings.count else { return nil }
        return Step(operation, arguments)
    }
}

extension TensorProgram.Operation {
    /// The operation's name in the text form.
    var name: String {
        switch self {
        case .constant: return "constant"
        case .convolution: return "conv"
        case .fakeQuantize: return "quantize"
        case .clamp: return "clamp"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .squareRoot: return "sqrt"
        case .reciprocal: return "reciprocal"
        case .add: return "add"
        case .subtract: return "subtract"
        case .multiply: return "multiply"
        case .spatialMean: return "mean"
        case .reflectionPad: return "reflect"
        case .upsample: return "upsample"
        }
    }

    /// Its settings as `key=value` words.
    var settings: [String] {
        func sides(_ p: Padding2D) -> String { "pad=\(p.top),\(p.bottom),\(p.left),\(p.right)" }
        switch self {
        case let .constant(index): return ["index=\(index)"]
        case let .convolution(weight, bias, stride, padding, groups):
            return ["weight=\(weight)"] + (bias.map { ["bias=\($0)"] } ?? []) + ["stride=\(stride)", sides(padding), "groups=\(groups)"]
        case let .fakeQuantize(scale, zeroPoint, range):
            return ["scale=\(scale)", "zero=\(zeroPoint)", "range=" + (range.lowerBound < 0 ? "int8" : "uint8")]
        case let .clamp(low, high): return ["low=\(low)", "high=\(high)"]
        case let .reflectionPad(padding): return [sides(padding)]
        case let .upsample(factor): return ["factor=\(factor)"]
        default: return []
        }
    }
}
