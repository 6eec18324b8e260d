import Foundation

/// The jobs: a first-in, first-out queue whose head starts as soon as a slot is free and its
/// estimated memory fits beside the running jobs'. Each job is one `neural-style` process in its
/// own folder, so a crash or a cancel touches nothing else; its progress is read from the
/// `--log` lines and `--save-every` pictures it writes.
actor JobQueue {
    private struct Entry {
        var view: JobView
        let plan: JobPlan
        let directory: URL
        var process: Process?
        var subscribers: [UUID: AsyncStream<JobEvent>.Continuation] = [:]
        var cancelRequested = false
        var logOffset: UInt64 = 0
        /// When `watch` first saw the process exited (nil while it runs).
        var exitSeen: Date?
    }

    private let configuration: ServerConfiguration
    private var entries: [String: Entry] = [:]
    private var waiting: [String] = []
    private var memoryInUse = 0
    private var runningCount = 0

    private let jobsDirectory: URL

    init(configuration: ServerConfiguration) throws {
        self.configuration = configuration
        jobsDirectory = configuration.workDirectory.appendingPathComponent("jobs")
        try FileManager.default.createDirectory(at: jobsDirectory, withIntermediateDirectories: true)
    }

    /// Queues `plan`; refused (413) if it could never fit in memory, (503) when the queue is full.
    func submit(_ plan: JobPlan) throws -> JobView {
        guard plan.estimatedBytes <= configuration.memoryBudget else {
            throw APIError(.contentTooLarge, String(format: "this job needs about %.1f GB and the server allows %.1f GB: "
                + "choose a smaller size", Double(plan.estimatedBytes) / 1e9, Double(configuration.memoryBudget) / 1e9))
        }
        guard waiting.count < configuration.maxQueuedJobs else {
            throw APIError(.serviceUnavailable, "the queue is full (\(waiting.count) jobs): try again later")
        }
        let id = RandomIdentifier.make()
        let directory = jobsDirectory.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let view = JobView(id: id, method: plan.method, status: .queued, position: waiting.count + 1,
                           created: Date().timeIntervalSince1970, losses: [])
        entries[id] = Entry(view: view, plan: plan, directory: directory)
        waiting.append(id)
        startWhatFits()
        return entries[id]!.view
    }

    /// The job called `id`.
    func view(_ id: String) throws -> JobView { try entry(id).view }

    /// Every job, oldest first.
    func list() -> [JobView] { entries.values.map(\.view).sorted { $0.created < $1.created } }

    /// Cancels a queued or running job; deletes a finished one.
    func cancel(_ id: String) throws -> JobView {
        let current = try entry(id)
        switch current.view.status {
        case .queued:
            waiting.removeAll { $0 == id }
            end(id, status: .cancelled, error: nil)
            renumberQueue()
        case .running:
            entries[id]?.cancelRequested = true
            current.process.map(stop)
        case .succeeded, .failed, .cancelled:
            entries[id] = nil
            try? FileManager.default.removeItem(at: current.directory)
        }
        return entries[id]?.view ?? current.view
    }

    /// The events of job `id` from now on, starting with its present state.
    func events(_ id: String) throws -> AsyncStream<JobEvent> {
        let current = try entry(id)
        let (stream, continuation) = AsyncStream.makeStream(of: JobEvent.self)
        continuation.yield(.job(current.view))
        if current.view.isFinished {
            continuation.yield(.end(current.view))
            continuation.finish()
        } else {
            let token = UUID()
            entries[id]?.subscribers[token] = continuation
            continuation.onTermination = { _ in Task { await self.unsubscribe(id, token) } }
        }
        return stream
    }

    /// The result picture of job `id` (409 until it succeeded).
    func resultPath(_ id: String) throws -> String {
        let current = try entry(id)
        guard current.view.status == .succeeded else {
            throw APIError(.conflict, "job \(id) has no result: it is \(current.view.status.rawValue)")
        }
        return current.directory.appendingPathComponent("result.png").path
    }

    /// The latest preview picture of job `id` (404 if none yet).
    func previewPath(_ id: String) throws -> String {
        let current = try entry(id)
        guard let iteration = current.view.previewIteration else { throw APIError(.notFound, "job \(id) has no preview yet") }
        return current.directory.appendingPathComponent("result_\(iteration).png").path
    }

    /// Uploads that queued or running jobs still read.
    func uploadsInUse() -> Set<String> {
        Set(entries.values.filter { !$0.view.isFinished }.flatMap(\.plan.uploads))
    }

    /// Deletes the jobs (and their folders) that ended before `date`.
    func removeFinished(before date: Date) {
        for (id, job) in entries where job.view.isFinished && (job.view.finished ?? 0) < date.timeIntervalSince1970 {
            entries[id] = nil
            try? FileManager.default.removeItem(at: job.directory)
        }
    }

    /// Stops every running job (the server is shutting down).
    func stopAll() {
        for id in entries.keys where entries[id]?.view.status == .running {
            entries[id]?.cancelRequested = true
            entries[id]?.process.map(stop)
        }
    }

    /// Ends a job's process at once. SIGKILL, because the server's threads block the usual stop
    /// signals and its children inherit that mask; a cancelled job's files are discarded anyway
    /// (and the tool never leaves a half-written picture).
    private func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    // MARK: Running

    private func entry(_ id: String) throws -> Entry {
        guard RandomIdentifier.isValid(id), let entry = entries[id] else { throw APIError(.notFound, "no job \(id)") }
        return entry
    }

    private func unsubscribe(_ id: String, _ token: UUID) { entries[id]?.subscribers[token] = nil }

    private func publish(_ id: String, _ event: JobEvent) {
        guard let subscribers = entries[id]?.subscribers else { return }
        for continuation in subscribers.values { continuation.yield(event) }
    }

    /// Starts queued jobs in order while a slot is free and the head's memory fits.
    private func startWhatFits() {
        while let id = waiting.first, runningCount < configuration.maxRunningJobs,
              let plan = entries[id]?.plan,
              runningCount == 0 || memoryInUse + plan.estimatedBytes <= configuration.memoryBudget {
            waiting.removeFirst()
            start(id)
        }
        renumberQueue()
    }

    private func renumberQueue() {
        for (index, id) in waiting.enumerated() where entries[id]?.view.position != index + 1 {
            entries[id]?.view.position = index + 1
            if let view = entries[id]?.view { publish(id, .job(view)) }
        }
    }

    private func start(_ id: String) {
        guard var job = entries[id] else { return }
        let process = Process()
        process.executableURL = configuration.tool
        process.arguments = job.plan.arguments.map { $0.replacingOccurrences(of: "{DIR}", with: job.directory.path) }
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = String(max(1, ProcessInfo.processInfo.activeProcessorCount
                                                    / configuration.maxRunningJobs))
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let errors = job.directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try? FileHandle(forWritingTo: errors)
        process.terminationHandler = { finished in
            Task { await self.processEnded(id, exitCode: finished.terminationStatus) }
        }
        job.view.status = .running
        job.view.position = nil
        job.view.started = Date().timeIntervalSince1970
        do {
            try process.run()
        } catch {
            entries[id] = job
            end(id, status: .failed, error: "cannot start \(configuration.tool.lastPathComponent): \(error.localizedDescription)")
            return
        }
        job.process = process
        entries[id] = job
        runningCount += 1
        memoryInUse += job.plan.estimatedBytes
        publish(id, .job(job.view))
        Task {
            while await self.watch(id) { try? await Task.sleep(nanoseconds: 250_000_000) }
        }
    }

    /// One look at a running job: its progress (Gatys), and whether its process has exited
    /// without the termination handler saying so yet. Foundation reports an exit through a socket
    /// the child holds, which arrives late when another child inherited that socket; a job whose
    /// process is gone is ended here after `lostExitGrace`. False once the job no longer runs.
    private func watch(_ id: String) -> Bool {
        guard let job = entries[id], job.view.status == .running, let process = job.process else { return false }
        if job.plan.method == "gatys" { followProgress(id) }
        if let exitCode = ExitStatus.peek(process.processIdentifier) {
            let now = Date()
            guard let since = entries[id]?.exitSeen else {
                entries[id]?.exitSeen = now
                return true
            }
            if now.timeIntervalSince(since) >= Self.lostExitGrace {
                processEnded(id, exitCode: exitCode)
                return false
            }
        }
        return true
    }

    /// How long an exit may go unreported by Foundation before `watch` reports it.
    private static let lostExitGrace: TimeInterval = 1

    /// Reads the job's new log lines and preview pictures.
    private func followProgress(_ id: String) {
        guard var job = entries[id], job.view.status == .running else { return }
        var events: [JobEvent] = []
        let log = job.directory.appendingPathComponent("log.jsonl")
        if let handle = FileHandle(forReadingAtPath: log.path) {
            defer { try? handle.close() }
            try? handle.seek(toOffset: job.logOffset)
            let data = (try? handle.readToEnd()) ?? Data()
            if let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) {
                job.logOffset += UInt64(lastNewline - data.startIndex + 1)
                for line in data[data.startIndex...lastNewline].split(separator: UInt8(ascii: "\n")) {
                    guard let record = try? JSONDecoder().decode(LogRecord.self, from: Data(line)) else { continue }
                    let eta = record.elapsed / Double(max(record.iteration, 1))
                        * Double(max(job.plan.iterations - record.iteration, 0))
                    let progress = JobProgress(iteration: record.iteration, iterations: job.plan.iterations,
                                               total: record.total, content: record.content, style: record.style,
                                               tv: record.tv, etaSeconds: eta)
                    job.view.progress = progress
                    job.view.losses.append([Double(record.iteration), record.total])
                    events.append(.progress(progress))
                }
            }
        }
        let previews = ((try? FileManager.default.contentsOfDirectory(atPath: job.directory.path)) ?? [])
            .compactMap { name -> Int? in
                guard name.hasPrefix("result_"), name.hasSuffix(".png") else { return nil }
                return Int(name.dropFirst("result_".count).dropLast(".png".count))
            }
        if let latest = previews.max(), latest != job.view.previewIteration {
            job.view.previewIteration = latest
            events.append(.preview(latest))
        }
        entries[id] = job
        for event in events { publish(id, event) }
    }

    private func processEnded(_ id: String, exitCode: Int32) {
        guard let job = entries[id], job.view.status == .running else { return }
        runningCount -= 1
        memoryInUse -= job.plan.estimatedBytes
        if job.plan.method == "gatys" { followProgress(id) }
        let result = job.directory.appendingPathComponent("result.png").path
        if job.cancelRequested {
            end(id, status: .cancelled, error: nil)
        } else if exitCode == 0, let size = PNGSize.read(result) {
            entries[id]?.view.width = size.width
            entries[id]?.view.height = size.height
            entries[id]?.view.result = "/api/jobs/\(id)/result"
            end(id, status: .succeeded, error: nil)
        } else {
            let errors = (try? String(contentsOf: job.directory.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? ""
            let line = errors.split(separator: "\n").last.map(String.init) ?? "neural-style exited with status \(exitCode)"
            end(id, status: .failed, error: line)
        }
        startWhatFits()
    }

    private func end(_ id: String, status: JobView.Status, error: String?) {
        guard var job = entries[id] else { return }
        job.view.status = status
        job.view.error = error
        job.view.position = nil
        job.view.finished = Date().timeIntervalSince1970
        job.process = nil
        for continuation in job.subscribers.values {
            continuation.yield(.end(job.view))
            continuation.finish()
        }
        job.subscribers = [:]
        entries[id] = job
    }

    /// One line of `transfer --log`.
    private struct LogRecord: Decodable {
        let iteration: Int
        let total: Double, content: Double, style: Double, tv: Double
        let elapsed: Double
    }
}

/// A child's exit status, read without reaping it (so Foundation's own wait still finds it).
enum ExitStatus {
    /// The exit code (or the signal's number, for a killed child) if process `pid` has exited.
    static func peek(_ pid: Int32) -> Int32? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
              info._sifields._sigchld.si_pid == pid else { return nil }
        return info._sifields._sigchld.si_status
    }
}

/// Width and height from a PNG's header.
enum PNGSize {
    static func read(_ path: String) -> (width: Int, height: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 24), header.count == 24,
              header.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        let bytes = [UInt8](header)
        func integer(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (integer(16), integer(20))
    }
}
