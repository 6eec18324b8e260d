import Foundation
import Hummingbird

/// The page, the OpenAPI document and every `/api` endpoint (described in `OpenAPIDocument`).
struct APIRoutes {
    let configuration: ServerConfiguration
    let catalog: ModelCatalog
    let uploads: UploadStore
    let jobs: JobQueue
    let thumbnails: Thumbnails

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: Page.html)))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/api/health") { _, _ in try JSON.response(["status": "ok"]) }
        router.get("/api/models") { _, _ in try JSON.response(ModelList(models: catalog.models, gatys: JobPlan.gatysDefaults)) }
        router.get("/api/models/:name/styles/:index/thumbnail") { _, context in
            let name = try context.parameters.require("name")
            guard let model = catalog.model(named: name) else { throw APIError(.notFound, "no model called \(name)") }
            guard let index = Int(try context.parameters.require("index")) else {
                throw APIError(.notFound, "no style \(try context.parameters.require("index"))")
            }
            return try picture(at: try await thumbnails.path(model: model, index: index))
        }
        router.post("/api/uploads") { request, _ in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: configuration.maxUploadBytes)
            } catch {
                throw APIError(.contentTooLarge, "the upload is larger than \(configuration.maxUploadBytes) bytes")
            }
            guard body.readableBytes > 0 else { throw APIError(.badRequest, "the upload is empty: send the picture's bytes") }
            return try JSON.response(try await uploads.add(Array(buffer: body)), status: .created)
        }
        router.post("/api/jobs") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            let job: JobRequest
            do {
                job = try JSONDecoder().decode(JobRequest.self, from: Data(buffer: body))
            } catch let DecodingError.keyNotFound(key, _) {
                throw APIError(.badRequest, "the job needs \(key.stringValue)")
            } catch let DecodingError.typeMismatch(_, context) {
                throw APIError(.badRequest, "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
            } catch {
                throw APIError(.badRequest, "the job is not a JSON object of the documented fields")
            }
            let plan = try await JobPlan.make(job, catalog: catalog, uploads: uploads)
            return try JSON.response(try await jobs.submit(plan), status: .accepted)
        }
        router.get("/api/jobs") { _, _ in try JSON.response(["jobs": await jobs.list()]) }
        router.get("/api/jobs/:id") { _, context in try JSON.response(try await jobs.view(try context.parameters.require("id"))) }
        router.delete("/api/jobs/:id") { _, context in
            try JSON.response(try await jobs.cancel(try context.parameters.require("id")))
        }
        router.get("/api/jobs/:id/result") { _, context in
            try picture(at: try await jobs.resultPath(try context.parameters.require("id")))
        }
        router.get("/api/jobs/:id/preview") { _, context in
            try picture(at: try await jobs.previewPath(try context.parameters.require("id")))
        }
        router.get("/api/jobs/:id/events") { _, context in
            let id = try context.parameters.require("id")
            let events = try await jobs.events(id)
            return Response(status: .ok,
                            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                                for await event in events {
                                    try await writer.write(ByteBuffer(string: event.serverSentEvent(jobID: id)))
                                }
                                try await writer.finish(nil)
                            })
        }
    }

    /// The PNG at `path` (one of our own files; never a path a client named).
    private func picture(at path: String) throws -> Response {
        guard let data = FileManager.default.contents(atPath: path) else { throw APIError(.notFound, "the picture is gone") }
        return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `GET /api/models`.
    private struct ModelList: Encodable {
        let models: [ModelEntry]
        let gatys: [String: Int]
    }
}
