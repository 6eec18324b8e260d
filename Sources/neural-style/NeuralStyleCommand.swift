import ArgumentParser

/// `neural-style`: style transfer from the command line, one subcommand per job.
@main
struct NeuralStyleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neural-style",
        abstract: "Paint photographs in the style of paintings.",
        discussion: """
            Optimise one picture (transfer, the default), or train a network once (train) and paint any \
            photograph with it in one pass (stylize).
            Example: neural-style --content photo.jpg --style starry_night.jpg --output out.png
            """,
        subcommands: [TransferCommand.self, TrainCommand.self, StylizeCommand.self, ModelCommand.self,
                      WeightsCommand.self],
        defaultSubcommand: TransferCommand.self)
}
