import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor

/// Why a test that needs the real weights cannot run.
struct MissingWeights: Error, CustomStringConvertible {
    let description: String
}

/// The converted VGG-19 from the cache (`make test` fetches it).
func cachedVGG19(pooling: PoolingKind = .max) throws -> VGG {
    prepareComputeBackend()
    let url = VGGWeights.defaultURL(for: .vgg19)
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw MissingWeights(description: "VGG-19 weights missing at \(url.path): run 'make weights' (make test does)")
    }
    return try VGG(contentsOf: url, expecting: .vgg19, pooling: pooling)
}

/// A smooth synthetic picture with structure at several scales.
func syntheticImage(width: Int, height: Int, phase: Double) -> Image {
    var samples: [Float] = []
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<3 {
                samples.append(Float(127.5 + 120 * sin(Double(x) * 0.4 + Double(y) * 0.23 * Double(c + 1) + phase)))
            }
        }
    }
    return Image(width: width, height: height, samples: samples)
}

/// The synthetic content and style the end-to-end tests paint with.
let testContent = syntheticImage(width: 32, height: 24, phase: 0)
let testStyle = syntheticImage(width: 24, height: 32, phase: 2)

/// Options for a quick run at 32 px, adjusted by `change`.
func smallRunOptions(iterations: Int, _ change: (inout GatysOptions) -> Void) -> GatysOptions {
    var options = GatysOptions()
    options.size = 32
    options.iterations = iterations
    change(&options)
    return options
}
