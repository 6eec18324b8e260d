import Foundation
import Tensor
import TensorCPU
import TensorCUDA

/// How gradients go through convolutions and Gram matrices: `.bfloat16` (AMX tiles where the
/// CPU has them; losses keep f32-level accuracy) or `.float32` throughout.
public typealias GradientPrecision = CPUBackend.GradientPrecision

/// Installs the CPU backend unless the program already chose one. Programs call this (or set
/// `Backend.current` themselves) before running an algorithm: the caller chooses the device.
public func prepareComputeBackend() {
    if !Backend.isInstalled { Backend.current = CPUBackend() }
}

/// Where 3×3 convolutions run by Winograd's algorithm: `.whereFaster` (CPUs without AVX-512,
/// wide layers; values within about 1e-6 relative of direct convolution) or `.never`.
public typealias WinogradUse = CPUBackend.WinogradUse

/// Installs the CPU backend with the given gradient precision and use of Winograd's algorithm,
/// replacing any other.
public func prepareComputeBackend(gradientPrecision: GradientPrecision, winograd: WinogradUse = .whereFaster) {
    Backend.current = CPUBackend(gradientPrecision: gradientPrecision, winograd: winograd)
}

/// A device to compute on, as `--device` names it.
public enum ComputeDevice: Equatable, Sendable {
    /// The best device present: today the CPU (the CUDA backend is not yet checked on a GPU).
    case auto
    /// The CPU.
    case cpu
    /// NVIDIA GPU number N (`cuda:N`, 0 for plain `cuda`).
    case cuda(Int)
}

/// How the CUDA backend multiplies in convolutions and matrix products: TF32 on tensor cores
/// (PyTorch's default on such GPUs) or float32 throughout.
public typealias CUDAPrecision = CUDABackend.Precision

/// Installs the backend of `device` (the CPU's with `gradientPrecision` and `winograd`; CUDA's
/// with `cudaPrecision`), or throws one line saying why that device cannot be used here (no
/// driver, library or GPU).
public func prepareComputeBackend(device: ComputeDevice, gradientPrecision: GradientPrecision = .bfloat16,
                                  winograd: WinogradUse = .whereFaster, cudaPrecision: CUDAPrecision = .tf32) throws {
    switch device {
    case .auto, .cpu:
        prepareComputeBackend(gradientPrecision: gradientPrecision, winograd: winograd)
    case .cuda(let ordinal):
        do {
            Backend.current = try CUDABackend(ordinal: ordinal, precision: cudaPrecision)
        } catch {
            throw StyleTransferError.badOption("--device cuda:\(ordinal): \(error)")
        }
    }
}

/// Each device of this machine in one line, for `neural-style devices`: the CPU, then each
/// NVIDIA GPU with the CUDA libraries found, or why CUDA cannot be used.
public func describeComputeDevices() -> [String] {
    var lines = ["cpu: " + CPUBackend.processorDescription]
    do {
        let system = try CUDASystem.probe()
        for gpu in system.devices {
            lines.append("cuda:\(gpu.ordinal): \(gpu.name), "
                         + String(format: "%.1f GiB", Double(gpu.memoryBytes) / Double(1 << 30))
                         + ", compute capability \(gpu.computeCapability.major).\(gpu.computeCapability.minor)")
        }
        lines.append("cuda: driver CUDA \(system.driverVersion.major).\(system.driverVersion.minor); "
                     + system.libraries.joined(separator: ", "))
    } catch {
        lines.append("cuda: none (\(error))")
    }
    return lines
}
