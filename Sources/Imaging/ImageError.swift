/// Why a picture could not be read or written; each message is one line for a person.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// The file is missing, a directory, empty or not readable.
    case unreadable(path: String, reason: String)
    /// The file is neither PNG, JPEG nor WebP.
    case notAnImage(path: String)
    /// The decoder failed part-way (truncated or damaged data).
    case corrupt(path: String, detail: String)
    /// The header declares more pixels than `ImageFile.maximumPixels`; nothing was decoded.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// A well-formed file of a kind this module does not decode, such as a 12-bit JPEG.
    case unsupported(path: String, feature: String)
    /// The output name has no extension we can encode.
    case unsupportedOutputFormat(path: String)
    /// The output's directory does not exist.
    case missingDirectory(path: String)
    /// Encoding or writing failed.
    case unwritable(path: String, reason: String)

    /// The message for the person.
    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .notAnImage(path): return "\(path) is not a PNG, JPEG or WebP image"
        case let .corrupt(path, detail): return "\(path) is damaged or truncated (\(detail))"
        case let .tooLarge(path, width, height, limit):
            let pixels = width.multipliedReportingOverflow(by: height)
            return "cannot read \(path): \(width)×\(height) is \(pixels.overflow ? "too many" : "\(pixels.partialValue)")"
                + " pixels, more than the limit of \(limit)"
        case let .unsupported(path, feature): return "cannot read \(path): \(feature) is not supported"
        case let .unsupportedOutputFormat(path):
            return "cannot tell the output format of \(path): use a .png, .jpg, .jpeg or .webp name"
        case let .missingDirectory(path): return "output directory \(path) does not exist"
        case let .unwritable(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
