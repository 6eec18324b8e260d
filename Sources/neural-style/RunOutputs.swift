import Foundation
import Imaging
import NeuralStyle

/// Everything a run writes besides the result: the JSON log, intermediate pictures, the
/// progress GIF, the loss plot and checkpoints.
final class RunOutputs {
    private let command: TransferCommand
    private let log: LogFile?
    private let gif: AnimatedGIF?
    /// Every evaluation's losses, kept only for a loss plot.
    private var records: [IterationRecord]?
    private let reporter: ProgressReporter
    private let frameEvery: Int
    private let levelCount: Int
    /// The first write that failed (the log, an intermediate picture, a checkpoint): it stops the run.
    private(set) var failure: Error?

    /// Opens the log (appending when resuming) and prepares the GIF frames at `frameSize`.
    init(command: TransferCommand, levels: [GatysOptions.Level], frameSize: (width: Int, height: Int),
         resuming: Bool) throws {
        self.command = command
        levelCount = levels.count
        log = try command.log.map { try LogFile(path: $0, appending: resuming) }
        gif = command.progressGif.map { _ in AnimatedGIF(width: frameSize.width, height: frameSize.height, frameDelay: 0.15) }
        records = command.lossPlot.map { _ in [] }
        frameEvery = command.saveEvery > 0 ? command.saveEvery : max(command.printEvery, 1)
        reporter = ProgressReporter(levels: levels, printEvery: command.printEvery)
    }

    /// Records one objective evaluation: log line, progress, intermediate picture, GIF frame.
    func evaluated(_ record: IterationRecord, render: () -> Image) {
        do { try log?.append(record.jsonLine()) } catch { failure = failure ?? error }
        records?.append(record)
        reporter.report(record)
        let wantsPicture = command.saveEvery > 0 && record.iteration % command.saveEvery == 0
        let wantsFrame = gif != nil && (record.iteration % frameEvery == 0 || gif!.frameCount == 0)
        guard wantsPicture || wantsFrame else { return }
        let picture = render()
        if wantsPicture {
            let path = RunOutputs.intermediatePath(output: command.output, level: levelCount > 1 ? record.level : nil,
                                                   iteration: record.iteration)
            do { try ImageFile.write(picture, to: path, jpegQuality: command.jpegQuality) } catch { failure = failure ?? error }
        }
        if wantsFrame { gif!.append(picture) }
    }

    /// After each iteration: writes a checkpoint when due, at the very end (so that a finished
    /// run can be extended) or when stopping (a signal, a failed write); returns false to stop.
    func iterated(_ position: GatysStyleTransfer.Position, checkpoint: () -> Checkpoint) -> Bool {
        let stopping = StopSignal.received != nil || failure != nil
        let last = position.level == position.levels - 1 && position.iteration == position.iterations
        if let path = command.checkpoint, stopping || last
            || (command.checkpointEvery > 0 && position.iteration % command.checkpointEvery == 0) {
            do { try checkpoint().write(to: path) } catch { failure = failure ?? error }
        }
        return StopSignal.received == nil && failure == nil
    }

    /// Writes the GIF (with the final picture as its last frame) and the loss plot.
    func finish(result: Image?) throws {
        reporter.finish()
        if let gif, let path = command.progressGif {
            if let result { gif.append(result) }
            try gif.write(to: path)
        }
        if let path = command.lossPlot, let records {
            try LossPlot(records: records, title: "neural-style losses").write(to: path)
        }
    }

    /// Where `--save-every` writes the picture of `iteration` (at `level` of several): NAME_ITER.EXT
    /// or NAME_levelL_ITER.EXT beside the output.
    static func intermediatePath(output: String, level: Int?, iteration: Int) -> String {
        let url = URL(fileURLWithPath: output)
        let name = url.deletingPathExtension().lastPathComponent + (level.map { "_level\($0)" } ?? "")
            + "_\(iteration)." + url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }
}
