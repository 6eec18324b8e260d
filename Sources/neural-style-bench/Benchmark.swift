import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor
import TensorCPU

/// `neural-style-bench`: timing programs for side-by-side comparisons (bench/compare-pytorch).
@main
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neural-style-bench",
        abstract: "Measure the engine; prints one JSON line per measurement.",
        subcommands: [GatysBenchmark.self, TrainBenchmark.self, StylizeBenchmark.self, StylizeBatchBenchmark.self,
                      ModelBenchmark.self, AdaINTrainBenchmark.self, ConvolutionBenchmark.self])
}

/// Seconds per Gatys iteration (VGG-19 to relu5_1, forward + backward-data, default losses,
/// L-BFGS) and peak resident memory, for one picture size.
struct GatysBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatys",
        abstract: "Time Gatys iterations at one size; the first iteration (set-up) is not counted.")

    @Option(help: "Content picture; resized to exactly --width×--height.")
    var content: String

    @Option(help: "Style picture; resized to exactly --width×--height.")
    var style: String

    @Option(help: "Width in pixels.")
    var width = 512

    @Option(help: "Height in pixels.")
    var height = 384

    @Option(help: "Iterations to run (the first is not timed).")
    var iterations = 20

    @Option(help: "VGG-19 weights (default: the cache's).")
    var weights: String?

    @Option(help: "Gradients through convolutions and Gram matrices: bfloat16 (AMX) or float32.")
    var gradientPrecision = "bfloat16"

    @Option(help: "Where our Winograd kernels run: never (as neural-style without --fast-convolutions), whereFaster or always.")
    var winograd = "never"

    func validate() throws {
        guard width > 0, height > 0, iterations >= 2 else {
            throw ValidationError("--width and --height must be positive and --iterations at least 2")
        }
    }

    func run() throws {
        guard let precision = GradientPrecision(rawValue: gradientPrecision) else {
            throw ValidationError("--gradient-precision must be bfloat16 or float32")
        }
        guard let winogradUse = CPUBackend.WinogradUse(rawValue: winograd) else {
            throw ValidationError("--winograd must be never, whereFaster or always")
        }
        Backend.current = CPUBackend(gradientPrecision: precision, winograd: winogradUse)
        let network = try VGG.load(path: weights)
        let contentImage = try ImageFile.read(content).resized(width: width, height: height)
        let styleImage = try ImageFile.read(style).resized(width: width, height: height)
        var options = GatysOptions()
        options.size = nil
        options.iterations = iterations
        var stamps: [Double] = [], losses: [Float] = []
        _ = try GatysStyleTransfer(network: network, options: options)
            .run(content: contentImage, styles: [styleImage]) { record, _ in
                stamps.append(record.elapsed)
                losses.append(record.total)
            }
        let seconds = zip(stamps.dropFirst(), stamps).map { $0 - $1 }
        guard !seconds.isEmpty else { throw ValidationError("need at least 2 iterations") }
        // The first loss (at the content picture) lets a comparison check that both sides
        // optimise the same objective from the same start.
        try printMeasurement(stepSeconds: seconds, ["gradient_precision_requested": gradientPrecision,
                                                    "winograd": winograd, "width": width,
                                                    "height": height, "evaluations": losses.count,
                                                    "first_loss": Double(losses[0]), "last_loss": Double(losses.last!)])
    }
}

/// Seconds taken by each of `passes` runs of `body` except the first (set-up, not counted).
func timedPasses(_ passes: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var seconds: [Double] = []
    for pass in 0..<passes {
        let start = Date()
        try body()
        if pass > 0 { seconds.append(Date().timeIntervalSince(start)) }
    }
    return seconds
}

/// Prints one JSON line: the median, fastest and slowest of `stepSeconds`, peak memory, the
/// gradient precision that ran (with the count of operations in each), and `fields`.
func printMeasurement(stepSeconds: [Double], _ fields: [String: Any]) throws {
    let seconds = stepSeconds.sorted()
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    var result: [String: Any] = [
        "implementation": "swift-neural-style", "iterations": seconds.count, "median_s": seconds[seconds.count / 2],
        "min_s": seconds.first!, "max_s": seconds.last!,
        "peak_rss_mib": Double(usage.ru_maxrss) / 1024,
        "peak_tensor_mib": Double(BufferPool.shared.peakBytesInUse) / 1_048_576,
        "tensor_allocated_mib": Double(BufferPool.shared.bytesAllocated) / 1_048_576,
    ]
    // The precision that ran, not the one asked for: bfloat16 gradients need AMX tiles.
    if let backend = Backend.current as? CPUBackend {
        let (bfloat16, float32) = backend.gradientOperations
        result["bfloat16_gradient_operations"] = bfloat16
        result["float32_gradient_operations"] = float32
        result["gradient_precision"] = bfloat16 == 0 && float32 == 0 ? "none"
            : float32 == 0 ? "bfloat16" : bfloat16 == 0 ? "float32" : "mixed"
    }
    result.merge(fields) { $1 }
    let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}
