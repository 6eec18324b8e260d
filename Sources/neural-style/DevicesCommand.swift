import ArgumentParser
import NeuralStyle

/// `neural-style devices`: what `--device` can name on this machine.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the devices this machine can compute on (the CPU, NVIDIA GPUs) or say why CUDA cannot be used.")

    func run() throws {
        describeComputeDevices().forEach { print($0) }
    }
}
