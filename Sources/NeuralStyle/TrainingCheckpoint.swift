import Foundation
import Imaging
import Models
import Tensor

/// A training run's whole state between two steps: the network, Adam's moments, the step
/// count and what the run was (its fingerprint). A safetensors file (tensors `network.NAME`,
/// `adam.m.NAME`, `adam.v.NAME`; the rest in the header), written atomically.
public struct TrainingCheckpoint {
    /// The value of the `format` key that marks these files.
    static let format = "neural-style training checkpoint 1"
    /// Steps completed.
    public var step: Int
    /// Seconds of training before this point (so that `elapsed` keeps counting across resumes).
    public var elapsed: Double
    /// Describes the settings and inputs; a resume must present the same.
    public var fingerprint: String
    /// The network's parameters, and Adam's two moments per parameter, by parameter name.
    public var network: [String: NamedArray], m: [String: NamedArray], v: [String: NamedArray]

    /// Writes the checkpoint to `path`, replacing an earlier one only once complete.
    public func write(to path: String) throws {
        var arrays: [String: NamedArray] = [:]
        for (prefix, part) in [("network.", network), ("adam.m.", m), ("adam.v.", v)] {
            for (name, array) in part { arrays[prefix + name] = array }
        }
        let metadata = ["format": TrainingCheckpoint.format, "step": String(step), "elapsed": String(elapsed),
                        "fingerprint": fingerprint]
        try AtomicFile.write(try SafeTensors.encode(arrays, metadata: metadata), to: path)
    }

    /// Collects a checkpoint.
    public init(step: Int, elapsed: Double, fingerprint: String, network: [String: NamedArray],
                m: [String: NamedArray], v: [String: NamedArray]) {
        (self.step, self.elapsed, self.fingerprint, self.network, self.m, self.v) = (step, elapsed, fingerprint, network, m, v)
    }

    /// Reads a checkpoint written by `write(to:)`.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StyleTransferError.badCheckpoint("cannot read \(path)")
        }
        try self.init(bytes: data, source: path)
    }

    /// Reads a checkpoint's bytes as ``init(contentsOf:)`` reads the file; errors name `source`.
    public init(bytes data: Data, source path: String) throws {
        let decoded: (tensors: [String: NamedArray], metadata: [String: String])
        do { decoded = try SafeTensors.decode(data) } catch {
            throw StyleTransferError.badCheckpoint("\(path) is damaged (\(error))")
        }
        let metadata = decoded.metadata
        guard metadata["format"] == TrainingCheckpoint.format, let step = metadata["step"].flatMap(Int.init), step >= 0,
              let elapsed = metadata["elapsed"].flatMap(Double.init), let fingerprint = metadata["fingerprint"] else {
            throw StyleTransferError.badCheckpoint("\(path) is not a neural-style training checkpoint")
        }
        func part(_ prefix: String) -> [String: NamedArray] {
            Dictionary(uniqueKeysWithValues: decoded.tensors.filter { $0.key.hasPrefix(prefix) }
                .map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        self.init(step: step, elapsed: elapsed, fingerprint: fingerprint, network: part("network."),
                  m: part("adam.m."), v: part("adam.v."))
    }
}

extension TrainingCheckpoint {
    /// The state of `network` and its `optimizer` after `step` steps.
    init(capturing network: Module, optimizer: ParameterAdam, step: Int, elapsed: Double, fingerprint: String) {
        let names = network.namedParameters().map(\.name)
        func arrays(_ tensors: [Tensor]) -> [String: NamedArray] {
            Dictionary(uniqueKeysWithValues: zip(names, tensors).map { ($0, NamedArray(shape: $1.shape, values: $1.toArray())) })
        }
        self.init(step: step, elapsed: elapsed, fingerprint: fingerprint, network: arrays(network.parameters()),
                  m: arrays(optimizer.moments.map(\.m)), v: arrays(optimizer.moments.map(\.v)))
    }

    /// Puts the saved parameters into `network` and the moments into `optimizer`, after checking
    /// that the checkpoint belongs to a run described by `fingerprint`.
    func restore(into network: Module, optimizer: ParameterAdam, fingerprint: String) throws {
        guard self.fingerprint == fingerprint else {
            throw StyleTransferError.badCheckpoint("it belongs to a run with other settings or pictures: "
                + RunFingerprint.differences(saved: self.fingerprint, current: fingerprint).joined(separator: "; "))
        }
        let parameters = network.namedParameters()
        func tensors(_ part: [String: NamedArray]) throws -> [Tensor] {
            try parameters.map { name, parameter in
                guard let array = part[name], array.shape == parameter.shape else {
                    throw StyleTransferError.badCheckpoint("it lacks a fitting '\(name)'")
                }
                return Tensor(shape: array.shape, values: array.values)
            }
        }
        let values = try tensors(self.network)
        try optimizer.restore(step: step, moments: Array(zip(try tensors(m), try tensors(v))))
        for ((_, parameter), value) in zip(parameters, values) { parameter.assign(value) }
    }
}
