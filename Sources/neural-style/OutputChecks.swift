import Foundation
import Imaging

/// Checks made before any work, so that a long run never fails at its end for want of a place
/// to write.
enum OutputChecks {
    /// Throws unless every path could be written atomically now (see `AtomicFile.checkWritable`).
    static func writable(_ paths: [String]) throws {
        for path in paths { try AtomicFile.checkWritable(path) }
    }

    /// Throws unless `path` can be opened for appending (an existing file, or a device such as
    /// a pipe) or created.
    static func appendable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return try AtomicFile.checkWritable(path)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND)
        guard descriptor >= 0 else { throw ImageError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        close(descriptor)
    }
}
