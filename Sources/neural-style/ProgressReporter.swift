import Foundation
import NeuralStyle

/// Prints a line of losses, speed and time left every `printEvery` evaluations.
final class ProgressReporter {
    private let iterations: Int
    private let printEvery: Int

    init(iterations: Int, printEvery: Int) {
        self.iterations = iterations
        self.printEvery = printEvery
    }

    func report(_ record: IterationRecord) {
        guard printEvery > 0, record.iteration % printEvery == 0 || record.iteration == iterations else { return }
        let perIteration = record.elapsed / Double(record.iteration)
        let left = perIteration * Double(iterations - record.iteration)
        let layers = record.styleLayers.keys.sorted().map { "\($0) \(short(record.styleLayers[$0]!))" }
        print("Iteration \(record.iteration)/\(iterations): total \(short(record.total)), "
              + "content \(short(record.content)), style \(short(record.style)) [\(layers.joined(separator: ", "))], "
              + "tv \(short(record.tv)); \(String(format: "%.2f", perIteration)) s/iteration, "
              + "\(String(format: "%.0f", left)) s left")
        fflush(stdout)
    }

    private func short(_ value: Float) -> String { String(format: "%.4g", value) }
}
