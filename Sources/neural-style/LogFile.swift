import Foundation
import Imaging

/// An append-only text file of one JSON record per line (`--log`).
final class LogFile {
    private let path: String
    private let descriptor: Int32

    /// Creates or truncates `path`, or appends to it when `appending` (a resumed run).
    init(path: String, appending: Bool = false) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC), 0o644)
        guard descriptor >= 0 else { throw ImageError.unwritable(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes `line` and a newline, whole, or throws (a full disk is an error, not a shorter log).
    func append(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw ImageError.unwritable(path: path, reason: String(cString: strerror(count < 0 ? errno : ENOSPC)))
            }
            offset += count
        }
    }

    deinit { close(descriptor) }
}
