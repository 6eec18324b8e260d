import Foundation
import Hummingbird
import Imaging
import NIOCore
import ServiceLifecycle

/// `neural-style serve`: the page, its JSON API and the job queue, in one Hummingbird application.
public enum WebApp {
    /// The application for `configuration`, ready to `runService()` (or to test); `listening`
    /// learns the port once the server listens.
    public static func make(_ configuration: ServerConfiguration,
                            listening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        ImageFile.maximumPixels = configuration.maxPixels
        let catalog = ModelCatalog(directories: configuration.modelDirectories)
        let uploads = try UploadStore(directory: configuration.workDirectory.appendingPathComponent("uploads"))
        let jobs = try JobQueue(configuration: configuration)
        let thumbnails = try Thumbnails(configuration: configuration)
        let router = Router()
        router.add(middleware: JSONErrors())
        if let token = configuration.token { router.add(middleware: TokenCheck(token: token)) }
        APIRoutes(configuration: configuration, catalog: catalog, uploads: uploads, jobs: jobs, thumbnails: thumbnails)
            .add(to: router)
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "neural-style"),
                           services: [Housekeeping(jobs: jobs, uploads: uploads, keepSeconds: configuration.keepSeconds)],
                           onServerRunning: { await listening($0.localAddress?.port ?? configuration.port) })
    }
}

/// Every error leaves as JSON with one line of text, whatever threw it (the router's own 404s too).
struct JSONErrors<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? (error.status == .notFound
                ? "nothing at \(request.uri.path)" : error.status.reasonPhrase))
        } catch {
            throw APIError(.internalServerError, "\(error)")
        }
    }
}

/// Refuses API requests without the server's token (header `Authorization: Bearer T` or `?token=T`).
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        let header = request.headers[.authorization]
        guard header == "Bearer \(token)" || request.uri.queryParameters.get("token") == token else {
            throw APIError(.unauthorized, "this server needs its token: Authorization: Bearer … or ?token=…")
        }
        return try await next(request, context)
    }
}

/// Deletes old jobs and uploads every minute, and stops the running jobs when the server stops.
struct Housekeeping: Service {
    let jobs: JobQueue
    let uploads: UploadStore
    let keepSeconds: Double

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(nanoseconds: 60_000_000_000) }
            let before = Date().addingTimeInterval(-keepSeconds)
            await jobs.removeFinished(before: before)
            await uploads.removeUploads(olderThan: before, except: await jobs.uploadsInUse())
        }
        await jobs.stopAll()
    }
}
