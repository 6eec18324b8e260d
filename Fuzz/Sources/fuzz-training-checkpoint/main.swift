// TrainingCheckpoint(bytes:source:): a safetensors file with the run's step, time and fingerprint.
import Foundation
import FuzzSupport
import Models
import NeuralStyle

Harness.main(seeds: { directory in
    let weight = NamedArray(shape: [2, 1, 1, 1], values: [0.5, -1])
    let checkpoint = TrainingCheckpoint(step: 12, elapsed: 3.25, fingerprint: "abc123", network: ["conv.weight": weight],
                                        m: ["conv.weight": NamedArray(shape: [2, 1, 1, 1], values: [0, 0.1])],
                                        v: ["conv.weight": NamedArray(shape: [2, 1, 1, 1], values: [0.01, 0])])
    try checkpoint.write(to: directory.appendingPathComponent("training.safetensors").path)
}) { bytes in
    let bytes = Data(bytes)
    Harness.run { _ = try TrainingCheckpoint(bytes: bytes, source: "input.safetensors") }
    return true
}
