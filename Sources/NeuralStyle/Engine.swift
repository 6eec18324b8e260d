import Tensor
import TensorCPU

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
