import Tensor
import TensorCPU

/// How convolutions compute input gradients: `.bfloat16` (AMX tiles where the CPU has them;
/// forward values and losses stay f32) or `.float32` throughout.
public typealias GradientPrecision = CPUBackend.GradientPrecision

/// Installs the CPU backend unless the program already chose one. Every algorithm entry
/// point calls this, so library users need not know about backends.
public func prepareComputeBackend() {
    if !Backend.isInstalled { Backend.current = CPUBackend() }
}

/// Installs the CPU backend with the given gradient precision, replacing any other.
public func prepareComputeBackend(gradientPrecision: GradientPrecision) {
    Backend.current = CPUBackend(gradientPrecision: gradientPrecision)
}
