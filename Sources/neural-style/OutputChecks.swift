import Foundation
import Imaging

/// Checks made before any work, so that a long run never fails at its end for want of a place
/// to write.
enum OutputChecks {
    /// Throws unless every path's directory exists and none of them is a directory itself.
    static func writable(_ paths: [String]) throws {
        for path in paths {
            try AtomicFile.checkDirectory(of: path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ImageError.unwritable(path: path, reason: "it is a directory")
            }
        }
    }
}
