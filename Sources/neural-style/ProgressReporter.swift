import Foundation
import NeuralStyle

/// Shows where the run is: on a terminal one line rewritten in place (iteration, losses,
/// iterations per second, time left) plus a kept line every `printEvery` iterations;
/// elsewhere (a pipe, a log) only the kept lines.
final class ProgressReporter {
    private let levels: [GatysOptions.Level]
    private let printEvery: Int
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastDraw = Date.distantPast
    private var rate: (level: Int, start: Date, firstIteration: Int)?

    init(levels: [GatysOptions.Level], printEvery: Int) {
        self.levels = levels
        self.printEvery = printEvery
    }

    func report(_ record: IterationRecord) {
        let level = record.level - 1
        if rate?.level != level { rate = (level, Date(), record.iteration) }
        let total = levels[level].iterations
        let kept = printEvery > 0 && (record.iteration % printEvery == 0 || record.iteration == total)
        guard kept || (isTerminal && Date().timeIntervalSince(lastDraw) > 0.25) else { return }
        lastDraw = Date()
        let line = describe(record, total: total)
        if isTerminal {
            print("\r\u{1B}[K" + line, terminator: kept ? "\n" : "")
        } else {
            print(line)
        }
        fflush(stdout)
    }

    private func describe(_ record: IterationRecord, total: Int) -> String {
        let level = record.level - 1
        let done = record.iteration - (rate?.firstIteration ?? 1)
        let seconds = Date().timeIntervalSince(rate?.start ?? Date())
        let perSecond = done > 0 && seconds > 0 ? Double(done) / seconds : nil
        let levelText = levels.count > 1 ? "level \(record.level)/\(levels.count) (\(levels[level].size) px), " : ""
        let layers = record.styleLayers.keys.sorted().map { "\($0) \(short(record.styleLayers[$0]!))" }
        var text = "\(levelText)iteration \(record.iteration)/\(total): total \(short(record.total)), "
            + "content \(short(record.content)), style \(short(record.style)) [\(layers.joined(separator: ", "))], "
            + "tv \(short(record.tv))"
        if let perSecond {
            text += String(format: "; %.2f it/s, %@ left", perSecond, duration(secondsLeft(level, record.iteration, perSecond)))
        }
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// This level's remaining iterations at the current speed, later levels scaled by their pixel counts.
    private func secondsLeft(_ level: Int, _ iteration: Int, _ perSecond: Double) -> Double {
        let side = Double(levels[level].size)
        return levels.indices.dropFirst(level).reduce(0) { sum, index in
            let remaining = Double(levels[index].iterations - (index == level ? iteration : 0))
            return sum + remaining / perSecond * pow(Double(levels[index].size) / side, 2)
        }
    }

    private func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// Ends an in-place line before other output.
    func finish() {
        if isTerminal { print("\r\u{1B}[K", terminator: ""); fflush(stdout) }
    }

    private func short(_ value: Float) -> String { String(format: "%.4g", value) }
}
