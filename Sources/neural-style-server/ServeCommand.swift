import ArgumentParser
import Foundation
import Models
import NeuralStyleServer

/// `neural-style-server` (what `neural-style serve` starts): the web page and its API on one port.
@main
struct ServeCommand: AsyncParsableCommand {
    /// Parses and runs; a command line it cannot use is one line on stderr and exit status 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var serve = command as? ServeCommand { try await serve.run() } else { try command.run() }
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let line = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("neural-style serve: \(line)\n".utf8))
            Foundation.exit(1)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "neural-style serve",
        abstract: "A web page for painting photos: drop a photo, pick a style, watch it appear.",
        discussion: """
            Open http://HOST:PORT/ in a browser. Everything runs on this machine; nothing is fetched \
            from the internet. The JSON API the page uses is described at /openapi.json.
            """)

    @Option(help: "Address to listen on. Anything but loopback needs --token.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: ArgumentHelp("A secret every API request must carry (Authorization: Bearer TOKEN, or ?token=TOKEN; "
                               + "open the page as /?token=TOKEN).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("The only folder the app reads and writes: uploads, jobs, thumbnails (default: "
                               + "serve/ in the cache).", valueName: "dir"))
    var workDirectory: String?

    @Option(help: ArgumentHelp("Folders of model files to offer besides the installed models, comma-separated "
                               + "(default: models/ of the current folder, if there is one).", valueName: "dirs"))
    var models: String?

    @Option(help: "Largest upload accepted, in bytes.")
    var maxUploadBytes = 50 << 20

    @Option(help: "Largest picture accepted, in pixels (checked before decoding).")
    var maxPixels = 40_000_000

    @Option(help: "Minutes a finished job's files and unused uploads are kept.")
    var keepMinutes = 60.0

    @Option(help: ArgumentHelp("Jobs running at once, at most (default: one per two cores); each also needs its "
                               + "estimated memory free.", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("The neural-style executable that runs the jobs (default: the one beside this program).",
                               valueName: "file"))
    var tool: String?

    func validate() throws {
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(host)
        guard loopback || !(token ?? "").isEmpty else {
            throw ValidationError("--host \(host) opens the server to other machines: give --token too")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxUploadBytes > 0, maxPixels > 0, keepMinutes > 0 else {
            throw ValidationError("--max-upload-bytes, --max-pixels and --keep-minutes must be positive")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let toolURL = tool.map { URL(fileURLWithPath: $0) } ?? here.appendingPathComponent("neural-style")
        guard FileManager.default.isExecutableFile(atPath: toolURL.path) else {
            throw ValidationError("no neural-style executable at \(toolURL.path) (build it, or give --tool)")
        }
        let work = workDirectory.map { URL(fileURLWithPath: $0) }
            ?? VGGWeights.cacheDirectory.appendingPathComponent("serve")
        var configuration = ServerConfiguration(workDirectory: work, tool: toolURL)
        configuration.host = host
        configuration.port = port
        configuration.token = token
        configuration.maxUploadBytes = maxUploadBytes
        configuration.maxPixels = maxPixels
        configuration.keepSeconds = keepMinutes * 60
        if let jobs { configuration.maxRunningJobs = jobs }
        configuration.modelDirectories = (models?.split(separator: ",").map { URL(fileURLWithPath: String($0)) })
            ?? [URL(fileURLWithPath: "models")].filter { FileManager.default.fileExists(atPath: $0.path) }
        let photo = VGGWeights.cacheDirectory.appendingPathComponent("pictures/building.jpg")
        configuration.thumbnailPhoto = FileManager.default.fileExists(atPath: photo.path) ? photo : nil
        let (host, token) = (host, token)
        let app = try WebApp.make(configuration) { port in
            print("neural-style serve: http://\(host):\(port)/\(token.map { "?token=" + $0 } ?? "") (work directory \(work.path))")
            fflush(stdout)
        }
        try await app.runService()
    }
}
