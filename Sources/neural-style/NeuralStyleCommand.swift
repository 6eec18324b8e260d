import ArgumentParser
import Foundation

/// `neural-style`: style transfer from the command line, one subcommand per job.
@main
struct NeuralStyleCommand: ParsableCommand {
    /// The version `--version` prints; defined here only.
    static let version = "0.2.0"

    static let configuration = CommandConfiguration(
        commandName: "neural-style",
        abstract: "Paint photographs in the style of paintings.",
        discussion: """
            Optimise one picture (transfer, the default), or train a network once (train) and paint any \
            photograph with it in one pass (stylize).
            Example: neural-style --content photo.jpg --style starry_night.jpg --output out.png
            """,
        version: version,
        subcommands: [TransferCommand.self, TrainCommand.self, StylizeCommand.self, ModelCommand.self,
                      WeightsCommand.self, DevicesCommand.self, ServeForwardCommand.self],
        defaultSubcommand: TransferCommand.self)

    /// Parses and runs like ArgumentParser's own `main`, except that a command line it cannot
    /// parse is one line on stderr and exit status 1, as every other error is (not the usage).
    static func main() {
        StopSignal.restoreQuitDefault()
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let message = self.message(for: error).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
            fputs("neural-style: error: \(message) (see --help)\n", stderr)
            Foundation.exit(1)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
