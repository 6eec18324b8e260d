import ArgumentParser
import Foundation
import TensorCUDA

/// `neural-style-bench cuda-kernels`: the CUDA backend's own kernels run on a GPU against the
/// same arithmetic on the CPU, one line each; exit 1 if any differs beyond its tolerance.
struct CUDAKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuda-kernels",
        abstract: "Check every CUDA kernel of ours on a GPU against the CPU (needs a GPU, its driver and NVRTC).")

    @Option(help: "The GPU to use (cuda:N).")
    var ordinal = 0

    func run() throws {
        let device: CUDADevice
        do {
            device = try CUDADevice(ordinal: ordinal)
        } catch {
            fputs("neural-style-bench: error: \(error)\n", stderr)
            throw ExitCode.failure
        }
        print("cuda:\(ordinal): \(device.info.name), compute capability "
              + "\(device.info.computeCapability.major).\(device.info.computeCapability.minor)")
        let results = try CUDAKernelCheck.run(on: device)
        results.forEach { print($0) }
        let failed = results.filter { !$0.passed }.count
        print(failed == 0 ? "PASS: \(results.count) cases" : "FAIL: \(failed) of \(results.count) cases")
        if failed > 0 { throw ExitCode.failure }
    }
}
