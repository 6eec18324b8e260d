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

/// Installs the CPU backend with the given gradient precision, replacing any other.
public func prepareComputeBackend(gradientPrecision: GradientPrecision) {
    Backend.current = CPUBackend(gradientPrecision: gradientPrecision)
}
