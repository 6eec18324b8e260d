// Checkpoint(bytes:source:): a Gatys run's checkpoint (magic line, JSON header, float vectors).
import Foundation
import FuzzSupport
import NeuralStyle

Harness.main(seeds: { directory in
    let image = (0..<12).map { Float($0) - 6 }
    let lbfgs = OptimizerState(kind: "lbfgs", iteration: 4, scalars: ["step": 0.5],
                               vectors: ["s": [image, image], "y": [image.map { -$0 }]])
    try Checkpoint(fingerprint: "f", level: 1, width: 2, height: 2, image: image, optimizer: lbfgs,
                   best: .init(image: image.map { $0 / 2 }, loss: 3.5, iteration: 2))
        .write(to: directory.appendingPathComponent("lbfgs.checkpoint").path)
    try Checkpoint(fingerprint: "", level: 0, width: 1, height: 1, image: [1, 2, 3],
                   optimizer: OptimizerState(kind: "adam", iteration: 0))
        .write(to: directory.appendingPathComponent("adam.checkpoint").path)
}) { bytes in
    Harness.run { _ = try Checkpoint(bytes: bytes, source: "input.checkpoint") }
    return true
}
