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

    /// Throws unless `write(_:to:)` could replace `path` now: its directory exists, it is not
    /// itself a directory, its name fits the file system, and the temporary file can be created
    /// beside it (it is removed again). Run before any work, so that none is lost at the end.
    public static func checkWritable(_ path: String) throws {
        try checkDirectory(of: path)
        var isDirectory: ObjCBool = false
        if path.hasSuffix("/") || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue {
            throw ImageError.unwritable(path: path, reason: "it is a directory")
        }
        let url = URL(fileURLWithPath: path)
        let limit = nameLimit(in: url.deletingLastPathComponent().path)
        guard url.lastPathComponent.utf8.count <= limit else {
            throw ImageError.unwritable(path: path, reason: "the name is longer than the file system's \(limit) bytes")
        }
        let temporary = temporaryURL(for: url).path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw ImageError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        close(descriptor)
        unlink(temporary)
    }

    /// Writes `data` to a temporary file beside `path`, then renames it into place.
    public static func write(_ data: Data, to path: String) throws {
        try checkDirectory(of: path)
        let url = URL(fileURLWithPath: path)
        let temporary = temporaryURL(for: url).path
        func failure() -> ImageError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return ImageError.unwritable(path: path, reason: reason)
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure() }
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        // close() can report a deferred write error (NFS, quotas): it counts too.
        guard written else { close(descriptor); throw failure() }
        guard close(descriptor) == 0, rename(temporary, path) == 0 else { throw failure() }
    }

    /// The temporary file beside `url`: `.NAME.PID.partial`, NAME shortened where needed so
    /// that the whole stays within the file system's limit on names.
    static func temporaryURL(for url: URL) -> URL {
        let suffix = ".\(getpid()).partial"
        let limit = nameLimit(in: url.deletingLastPathComponent().path)
        var base = Substring(url.lastPathComponent)
        while 1 + base.utf8.count + suffix.utf8.count > limit, !base.isEmpty { base.removeLast() }
        return url.deletingLastPathComponent().appendingPathComponent("." + base + suffix)
    }

    /// The longest file name `directory`'s file system takes (NAME_MAX, 255 on Linux's).
    private static func nameLimit(in directory: String) -> Int {
        let limit = pathconf(directory, Int32(_PC_NAME_MAX))
        return limit > 0 ? limit : 255
    }
}
