import ArgumentParser
import NeuralStyle

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

/// `--device`, shared by every command that computes.
struct DeviceOption: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Where to compute: auto (the best device present; today the CPU), cpu, or cuda / cuda:N (NVIDIA GPU N; \
        `neural-style devices` lists them, or says what is missing).
        """, valueName: "auto|cpu|cuda[:N]"))
    var device = ComputeDevice.auto

    /// Installs the chosen device's backend, or throws one line naming what is missing.
    func install(gradientPrecision: GradientPrecision = .bfloat16, winograd: WinogradUse = .whereFaster) throws {
        try prepareComputeBackend(device: device, gradientPrecision: gradientPrecision, winograd: winograd)
    }
}
