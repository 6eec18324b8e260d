import Foundation
import Hummingbird

/// An error answered as JSON, `{"error": {"status": 404, "message": "…"}}`, with its status code.
public struct APIError: HTTPResponseError {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// One line for the user.
    public let message: String

    /// An error with `status` and `message`.
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: [String: AnyCodableValue]] = [
            "error": ["status": .int(status.code), "message": .string(message)],
        ]
        return try JSON.response(body, status: status)
    }
}

/// A string or an integer in a JSON body.
enum AnyCodableValue: Encodable {
    case int(Int)
    case string(String)

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .int(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        }
    }
}

/// JSON responses with sorted keys (stable for tests and diffs).
enum JSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// `value` as a JSON response with `status`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
