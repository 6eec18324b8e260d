import Foundation

/// An append-only text file of one JSON record per line (`--log`).
final class LogFile {
    private let handle: FileHandle

    /// Creates or truncates `path`, or appends to it when `appending` (a resumed run).
    init(path: String, appending: Bool = false) throws {
        if !(appending && FileManager.default.fileExists(atPath: path)) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        if appending { try handle.seekToEnd() }
    }

    /// Writes `line` and a newline; a failed write (disk full) loses the record, not the run.
    func append(_ line: String) {
        try? handle.write(contentsOf: Data((line + "\n").utf8))
    }

    deinit { try? handle.close() }
}
