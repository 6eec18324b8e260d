/// Why a picture could not be read or written; each message is one line for a person.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notAnImage(path: String)
    case corrupt(path: String, detail: String)
    case unsupportedOutputFormat(path: String)
    case missingDirectory(path: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .notAnImage(path): return "\(path) is not a PNG or JPEG image"
        case let .corrupt(path, detail): return "\(path) is damaged or truncated (\(detail))"
        case let .unsupportedOutputFormat(path):
            return "cannot tell the output format of \(path): use a .png, .jpg or .jpeg name"
        case let .missingDirectory(path): return "output directory \(path) does not exist"
        case let .unwritable(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
