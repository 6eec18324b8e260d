@testable import TensorCPU

/// Runs `body` with `CKernels`' AVX2 element-wise loops and with the portable Swift ones (only
/// the Swift ones where the CPU has no AVX2), saying which; the setting is restored afterwards.
func forEachElementwiseKernel(_ body: (_ avx2: Bool) -> Void) {
    let saved = usesAVX2Elementwise
    defer { usesAVX2Elementwise = saved }
    for avx2 in saved ? [true, false] : [false] {
        usesAVX2Elementwise = avx2
        body(avx2)
    }
}
