import Foundation

/// Writes files so that readers see either the old file or the whole new one.
public enum AtomicFile {
    /// Throws `missingDirectory` unless the directory that would hold `path` exists.
    public static func checkDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageError.missingDirectory(path: directory)
        }
    }

    /// Writes `data` to a temporary file beside `path`, then renames it into place.
    public static func write(_ data: Data, to path: String) throws {
        try checkDirectory(of: path)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw ImageError.unwritable(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? ImageError { throw error }
            throw ImageError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
