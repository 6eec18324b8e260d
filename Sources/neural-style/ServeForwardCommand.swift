import ArgumentParser
import Foundation

/// `neural-style serve`: hands over to `neural-style-server`, the web app, built as its own
/// executable (so that the CLI builds without a web server) and installed beside this one.
struct ServeForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "A web page for painting photos (runs neural-style-server, built by 'make serve').",
        discussion: """
            Every argument goes to neural-style-server: --host, --port, --token, --work-directory, --models, \
            --max-upload-bytes, --max-pixels, --keep-minutes, --jobs, --tool ('neural-style serve --help' \
            shows the server's own help once it is built).
            """)

    @Argument(parsing: .captureForPassthrough, help: "Options for neural-style-server.")
    var arguments: [String] = []

    func run() throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let server = here.appendingPathComponent("neural-style-server").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw ValidationError("the web app is built separately: run 'make serve' "
                                  + "(or swift build -c release --product neural-style-server)")
        }
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        throw ValidationError("cannot start \(server): \(String(cString: strerror(errno)))")
    }
}
