/// cuBLAS (libcublas), looked up at run time: the batched matrix products of the CUDA backend
/// (Gram matrices, `matmul`), in TF32 on tensor cores by default or in plain float32.
final class CUBLAS {
    private typealias Status = Int32
    private typealias Handle = OpaquePointer

    /// How products are computed.
    enum Precision {
        /// Inputs rounded to TF32 (10-bit mantissa) on tensor cores, float32 sums: PyTorch's
        /// `allow_tf32` and about 1e-3 relative.
        case tf32
        /// Float32 throughout (`--precision fp32`).
        case float32
    }

    private let library: SharedLibrary
    private let handle: Handle
    private let setMathMode: @convention(c) (Handle, Int32) -> Status
    private let stridedBatched: @convention(c) (Handle, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>,
                                                UnsafeRawPointer, Int32, Int64, UnsafeRawPointer, Int32, Int64,
                                                UnsafePointer<Float>, UnsafeMutableRawPointer, Int32, Int64, Int32) -> Status

    /// cuBLAS's numbers for its math modes (the default one keeps float32's precision) and for a
    /// transposed operand.
    private static let defaultMath: Int32 = 0, tf32Math: Int32 = 3, transposed: Int32 = 1, notTransposed: Int32 = 0

    /// A cuBLAS handle on the current context (a `CUDADevice` made it current).
    init() throws {
        library = try SharedLibrary(CUDALibraryNames.cublas, what: "cuBLAS")
        let create: @convention(c) (UnsafeMutablePointer<Handle?>) -> Status = try library.function("cublasCreate_v2")
        setMathMode = try library.function("cublasSetMathMode")
        stridedBatched = try library.function("cublasSgemmStridedBatched")
        var handle: Handle?
        let status = create(&handle)
        guard status == 0, let handle else { throw CUDAError("cublasCreate failed: cuBLAS status \(status)") }
        self.handle = handle
    }

    /// For each of `batch` entries: row-major `c[m×n] = scale · op(a)·op(b)`, where `op(a)` is `a[m×k]` or,
    /// `transposingA`, the transpose of `a[k×m]` (likewise `b`: `[k×n]` or `[n×k]`). A stride of 0
    /// shares one matrix across the batch. Pointers are device addresses.
    func multiply(_ a: UnsafeRawPointer, strideA: Int, transposingA: Bool, _ b: UnsafeRawPointer, strideB: Int,
                  transposingB: Bool, into c: UnsafeMutableRawPointer, m: Int, n: Int, k: Int, batch: Int,
                  scale: Float = 1, precision: Precision) throws {
        try check(setMathMode(handle, precision == .tf32 ? Self.tf32Math : Self.defaultMath), "cublasSetMathMode")
        // cuBLAS is column-major: a row-major C is a column-major Cᵀ = op(b)ᵀ·op(a)ᵀ, so the
        // operands swap and each keeps its own transposition flag.
        var (alpha, beta): (Float, Float) = (scale, 0)
        try check(stridedBatched(handle, transposingB ? Self.transposed : Self.notTransposed,
                                 transposingA ? Self.transposed : Self.notTransposed, Int32(n), Int32(m), Int32(k),
                                 &alpha, b, Int32(transposingB ? k : n), Int64(strideB),
                                 a, Int32(transposingA ? m : k), Int64(strideA),
                                 &beta, c, Int32(n), Int64(m * n), Int32(batch)), "cublasSgemmStridedBatched")
    }

    private func check(_ status: Status, _ call: String) throws {
        guard status != 0 else { return }
        throw CUDAError("\(call) failed: cuBLAS status \(status)")
    }
}
