import Foundation

/// Small pictures of a multi-style model's styles: the configured photo painted in each, made
/// by `neural-style stylize` the first time someone asks (once, however many ask; one process at
/// a time, so that thumbnails never crowd out jobs), then kept.
actor Thumbnails {
    private let configuration: ServerConfiguration
    private let directory: URL
    private var inProgress: [String: Task<Void, any Error>] = [:]
    /// The thumbnail made last; the next one starts when it is done.
    private var lastMade: Task<Void, any Error>?

    init(configuration: ServerConfiguration) throws {
        self.configuration = configuration
        directory = configuration.workDirectory.appendingPathComponent("thumbnails")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The thumbnail of style `index` of `model` (made now if missing).
    func path(model: ModelEntry, index: Int) async throws -> String {
        guard !model.takesStyleImage, model.styles.indices.contains(index) else {
            throw APIError(.notFound, "\(model.name) has no style \(index)")
        }
        guard let photo = configuration.thumbnailPhoto else { throw APIError(.notFound, "thumbnails are not configured") }
        let path = directory.appendingPathComponent("\(model.name)-\(index).png").path
        if FileManager.default.fileExists(atPath: path) { return path }
        if let making = inProgress[path] {
            try await making.value
            return path
        }
        let arguments = ["stylize", "--model", model.path, "--style-index", String(index), "--input", photo.path,
                         "--output", path, "--size", "96"]
        let previous = lastMade
        let making = Task { [tool = configuration.tool] in
            _ = await previous?.result
            guard try await ChildProcess.run(tool, arguments) == 0, FileManager.default.fileExists(atPath: path) else {
                throw APIError(.internalServerError, "could not paint the thumbnail of \(model.name) style \(index)")
            }
        }
        inProgress[path] = making
        lastMade = making
        defer { inProgress[path] = nil }
        try await making.value
        return path
    }
}

/// Running a program to its end without blocking a thread.
enum ChildProcess {
    /// Runs `tool` with `arguments` (output discarded) and returns its exit status.
    static func run(_ tool: URL, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }
}
