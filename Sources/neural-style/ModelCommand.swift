import ArgumentParser
import Foundation
import Models
import NeuralStyle

/// `neural-style model …`: bring models in from elsewhere.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Manage feed-forward models.",
        subcommands: [Import.self])

    /// Converts a pytorch/examples checkpoint to our model file.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a pytorch/examples fast_neural_style checkpoint (.pth) to a model file.")

        @Argument(help: ArgumentHelp("The checkpoint (torch.save of a TransformerNet state_dict).", valueName: "file.pth"))
        var file: String

        @Option(help: ArgumentHelp("Where to write the model (.safetensors).", valueName: "file"))
        var output: String

        @Option(help: ArgumentHelp("The style's name to record in the model (default: the file's name).", valueName: "name"))
        var style: String?

        func run() throws {
            try reportingErrors {
                guard output.lowercased().hasSuffix(".safetensors") else {
                    throw StyleTransferError.badOption("--output must name a .safetensors file")
                }
                try OutputChecks.writable([output])
                prepareComputeBackend()
                let network = try StyleModelFile.network(from: try ModelImport.stateDictionary(file), source: file)
                var metadata = StyleModelFile.baseMetadata(channels: network.channels)
                metadata["style"] = style ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                metadata["source"] = "imported from \(URL(fileURLWithPath: file).lastPathComponent)"
                try StyleModelFile(network: network, metadata: metadata).write(to: output)
                print("Imported \(file) (TransformerNet, width \(network.channels)) into \(output)")
            }
        }
    }
}
