import ArgumentParser
import NeuralStyle

/// Where a command computes.
enum DeviceChoice: String, ExpressibleByArgument, CaseIterable {
    /// The best device present (today: the CPU).
    case auto
    /// The CPU (oneDNN).
    case cpu
}

/// `--device`, shared by every command that computes.
struct DeviceOption: ParsableArguments {
    @Option(help: "Where to compute: auto (the best device present; today the CPU) or cpu.")
    var device = DeviceChoice.auto

    /// Installs the chosen device's backend.
    func install(gradientPrecision: GradientPrecision = .bfloat16, winograd: WinogradUse = .whereFaster) {
        switch device {
        case .auto, .cpu: prepareComputeBackend(gradientPrecision: gradientPrecision, winograd: winograd)
        }
    }
}
