import Tensor
import TensorCPU

/// Installs the CPU backend unless the program already chose one. Every algorithm entry
/// point calls this, so library users need not know about backends.
public func prepareComputeBackend() {
    if !Backend.isInstalled { Backend.current = CPUBackend() }
}
