import Tensor

/// The CUDA backend: every tensor plain (row-major, NCHW for images) in one GPU's memory;
/// convolutions on cuDNN, matrix products and Gram matrices on cuBLAS (TF32 tensor cores by
/// default, as PyTorch on Ampere and later; `.float32` keeps float32 arithmetic throughout), and
/// everything else on our own kernels (`CUDAKernelSources`). Kernels run in order on the default
/// stream; `download` waits for them. A CUDA failure mid-computation stops the program with its
/// message, as running out of host memory does. Not thread-safe: one backend drives one
/// computation at a time.
public final class CUDABackend: ComputeBackend {
    /// How convolutions and matrix products multiply.
    public enum Precision: String, CaseIterable, Sendable {
        /// TF32 inputs on tensor cores, float32 sums (about 1e-3 relative).
        case tf32
        /// Float32 throughout.
        case float32 = "fp32"
    }

    /// The GPU.
    public let device: CUDADevice
    /// How it multiplies.
    public let precision: Precision

    /// The backend on GPU `ordinal`; throws one line naming what is missing (driver, GPU, NVRTC,
    /// cuBLAS, cuDNN) before any computation.
    public init(ordinal: Int = 0, precision: Precision = .tf32) throws {
        device = try CUDADevice(ordinal: ordinal)
        self.precision = precision
        _ = try device.cublas()
        _ = try device.cudnn()
    }

    // MARK: helpers

    func tensor(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *), pool: device.pool))
    }

    func buffer(_ x: Tensor?) -> CUDADevice.Argument {
        .buffer(x.map { UnsafeMutableRawPointer($0.storage.pointer) })
    }

    func run(_ kernel: String, elements: Int = 0, blocks: Int? = nil, _ arguments: [CUDADevice.Argument]) {
        attempt { try device.launch(kernel, elements: elements, blocks: blocks, arguments) }
    }

    func attempt<T>(_ body: () throws -> T) -> T {
        do { return try body() } catch { fatalError("CUDA: \(error)") }
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    /// Stops on any layout but `.plain`, which is all this backend makes.
    static func requirePlain(_ layout: Layout) {
        precondition(layout == .plain, "the CUDA backend keeps every tensor plain, asked for \(layout)")
    }

    var tf32: Bool { precision == .tf32 }

    // MARK: memory

    /// Nine tenths of the GPU's memory.
    public var memoryBudget: Int { device.pool.budget }

    public func upload(_ values: [Float], shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: attempt { try device.upload(values) })
    }

    public func download(_ x: Tensor) -> [Float] { attempt { try device.download(x.storage) } }

    public func filled(shape: [Int], layout: Layout, value: Float) -> Tensor {
        Self.requirePlain(layout)
        let y = tensor(shape)
        run("fill", elements: y.count, [buffer(y), .float(value), .long(y.count)])
        return y
    }

    public func copy(_ x: Tensor) -> Tensor {
        let y = tensor(x.shape)
        attempt { try device.copy(x.storage, to: y.storage) }
        return y
    }

    public func assign(_ source: Tensor, to target: Tensor) {
        precondition(source.shape == target.shape, "assign \(source.shape) to \(target.shape)")
        guard source.storage !== target.storage else { return }
        attempt { try device.copy(source.storage, to: target.storage) }
        target.storage.markModified()
    }

    public func reorder(_ x: Tensor, to layout: Layout) -> Tensor {
        Self.requirePlain(layout)
        return x
    }
}
