import Foundation

/// Everything `neural-style serve` is told at start: where it listens, who may use it, where it
/// keeps its files, and the limits it puts on uploads and jobs.
public struct ServerConfiguration: Sendable {
    /// Address to bind (loopback by default; anything else needs `token`).
    public var host = "127.0.0.1"
    /// TCP port (0: any free port).
    public var port = 8080
    /// When set, every API request must carry it (`Authorization: Bearer …` or `?token=…`).
    public var token: String?
    /// The only directory the app reads and writes: uploads, job folders, thumbnails.
    public var workDirectory: URL
    /// The `neural-style` executable that runs each job.
    public var tool: URL
    /// Folders searched for model files besides the installed models (the shipped `models/`).
    public var modelDirectories: [URL] = []
    /// A small photo to paint the style thumbnails with (none: no thumbnails).
    public var thumbnailPhoto: URL?
    /// Largest upload accepted, in bytes.
    public var maxUploadBytes = 50 << 20
    /// Largest picture accepted, in pixels (checked from the header, before decoding).
    public var maxPixels = 40_000_000
    /// Finished jobs, their files and unused uploads are deleted this long after they end.
    public var keepSeconds: Double = 3600
    /// Jobs running at once, at most (each also needs its estimated memory free).
    public var maxRunningJobs = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// Memory the running jobs may take together, in bytes (default: 80% of the machine's).
    public var memoryBudget = Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.8)
    /// Jobs waiting at most; more are refused with 503.
    public var maxQueuedJobs = 1000

    /// A configuration that keeps its files in `workDirectory` and runs jobs with `tool`.
    public init(workDirectory: URL, tool: URL) {
        self.workDirectory = workDirectory
        self.tool = tool
    }
}
