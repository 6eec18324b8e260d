import Foundation
import Imaging
import NeuralStyle

/// What a training run writes besides the model: the log, progress lines, previews and their
/// GIF, the loss plot and checkpoints.
final class TrainingOutputs {
    private let command: TrainCommand
    private let log: LogFile?
    private let reporter: ProgressReporter
    private let previewImage: Image?
    private let gif: AnimatedGIF?
    private var records: [IterationRecord]?

    init(command: TrainCommand, totalSteps: Int, previewImage: Image?, resuming: Bool) throws {
        self.command = command
        log = try command.log.map { try LogFile(path: $0, appending: resuming) }
        reporter = ProgressReporter(levels: [.init(size: command.imageSize, iterations: totalSteps)],
                                    printEvery: command.printEvery)
        self.previewImage = previewImage
        gif = previewImage.flatMap { image in command.progressGif.map { _ in
            AnimatedGIF(width: image.width, height: image.height, frameDelay: 0.3)
        } }
        // A resumed run's plot starts from the log it appends to.
        records = command.lossPlot.map { _ in
            guard resuming, let log = command.log, let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(IterationRecord.self, from: Data($0.utf8)) }
        }
    }

    /// After each step: log, progress, preview, checkpoint when due; a failed write throws.
    func stepped(_ record: IterationRecord, trainer: any ResumableTrainer) throws {
        try log?.append(record.jsonLine())
        records?.append(record)
        reporter.report(record)
        if command.previewEvery > 0, trainer.step % command.previewEvery == 0 { try writePreview(trainer) }
        if command.checkpointEvery > 0, trainer.step % command.checkpointEvery == 0 { try saveCheckpoint(trainer) }
    }

    /// At the end or on a signal: the last checkpoint, preview, GIF and plot.
    func finish(trainer: any ResumableTrainer, completed: Bool) throws {
        reporter.finish()
        try saveCheckpoint(trainer)
        if completed, command.previewEvery <= 0 || trainer.step % command.previewEvery != 0 { try writePreview(trainer) }
        if let gif, let path = command.progressGif, gif.frameCount > 0 { try gif.write(to: path) }
        if let path = command.lossPlot, let records {
            try LossPlot(records: records, title: "neural-style training losses").write(to: path)
        }
    }

    private func saveCheckpoint(_ trainer: any ResumableTrainer) throws {
        guard let path = command.checkpoint else { return }
        try trainer.checkpoint().write(to: path)
    }

    private func writePreview(_ trainer: any ResumableTrainer) throws {
        guard let previewImage else { return }
        guard let picture = try? trainer.stylize(previewImage) else { return }
        gif?.append(picture)
        let url = URL(fileURLWithPath: command.output)
        let name = url.deletingPathExtension().lastPathComponent + String(format: "-preview-%06d.png", trainer.step)
        try ImageFile.write(picture, to: url.deletingLastPathComponent().appendingPathComponent(name).path)
    }
}
