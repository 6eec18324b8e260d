import ArgumentParser
import Foundation
import NeuralStyle

extension CUDAPrecision: ExpressibleByArgument {}

extension ComputeDevice: ExpressibleByArgument {
    /// `auto`, `cpu`, `cuda` (GPU 0) or `cuda:N`.
    public init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "cuda": self = .cuda(0)
        default:
            guard argument.hasPrefix("cuda:"), let ordinal = Int(argument.dropFirst(5)), ordinal >= 0 else { return nil }
            self = .cuda(ordinal)
        }
    }

    public static var allValueStrings: [String] { ["auto", "cpu", "cuda", "cuda:N"] }
}

/// `--device` and `--cuda-precision`, shared by every command that computes.
struct DeviceOption: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Where to compute: auto (the best device present; today the CPU), cpu, or cuda / cuda:N (NVIDIA GPU N; \
        `neural-style devices` lists them, or says what is missing). The CUDA backend has not yet been checked \
        on a GPU.
        """, valueName: "auto|cpu|cuda[:N]"))
    var device = ComputeDevice.auto

    // Not `--precision`: `train` has that for the weights it writes.
    @Option(help: "On a GPU: convolutions and matrix products in tf32 (tensor cores, about 1e-3 relative) or fp32.")
    var cudaPrecision = CUDAPrecision.tf32

    /// Installs the chosen device's backend, or throws one line naming what is missing.
    func install(gradientPrecision: GradientPrecision = .bfloat16, winograd: WinogradUse = .whereFaster) throws {
        try prepareComputeBackend(device: device, gradientPrecision: gradientPrecision, winograd: winograd,
                                  cudaPrecision: cudaPrecision)
        if case .cuda = device {
            fputs("neural-style: warning: the CUDA backend has not yet been checked on a GPU "
                  + "(neural-style devices --check does that); compare with --device cpu\n", stderr)
        }
    }
}
