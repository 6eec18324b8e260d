/// A layer or a network: a class whose stored properties are its parameters (`Tensor`s), its
/// sub-modules, and arrays of either; anything else it stores is configuration.
///
/// Parameters are found by reflection and named by their property paths joined with dots
/// (`res1.conv1.conv2d.weight`; array elements by index, `layers.3.weight`; a `Sequential`'s
/// layers by position alone, `3.weight`), so a module whose properties follow a PyTorch model's
/// attribute names has PyTorch's `state_dict` keys.
public protocol Module: AnyObject {}

/// A module whose parameters are exactly another module's, under the same names (a network
/// that adds fixed parts, such as a frozen encoder, around a trained one).
public protocol ModuleWrapper: Module {
    /// The module that holds the parameters.
    var wrapped: Module { get }
}

/// Why parameters could not be loaded into a module.
public struct ParameterLoadingError: Error, CustomStringConvertible {
    /// What is wrong, in one line.
    public let description: String
    /// Describes a mismatch between a module and the parameters offered to it.
    public init(_ description: String) { self.description = description }
}

extension Module {
    /// Every parameter with its dotted name, in declaration order.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        Self.collect(self, prefix: "", into: &result)
        return result
    }

    /// Every parameter, in declaration order.
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// The trainable parameters, in declaration order.
    public func trainableParameters() -> [Tensor] { parameters().filter(\.isTrainable) }

    /// Stops (or restarts) gradients for every parameter: a frozen network records no tape.
    public func freeze(_ frozen: Bool = true) {
        for parameter in parameters() { parameter.isTrainable = !frozen }
    }

    /// Copies `values` into the parameters of the same names. Every parameter must be given
    /// with its shape; names the module lacks are an error unless `ignoringUnknown`.
    public func load(_ values: [String: Tensor], ignoringUnknown: Bool = false) throws {
        let parameters = namedParameters()
        let known = Set(parameters.map(\.name))
        if !ignoringUnknown, let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw ParameterLoadingError("unexpected parameter '\(unknown)'")
        }
        for (name, parameter) in parameters {
            guard let value = values[name] else { throw ParameterLoadingError("parameter '\(name)' is missing") }
            guard value.shape == parameter.shape else {
                throw ParameterLoadingError("parameter '\(name)' has shape \(value.shape), expected \(parameter.shape)")
            }
            parameter.assign(value)
        }
    }

    /// The parameters by name (sharing their memory).
    public func stateDictionary() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters().map { ($0.name, $0.tensor) })
    }

    private static func collect(_ object: Any, prefix: String, into result: inout [(name: String, tensor: Tensor)]) {
        if let wrapper = object as? ModuleWrapper { return collect(wrapper.wrapped, prefix: prefix, into: &result) }
        if let sequential = object as? Sequential {
            for (index, conv) in sequential.convolutions { collect(conv, prefix: prefix + "\(index).", into: &result) }
            return
        }
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: object)
        while let current = mirror { mirrors.insert(current, at: 0); mirror = current.superclassMirror }
        for child in mirrors.flatMap(\.children) {
            guard let label = child.label else { continue }
            visit(child.value, name: prefix + label, into: &result)
        }
    }

    private static func visit(_ value: Any, name: String, into result: inout [(name: String, tensor: Tensor)]) {
        switch value {
        case let tensor as Tensor: result.append((name, tensor))
        case let module as Module: collect(module, prefix: name + ".", into: &result)
        case let list as [Any]:
            for (index, element) in list.enumerated() { visit(element, name: "\(name).\(index)", into: &result) }
        default: break
        }
    }
}

/// PyTorch's default initialisation of a layer's weights and biases: uniform in
/// `±1/sqrt(fanIn)` (Kaiming uniform with a = √5), from a seeded generator.
public func uniformInitialization(_ shape: [Int], fanIn: Int, using generator: inout SeededGenerator) -> Tensor {
    let bound = 1 / Float(fanIn).squareRoot()
    let values = (0..<shape.reduce(1, *)).map { _ in Float.random(in: -bound...bound, using: &generator) }
    return Tensor(shape: shape, values: values, requiresGrad: true)
}
