import Foundation
import Imaging

/// A picture someone uploaded, checked to decode and kept in the work directory.
public struct Upload: Encodable, Sendable {
    /// 32 lowercase hex digits; the only way requests name it.
    public let id: String
    /// Its size in pixels, upright.
    public let width: Int, height: Int
    /// Its size in bytes, as uploaded.
    public let bytes: Int
    /// Where it is kept (never shown to clients).
    let path: String
    /// When it arrived.
    let created: Date

    enum CodingKeys: String, CodingKey { case id, width, height, bytes }
}

/// The uploaded pictures: each decoded once under the pixel limit (so nothing a job later reads
/// is a decompression bomb or not a picture), stored under a random name, deleted when old.
actor UploadStore {
    private let directory: URL
    private var uploads: [String: Upload] = [:]

    /// A store keeping its files in `directory`, refusing pictures of more than
    /// `ImageFile.maximumPixels` (the decoders check the header before they allocate).
    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
    }

    /// Checks and keeps `bytes`; throws an `APIError` (415 not a picture, 422 too many pixels).
    func add(_ bytes: [UInt8]) async throws -> Upload {
        let (width, height, format) = try await Task.detached(priority: .userInitiated) {
            try UploadStore.check(bytes)
        }.value
        let id = RandomIdentifier.make()
        let path = directory.appendingPathComponent("\(id).\(format)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw APIError(.internalServerError, "cannot store the upload")
        }
        let upload = Upload(id: id, width: width, height: height, bytes: bytes.count, path: path, created: Date())
        uploads[id] = upload
        return upload
    }

    /// The upload called `id`, or a 404 naming `field`.
    func upload(_ id: String, field: String) throws -> Upload {
        guard let upload = uploads[id] else { throw APIError(.notFound, "no upload \(id) (\(field))") }
        return upload
    }

    /// Deletes the uploads older than `date` that no job in `inUse` still needs.
    func removeUploads(olderThan date: Date, except inUse: Set<String>) {
        for (id, upload) in uploads where upload.created < date && !inUse.contains(id) {
            try? FileManager.default.removeItem(atPath: upload.path)
            uploads[id] = nil
        }
    }

    /// Width, height and file extension of the picture in `bytes`, decoded under the pixel limit.
    nonisolated static func check(_ bytes: [UInt8]) throws -> (Int, Int, String) {
        let format: String
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            format = "png"
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            format = "jpg"
        } else if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            format = "webp"
        } else {
            throw APIError(.unsupportedMediaType, "the upload is not a PNG, JPEG or WebP picture")
        }
        do {
            let image = try ImageFile.decode(bytes, source: "the upload")
            return (image.width, image.height, format)
        } catch let error as ImageError {
            if case let .tooLarge(_, width, height, limit) = error {
                throw APIError(.unprocessableContent,
                               "the picture is \(width)×\(height) pixels; at most \(limit) pixels are accepted")
            }
            throw APIError(.unsupportedMediaType, error.description)
        }
    }
}

/// Random names for uploads and jobs: 32 lowercase hex digits (128 bits).
enum RandomIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Whether `text` has the form of one (anything else cannot name a file of ours).
    static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
