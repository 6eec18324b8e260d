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
        log?.append(record.jsonLine())
        records?.append(record)
        reporter.report(record)
        let wantsPicture = command.saveEvery > 0 && record.iteration % command.saveEvery == 0
        let wantsFrame = gif != nil && (record.iteration % frameEvery == 0 || gif!.frameCount == 0)
        guard wantsPicture || wantsFrame else { return }
        let picture = render()
        if wantsPicture {
            try? ImageFile.write(picture, to: intermediatePath(record), jpegQuality: command.jpegQuality)
        }
        if wantsFrame { gif!.append(picture) }
    }

    /// After each iteration: writes a checkpoint when due or when a signal asked to stop;
    /// returns false to stop.
    func iterated(_ position: GatysStyleTransfer.Position, checkpoint: () -> Checkpoint) -> Bool {
        let signal = StopSignal.received
        if let path = command.checkpoint, signal != nil
            || (command.checkpointEvery > 0 && position.iteration % command.checkpointEvery == 0) {
            do {
                try checkpoint().write(to: path)
            } catch {
                fputs("neural-style: warning: checkpoint not written: \(error)\n", stderr)
            }
        }
        return signal == nil
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

    private func intermediatePath(_ record: IterationRecord) -> String {
        let url = URL(fileURLWithPath: command.output)
        let level = levelCount > 1 ? "_level\(record.level)" : ""
        let name = url.deletingPathExtension().lastPathComponent + "\(level)_\(record.iteration)." + url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }
}
