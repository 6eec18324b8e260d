import Foundation

/// Reading and writing pictures as files: format by content when reading, by
/// extension when writing, and never a half-written file.
public enum ImageFile {
    /// The most pixels a picture may have to be read: 178,956,970 by default (Pillow's
    /// decompression-bomb limit, about 13,400×13,400), which as an `Image` takes 2.1 GB.
    ///
    /// Decoders compare it with the size the header declares before they allocate any pixels,
    /// so a small file claiming a huge picture fails with ``ImageError/tooLarge(path:width:height:limit:)``.
    /// Raise it to read larger pictures, lower it for untrusted input; set it before reading starts.
    nonisolated(unsafe) public static var maximumPixels = 178_956_970

    /// Reads a PNG, JPEG or WebP, whatever its name says, upright as viewers show it
    /// (EXIF orientation applied) and with any transparency composited on white.
    public static func read(_ path: String) throws -> Image {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError.unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ImageError.unreadable(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError.unreadable(path: path, reason: "permission denied")
        }
        guard !data.isEmpty else { throw ImageError.unreadable(path: path, reason: "the file is empty") }
        return try decode([UInt8](data), source: path)
    }

    /// Decodes a PNG, JPEG or WebP held in memory as ``read(_:)`` does a file, under the same
    /// ``maximumPixels`` limit; errors name `source` where they would name the file.
    public static func decode(_ bytes: [UInt8], source: String) throws -> Image {
        if PNG.matches(bytes) { return try PNG.decode(bytes, path: source) }
        if JPEG.matches(bytes) { return try JPEG.decode(bytes, path: source) }
        if WebP.matches(bytes) { return try WebP.decode(bytes, path: source) }
        throw ImageError.notAnImage(path: source)
    }

    /// Whether `path` ends in an extension this module reads and writes (.png, .jpg, .jpeg, .webp).
    public static func hasImageExtension(_ path: String) -> Bool { format(of: path) != nil }

    /// Checks that `path` could be written (known extension, existing directory) before any work.
    public static func validateOutput(_ path: String) throws {
        guard hasImageExtension(path) else { throw ImageError.unsupportedOutputFormat(path: path) }
        try AtomicFile.checkDirectory(of: path)
    }

    /// Encodes by extension (.png; .jpg/.jpeg at `jpegQuality`; .webp lossy at quality 90)
    /// and replaces `path` atomically.
    public static func write(_ image: Image, to path: String, jpegQuality: Int = 95) throws {
        guard let format = format(of: path) else { throw ImageError.unsupportedOutputFormat(path: path) }
        let bytes: [UInt8]
        switch format {
        case .png: bytes = try PNG.encode(image, path: path)
        case .jpeg: bytes = try JPEG.encode(image, quality: jpegQuality, path: path)
        case .webp: bytes = try WebP.encode(image, quality: 90, path: path)
        }
        try AtomicFile.write(Data(bytes), to: path)
    }

    /// Throws ``ImageError/tooLarge(path:width:height:limit:)`` when a header's size is past
    /// ``maximumPixels``; the decoders call it before allocating.
    static func checkPixelCount(width: Int, height: Int, path: String) throws {
        let pixels = width.multipliedReportingOverflow(by: height)
        guard !pixels.overflow, pixels.partialValue <= maximumPixels else {
            throw ImageError.tooLarge(path: path, width: width, height: height, limit: maximumPixels)
        }
    }

    private enum Format { case png, jpeg, webp }

    private static func format(of path: String) -> Format? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        case "webp": return .webp
        default: return nil
        }
    }
}
