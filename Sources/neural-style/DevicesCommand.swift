import ArgumentParser
import Foundation
import NeuralStyle

/// `neural-style devices`: what `--device` can name on this machine, and whether a GPU computes
/// what the CPU computes.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the devices this machine can compute on (the CPU, NVIDIA GPUs) or say why CUDA cannot be used.")

    @Flag(help: """
        Also run every CUDA kernel and every kind of op (values and gradients) on the GPU and on the CPU \
        from the same inputs, one line each; exit 1 if any differs beyond its tolerance.
        """)
    var check = false

    @Option(help: ArgumentHelp("The GPU to check.", valueName: "N"))
    var gpu = 0

    func run() throws {
        describeComputeDevices().forEach { print($0) }
        guard check else { return }
        try reportingErrors {
            let (lines, passed) = try CUDACheck.run(ordinal: gpu)
            lines.forEach { print($0) }
            print(passed ? "PASS: cuda:\(gpu) computes what the CPU computes" : "FAIL: see the lines above")
            if !passed { throw ExitCode.failure }
        }
    }
}
