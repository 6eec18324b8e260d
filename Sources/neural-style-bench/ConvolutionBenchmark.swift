import ArgumentParser
import Foundation
import Tensor
import TensorCPU

/// Our Winograd kernels against oneDNN's on the 3×3 convolutions of VGG-19 and TransformerNet:
/// forward, input-gradient and weight-gradient (per-tap products) times, alternated, and the
/// largest differences between the two. With `--compare-tiles`, F(4×4, 3×3) and F(6×6, 3×3)
/// are timed side by side as well.
struct ConvolutionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winograd",
        abstract: "Time 3×3 convolutions on our Winograd kernels and on oneDNN's, one JSON line per shape.")

    @Option(help: "Pictures per batch.")
    var batch = 1

    @Option(help: "Picture height (VGG-19 layers run at it and its halvings).")
    var height = 354

    @Option(help: "Picture width.")
    var width = 512

    @Option(help: "Timed passes of each kernel per shape (plus one untimed).")
    var passes = 5

    @Flag(help: "Also time our kernels with 4×4 and with 6×6 output tiles (keys four_* and six_*).")
    var compareTiles = false

    func run() throws {
        var backends = [("winograd", CPUBackend(gradientPrecision: .float32, winograd: .always)),
                        ("onednn", CPUBackend(gradientPrecision: .float32, winograd: .never))]
        if compareTiles {
            backends += [CPUBackend.WinogradTiles.four, .six].map {
                ($0.rawValue, CPUBackend(gradientPrecision: .float32, winograd: .always, winogradTiles: $0))
            }
        }
        // (input channels, output channels, scale of the picture)
        let shapes = [(64, 64, 1), (128, 128, 2), (256, 256, 4), (512, 512, 8), (512, 512, 16),
                      (32, 32, 1), (64, 128, 2), (128, 256, 4), (256, 512, 8)]
        var generator = SeededGenerator(seed: 1)
        for (inputs, outputs, scale) in shapes {
            let shape = [batch, inputs, height / scale, width / scale]
            let x = (0..<shape.reduce(1, *)).map { _ in Float.random(in: 0...1, using: &generator) }
            let w = (0..<outputs * inputs * 9).map { _ in Float.random(in: -0.05...0.05, using: &generator) }
            let geometry = WindowGeometry(kernel: 3, padding: 1)
            var results: [String: [Double]] = [:]
            var outputsOf: [String: [Float]] = [:]
            // Fixed weights, as in Gatys: each kernel prepares (reorders or transforms) them once.
            let weights = backends.map { $0.1.upload(w, shape: [outputs, inputs, 3, 3]) }
            for round in 0...passes {
                for (index, (name, backend)) in backends.enumerated() {
                    let input = backend.reorder(backend.upload(x, shape: shape), to: .channelsBlocked8)
                    let weight = weights[index]
                    var start = Date()
                    let y = backend.convolution(input, weight: weight, bias: nil, geometry: geometry, applyingReLU: false)
                    let forward = Date().timeIntervalSince(start)
                    start = Date()
                    let dx = backend.convolutionBackwardData(y, reluMask: nil, weight: weight, inputShape: shape,
                                                             inputLayout: input.layout, geometry: geometry)
                    let backward = Date().timeIntervalSince(start)
                    start = Date()
                    let dw = backend.convolutionBackwardWeights(y, input: input, weightShape: [outputs, inputs, 3, 3],
                                                                withBias: false, geometry: geometry).weight
                    let weightGradient = Date().timeIntervalSince(start)
                    if round > 0 {
                        results["\(name)_forward_s", default: []].append(forward)
                        results["\(name)_backward_s", default: []].append(backward)
                        results["\(name)_weights_s", default: []].append(weightGradient)
                    } else {
                        outputsOf[name] = backend.download(backend.reorder(dx, to: .plain))
                        outputsOf[name + "_weights"] = backend.download(dw)
                    }
                }
            }
            /// The largest difference of `kernel`'s outputs from oneDNN's, relative to their largest value.
            func difference(_ kernel: String, _ suffix: String = "") -> Double {
                let (ours, reference) = (outputsOf[kernel + suffix]!, outputsOf["onednn" + suffix]!)
                return Double(zip(ours, reference).map { abs($0 - $1) }.max()! / reference.map(abs).max()!)
            }
            let (largestDifference, weightsDifference) = (difference("winograd"), difference("winograd", "_weights"))
            var line: [String: Any] = ["inputs": inputs, "outputs": outputs, "height": shape[2], "width": shape[3],
                                       "batch": batch, "largest_relative_difference": largestDifference,
                                       "weights_largest_relative_difference": weightsDifference]
            for (key, values) in results { line[key] = values.sorted()[values.count / 2] }
            line["forward_ratio"] = (line["winograd_forward_s"] as! Double) / (line["onednn_forward_s"] as! Double)
            line["backward_ratio"] = (line["winograd_backward_s"] as! Double) / (line["onednn_backward_s"] as! Double)
            line["weights_ratio"] = (line["winograd_weights_s"] as! Double) / (line["onednn_weights_s"] as! Double)
            if compareTiles {
                for pass in ["forward", "backward"] {
                    line["six_over_four_\(pass)"] = (line["six_\(pass)_s"] as! Double) / (line["four_\(pass)_s"] as! Double)
                }
                line["six_largest_relative_difference"] = difference("six")
                line["four_largest_relative_difference"] = difference("four")
            }
            let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
