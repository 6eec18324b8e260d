import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
@testable import NeuralStyleServer
import XCTest

/// The web app's API through Hummingbird's test client: every endpoint, the refusals (bad
/// uploads, bad jobs, unknown ids, paths that try to leave the work directory, a missing token),
/// and real jobs run by the built `neural-style` on tiny pictures.
final class ServerTests: XCTestCase {
    private var work: URL!
    /// The decoders' pixel limit before the test: the app sets that process-wide global from its
    /// configuration, and the suites that run after this one must find it as it was.
    private var pixelLimit = 0

    override func setUpWithError() throws {
        pixelLimit = ImageFile.maximumPixels
        work = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        ImageFile.maximumPixels = pixelLimit
        try? FileManager.default.removeItem(at: work)
    }

    /// The repository's shipped models (a one-style TransformerNet).
    private static let shippedModels = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models")

    private func configuration(_ change: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
        // The built executable, beside the test bundle or in the folder above it.
        let bundle = Bundle(for: ServerTests.self).bundleURL
        let tool = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("neural-style") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? bundle
        var configuration = ServerConfiguration(workDirectory: work.appendingPathComponent("app"), tool: tool)
        configuration.modelDirectories = [ServerTests.shippedModels]
        configuration.maxRunningJobs = 1
        change(&configuration)
        return configuration
    }

    func testPageDocumentAndHealth() async throws {
        let work = self.work!
        try await WebApp.make(configuration()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                XCTAssertTrue(page.contains("<title>neural-style"))
                XCTAssertFalse(page.contains("http://") || page.contains("https://"), "the page fetches nothing from elsewhere")
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let document = try json(response)
                XCTAssertEqual(document["openapi"] as? String, "3.1.0")
                let paths = try XCTUnwrap(document["paths"] as? [String: Any])
                for path in ["/api/uploads", "/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/events", "/api/jobs/{id}/result",
                             "/api/models", "/api/models/{name}/styles/{index}/thumbnail"] {
                    XCTAssertNotNil(paths[path], path)
                }
            }
            try await client.execute(uri: "/api/health", method: .get) { response in
                XCTAssertEqual(try json(response)["status"] as? String, "ok")
            }
        }
    }

    func testModelsListTheShippedModel() async throws {
        let work = self.work!
        try await WebApp.make(configuration()).test(.router) { client in
            try await client.execute(uri: "/api/models", method: .get) { response in
                let models = try XCTUnwrap(try json(response)["models"] as? [[String: Any]])
                let shipped = try XCTUnwrap(models.first { $0["name"] as? String == "starry-night" })
                XCTAssertEqual(shipped["kind"] as? String, "transformer")
                XCTAssertEqual(shipped["takesStyleImage"] as? Bool, false)
                XCTAssertEqual((shipped["styles"] as? [String])?.count, 1)
                XCTAssertNil(models.first { $0["path"] != nil }, "model paths stay on the server")
            }
            try await assertError(try await client.execute(uri: "/api/models/nothing/styles/0/thumbnail", method: .get),
                                  .notFound, "unknown model")
            try await assertError(try await client.execute(uri: "/api/models/starry-night/styles/5/thumbnail", method: .get),
                                  .notFound, "style out of range")
        }
    }

    func testUploadsAreCheckedBeforeTheyAreKept() async throws {
        let work = self.work!
        let app = try WebApp.make(configuration { $0.maxUploadBytes = 4000; $0.maxPixels = 10_000 })
        // A PNG claiming 100000×100000 pixels (a decompression bomb) with nothing behind its header.
        let ihdr = Array("IHDR".utf8) + [0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8, 2, 0, 0, 0]
        let bomb = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr + bigEndian(crc32(ihdr))
            + [0, 0, 0, 0] + Array("IDAT".utf8) + bigEndian(crc32(Array("IDAT".utf8)))
            + [0, 0, 0, 0] + Array("IEND".utf8) + bigEndian(crc32(Array("IEND".utf8)))
        let uploads = work.appendingPathComponent("app/uploads")
        try await app.test(.router) { client in
            for (body, status, what) in [(ByteBuffer(), HTTPResponse.Status.badRequest, "empty"),
                                         (ByteBuffer(string: "hello, not a picture"), .unsupportedMediaType, "text"),
                                         (ByteBuffer(bytes: bomb), .unprocessableContent, "pixel bomb"),
                                         (ByteBuffer(repeating: 0x89, count: 5000), .contentTooLarge, "too many bytes"),
                                         (try png(in: work, width: 200, height: 100), .unprocessableContent, "too many pixels")] {
                try await assertError(try await client.execute(uri: "/api/uploads", method: .post, body: body), status, what)
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads.path), [], "nothing kept")
            try await client.execute(uri: "/api/uploads", method: .post, body: try png(in: work)) { response in
                XCTAssertEqual(response.status, .created)
                let upload = try json(response)
                XCTAssertEqual(upload["width"] as? Int, 24)
                XCTAssertEqual(upload["height"] as? Int, 16)
                XCTAssertTrue(RandomIdentifier.isValid(upload["id"] as? String ?? ""))
                XCTAssertNil(upload["path"], "the stored path stays on the server")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads.path).count, 1)
        }
    }

    func testBadJobsUnknownIdsAndEscapesAreRefused() async throws {
        let work = self.work!
        try await WebApp.make(configuration()).test(.router) { client in
            let photo = try await upload(client, try png(in: work))
            let refused: [([String: Any], HTTPResponse.Status, String)] = [
                (["content": photo], .badRequest, "no method"),
                (["method": "paint", "content": photo], .badRequest, "unknown method"),
                (["method": "stylize", "content": photo], .badRequest, "no model"),
                (["method": "stylize", "content": photo, "model": "nothing"], .notFound, "unknown model"),
                (["method": "stylize", "content": photo, "model": "../models/starry-night"], .notFound, "model path"),
                (["method": "stylize", "content": String(repeating: "0", count: 32), "model": "starry-night"], .notFound,
                 "unknown upload"),
                (["method": "stylize", "content": "../../etc/passwd", "model": "starry-night"], .notFound, "upload path"),
                (["method": "stylize", "content": "/etc/passwd", "model": "starry-night"], .notFound, "absolute path"),
                (["method": "stylize", "content": photo, "model": "starry-night", "styleIndex": 3], .badRequest,
                 "style index out of range"),
                (["method": "stylize", "content": photo, "model": "starry-night", "size": -1], .badRequest, "negative size"),
                (["method": "stylize", "content": photo, "model": "starry-night", "size": "big"], .badRequest, "wrong type"),
                (["method": "gatys", "content": photo], .badRequest, "gatys without a style"),
                (["method": "gatys", "content": photo, "style": photo, "iterations": 0], .badRequest, "no iterations"),
                (["method": "gatys", "content": photo, "style": photo, "size": 8192], .contentTooLarge, "never fits"),
            ]
            for (job, status, what) in refused { try assertError(try await submit(client, job), status, what) }
            try await assertError(try await client.execute(uri: "/api/jobs", method: .post, body: ByteBuffer(string: "{")),
                                  .badRequest, "not JSON")
            for uri in ["/api/jobs/\(String(repeating: "0", count: 32))", "/api/jobs/..%2F..%2Fetc%2Fpasswd",
                        "/api/jobs/%2Fetc%2Fpasswd/result", "/api/jobs/../../etc/passwd", "/../../etc/passwd",
                        "/api/jobs/%2e%2e/preview", "/api/nothing"] {
                try assertError(try await client.execute(uri: uri, method: .get), .notFound, uri)
            }
            try assertError(try await client.execute(uri: "/api/jobs/\(String(repeating: "a", count: 32))", method: .delete),
                            .notFound, "cancel an unknown job")
            let jobs = try await client.execute(uri: "/api/jobs", method: .get) { try json($0)["jobs"] as? [Any] }
            XCTAssertEqual(jobs?.count, 0)
        }
    }

    func testTokenGuardsTheAPIButNotThePage() async throws {
        try await WebApp.make(configuration { $0.token = "s3cret" }).test(.router) { client in
            try assertError(try await client.execute(uri: "/api/health", method: .get), .unauthorized, "no token")
            try assertError(try await client.execute(uri: "/api/health?token=wrong", method: .get), .unauthorized, "wrong")
            try await client.execute(uri: "/api/health?token=s3cret", method: .get) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "/api/health", method: .get, headers: [.authorization: "Bearer s3cret"]) {
                XCTAssertEqual($0.status, .ok)
            }
            try await client.execute(uri: "/", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }

    func testStylizeJobRunsToAResult() async throws {
        let work = self.work!
        try await WebApp.make(configuration()).test(.router) { client in
            let photo = try await upload(client, try png(in: work, width: 40, height: 30))
            let submitted = try await submit(client, ["method": "stylize", "content": photo, "model": "starry-night",
                                                      "size": 32])
            XCTAssertEqual(submitted.status, .accepted)
            let id = try XCTUnwrap(try json(submitted)["id"] as? String)
            try assertError(try await client.execute(uri: "/api/jobs/\(id)/preview", method: .get), .notFound, "no preview")
            let job = try await waitForJob(client, id, until: isFinished(_:))
            XCTAssertEqual(job["status"] as? String, "succeeded", "\(job)")
            XCTAssertEqual(job["width"] as? Int, 32)
            XCTAssertEqual(job["height"] as? Int, 24)
            try await client.execute(uri: "/api/jobs/\(id)/result", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "image/png")
                XCTAssertEqual(PNGSizeOf(Data(buffer: response.body)), [32, 24])
            }
            try await client.execute(uri: "/api/jobs/\(id)/events", method: .get) { response in
                let text = String(buffer: response.body)
                XCTAssertTrue(text.hasPrefix("event: job\ndata: {"), text)
                XCTAssertTrue(text.contains("event: end\ndata: {"), text)
            }
            try await client.execute(uri: "/api/jobs/\(id)", method: .delete) { XCTAssertEqual($0.status, .ok) }
            try assertError(try await client.execute(uri: "/api/jobs/\(id)", method: .get), .notFound, "deleted")
        }
    }

    func testGatysJobReportsProgressAndPreviewsAndAQueuedJobCanBeCancelled() async throws {
        let work = self.work!
        try await WebApp.make(configuration()).test(.router) { client in
            let (photo, painting) = (try await upload(client, try png(in: work)), try await upload(client, try png(in: work, width: 16, height: 16)))
            let short = try json(try await submit(client, ["method": "gatys", "content": photo, "style": painting,
                                                           "size": 24, "iterations": 4, "previewEvery": 2]))
            let queued = try json(try await submit(client, ["method": "gatys", "content": photo, "style": painting,
                                                            "size": 24, "iterations": 1000]))
            XCTAssertEqual(queued["status"] as? String, "queued", "one job at a time: the second waits")
            XCTAssertEqual(queued["position"] as? Int, 1)
            let cancelled = try await client.execute(uri: "/api/jobs/\(queued["id"] as! String)", method: .delete) {
                try json($0)
            }
            XCTAssertEqual(cancelled["status"] as? String, "cancelled")
            let job = try await waitForJob(client, short["id"] as! String, until: isFinished(_:))
            XCTAssertEqual(job["status"] as? String, "succeeded", "\(job)")
            XCTAssertGreaterThanOrEqual((job["losses"] as? [[Double]])?.count ?? 0, 4)
            XCTAssertEqual((job["progress"] as? [String: Any])?["iterations"] as? Int, 4)
            XCTAssertEqual(job["previewIteration"] as? Int, 4)
            try await client.execute(uri: "/api/jobs/\(short["id"] as! String)/preview", method: .get) {
                XCTAssertEqual($0.status, .ok)
            }
        }
    }

    func testOldJobsAndUploadsAreDeletedButNotWhatAJobStillNeeds() async throws {
        let configuration = configuration()
        let uploads = try UploadStore(directory: work.appendingPathComponent("uploads"))
        let jobs = try JobQueue(configuration: configuration)
        let (kept, dropped) = (try await uploads.add(Array(buffer: try png(in: work))),
                               try await uploads.add(Array(buffer: try png(in: work))))
        let request = JobRequest(method: "stylize", content: kept.id, model: "starry-night", size: 16)
        let plan = try await JobPlan.make(request, catalog: ModelCatalog(directories: configuration.modelDirectories),
                                          uploads: uploads)
        let id = try await jobs.submit(plan).id
        await uploads.removeUploads(olderThan: Date().addingTimeInterval(1), except: await jobs.uploadsInUse())
        _ = try await uploads.upload(kept.id, field: "content")  // the queued job still reads it
        do {
            _ = try await uploads.upload(dropped.id, field: "content")
            XCTFail("an old upload no job needs is deleted")
        } catch {}
        var job = try await jobs.view(id)
        for _ in 0..<600 where !job.isFinished {
            try await Task.sleep(nanoseconds: 100_000_000)
            job = try await jobs.view(id)
        }
        XCTAssertEqual(job.status, .succeeded, "\(job)")
        await jobs.removeFinished(before: Date().addingTimeInterval(-60))
        _ = try await jobs.view(id)  // ended just now: kept
        await jobs.removeFinished(before: Date().addingTimeInterval(1))
        do {
            _ = try await jobs.view(id)
            XCTFail("a job that ended before the cut-off is deleted")
        } catch {}
        let folders = try FileManager.default.contentsOfDirectory(atPath: configuration.workDirectory
            .appendingPathComponent("jobs").path)
        XCTAssertEqual(folders, [], "with its folder")
    }

    func testARunningJobCanBeCancelled() async throws {
        let work = self.work!
        try await WebApp.make(configuration()).test(.router) { client in
            let (photo, painting) = (try await upload(client, try png(in: work)), try await upload(client, try png(in: work)))
            let id = try json(try await submit(client, ["method": "gatys", "content": photo, "style": painting,
                                                        "size": 24, "iterations": 5000]))["id"] as! String
            let running = try await waitForJob(client, id) { ($0["losses"] as? [Any])?.isEmpty == false }
            XCTAssertEqual(running["status"] as? String, "running")
            try await client.execute(uri: "/api/jobs/\(id)", method: .delete) { XCTAssertEqual($0.status, .ok) }
            let job = try await waitForJob(client, id, until: isFinished(_:))
            XCTAssertEqual(job["status"] as? String, "cancelled")
            try assertError(try await client.execute(uri: "/api/jobs/\(id)/result", method: .get), .conflict, "no result")
        }
    }

    /// A job ends when its process does, even when Foundation hears of the exit late: here the
    /// tool leaves a child holding the socket Foundation waits on for 30 s.
    func testAJobEndsWhenItsProcessExitsThoughFoundationHearsLate() async throws {
        let work = self.work!
        let tool = work.appendingPathComponent("tool.sh")
        try "#!/bin/sh\nsleep 30 &\necho 'neural-style: the content picture cannot be read' >&2\nexit 1\n"
            .write(to: tool, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        try await WebApp.make(configuration { $0.tool = tool }).test(.router) { client in
            let (photo, painting) = (try await upload(client, try png(in: work)), try await upload(client, try png(in: work)))
            let started = Date()
            let id = try json(try await submit(client, ["method": "gatys", "content": photo, "style": painting,
                                                        "size": 24, "iterations": 5]))["id"] as! String
            let job = try await waitForJob(client, id, until: isFinished(_:))
            XCTAssertLessThan(Date().timeIntervalSince(started), 10, "ended long before Foundation says so")
            XCTAssertEqual(job["status"] as? String, "failed")
            XCTAssertEqual(job["error"] as? String, "neural-style: the content picture cannot be read")
        }
    }

    /// The job watch reads a child's exit without reaping it, so Foundation still reports the
    /// exit to its termination handler; a killed child reads as its signal. The background
    /// `sleep` keeps the socket Foundation waits on open past the exit, as a child that inherited
    /// it does: the exit is known here seconds before Foundation reports it.
    func testExitStatusIsReadWithoutReapingTheChild() async throws {
        for (script, expected) in [("sleep 2 & exit 3", Int32(3)), ("sleep 2 & kill -9 $$", SIGKILL)] {
            let reported = expectation(description: "the termination handler ran for \(script)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            process.terminationHandler = { finished in
                XCTAssertEqual(finished.terminationStatus, expected, script)
                reported.fulfill()
            }
            try process.run()
            var peeked: Int32?
            for _ in 0..<200 where peeked == nil {
                peeked = ExitStatus.peek(process.processIdentifier)
                if peeked == nil { try await Task.sleep(nanoseconds: 25_000_000) }
            }
            XCTAssertEqual(peeked, expected, script)
            await fulfillment(of: [reported], timeout: 10)
        }
    }
}

/// Width and height from a PNG's header bytes.
private func PNGSizeOf(_ data: Data) -> [Int] {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24 else { return [] }
    return [16, 20].map { at in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
}

// MARK: Helpers

/// A `width`×`height` PNG with a gradient, as bytes.
private func png(in work: URL, width: Int = 24, height: Int = 16) throws -> ByteBuffer {
    let samples = (0..<width * height * 3).map { Float($0 % 251) }
    let path = work.appendingPathComponent("picture-\(width)x\(height).png").path
    try ImageFile.write(Image(width: width, height: height, samples: samples), to: path)
    return ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
}

private func json(_ response: TestResponse) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

/// Asserts a JSON error `{"error": {"status": status, "message": …}}` with `status`.
private func assertError(_ response: TestResponse, _ status: HTTPResponse.Status, _ context: String,
                         file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(response.status, status, context, file: file, line: line)
    let error = try XCTUnwrap(try json(response)["error"] as? [String: Any], context, file: file, line: line)
    XCTAssertEqual(error["status"] as? Int, status.code, context, file: file, line: line)
    XCTAssertFalse((error["message"] as? String ?? "").isEmpty, context, file: file, line: line)
}

private func upload(_ client: some TestClientProtocol, _ body: ByteBuffer) async throws -> String {
    try await client.execute(uri: "/api/uploads", method: .post, body: body) { response in
        XCTAssertEqual(response.status, .created)
        return try XCTUnwrap(try json(response)["id"] as? String)
    }
}

private func submit(_ client: some TestClientProtocol, _ job: [String: Any]) async throws -> TestResponse {
    try await client.execute(uri: "/api/jobs", method: .post, headers: [.contentType: "application/json"],
                             body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: job)))
}

/// Polls job `id` until `done` says so (or 120 s pass); returns its last state.
private func waitForJob(_ client: some TestClientProtocol, _ id: String,
                  until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
    let deadline = Date().addingTimeInterval(120)
    while true {
        let job = try await client.execute(uri: "/api/jobs/\(id)", method: .get) { try json($0) }
        if done(job) || Date() > deadline { return job }
        try await Task.sleep(nanoseconds: 100_000_000)
    }
}

private func isFinished(_ job: [String: Any]) -> Bool {
    ["succeeded", "failed", "cancelled"].contains(job["status"] as? String ?? "")
}

/// The CRC-32 PNG chunks carry.
private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

private func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
