import Foundation

/// An append-only text file of one JSON record per line (`--log`).
final class LogFile {
    private let handle: FileHandle

    /// Creates or truncates `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// Writes `line` and a newline; a failed write (disk full) loses the record, not the run.
    func append(_ line: String) {
        try? handle.write(contentsOf: Data((line + "\n").utf8))
    }

    deinit { try? handle.close() }
}
