import Foundation

/// Where a Gatys job is: its latest evaluation's losses and the time left.
public struct JobProgress: Codable, Equatable, Sendable {
    public var iteration: Int
    public var iterations: Int
    public var total: Double, content: Double, style: Double, tv: Double
    /// Seconds left at the pace so far.
    public var etaSeconds: Double
}

/// A job as clients see it (`GET /api/jobs/{id}`, and in events).
public struct JobView: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case queued, running, succeeded, failed, cancelled }

    public var id: String
    public var method: String
    public var status: Status
    /// Place in the queue while queued (1: next to start).
    public var position: Int?
    public var created: Double
    public var started: Double?
    public var finished: Double?
    public var progress: JobProgress?
    /// Gatys: `[iteration, total loss]` of every evaluation so far.
    public var losses: [[Double]]
    /// Gatys: the iteration of the latest preview picture.
    public var previewIteration: Int?
    public var error: String?
    /// The result's URL once the job succeeded.
    public var result: String?
    public var width: Int?, height: Int?

    /// Whether the job has ended (succeeded, failed or cancelled).
    public var isFinished: Bool { [.succeeded, .failed, .cancelled].contains(status) }
}

/// Something that happened to a job, as a server-sent event.
enum JobEvent: Sendable {
    /// The job changed state (or a client just subscribed).
    case job(JobView)
    case progress(JobProgress)
    /// A new preview picture, at this iteration.
    case preview(Int)
    /// The job ended; the stream closes after this.
    case end(JobView)

    /// The event in the text/event-stream format.
    func serverSentEvent(jobID: String) -> String {
        let (name, data): (String, Data?)
        switch self {
        case let .job(view): (name, data) = ("job", try? JSON.encoder.encode(view))
        case let .progress(progress): (name, data) = ("progress", try? JSON.encoder.encode(progress))
        case let .preview(iteration):
            (name, data) = ("preview", try? JSON.encoder.encode(
                PreviewEvent(iteration: iteration, url: "/api/jobs/\(jobID)/preview?iteration=\(iteration)")))
        case let .end(view): (name, data) = ("end", try? JSON.encoder.encode(view))
        }
        return "event: \(name)\ndata: \(String(decoding: data ?? Data("{}".utf8), as: UTF8.self))\n\n"
    }

    private struct PreviewEvent: Encodable { let iteration: Int, url: String }
}
