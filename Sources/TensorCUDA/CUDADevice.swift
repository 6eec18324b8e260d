import Tensor

/// One GPU ready to compute: its primary context current on this thread, the backend's kernels
/// compiled for it by NVRTC and loaded, and its memory handed out through a `BufferPool` (the
/// caching allocator: buffers are kept and reused, never given back to the driver mid-run).
public final class CUDADevice {
    /// The GPU.
    public let info: CUDADeviceInfo
    /// Its memory, for `Storage(count:pool:)`.
    public let pool: BufferPool
    let driver: CUDADriver
    private var functions: [String: OpaquePointer] = [:]

    /// Threads per block of every launch (the reductions' `REDUCTION_THREADS`).
    static let threadsPerBlock = 256
    /// Most blocks of a grid-stride launch: enough to fill any current GPU several times over.
    static let maximumBlocks = 4096

    /// Blocks for one thread per element of `elements`, at most `maximumBlocks` (the kernels loop
    /// grid-stride over the rest).
    static func blocks(for elements: Int) -> Int {
        max(1, min(maximumBlocks, (elements + threadsPerBlock - 1) / threadsPerBlock))
    }

    /// Opens GPU `ordinal`; throws one line naming what is missing (driver, GPU, NVRTC) or failed.
    public init(ordinal: Int) throws {
        let driver = try CUDADriver()
        info = try CUDASystem.device(ordinal, among: driver.devices())
        var device: CUDADriver.Device = 0
        try driver.check(driver.device(&device, Int32(ordinal)), "cuDeviceGet")
        var context: OpaquePointer?
        try driver.check(driver.retainPrimaryContext(&context, device), "cuDevicePrimaryCtxRetain")
        try driver.check(driver.setCurrentContext(context), "cuCtxSetCurrent")
        // Machine code for this GPU; PTX (compiled by the driver) only where NVRTC does not know it.
        let nvrtc = try NVRTC()
        let image: [UInt8]
        do {
            image = try nvrtc.compileBinary(CUDAKernelSources.source, name: "kernels", architecture: info.computeCapability)
        } catch {
            image = Array(try nvrtc.compile(CUDAKernelSources.source, name: "kernels",
                                            architecture: info.computeCapability).utf8) + [0]
        }
        var module: OpaquePointer?
        try image.withUnsafeBytes { try driver.check(driver.loadModule(&module, $0.baseAddress!), "cuModuleLoadData") }
        for name in CUDAKernelSources.kernelNames {
            var function: OpaquePointer?
            try driver.check(driver.moduleFunction(&function, module!, name), "cuModuleGetFunction(\(name))")
            functions[name] = function
        }
        self.driver = driver
        let gpu = "cuda:\(ordinal)"
        pool = BufferPool(budget: Int(Double(info.memoryBytes) * 0.9), memory: .init(device: { bytes in
            var address: CUDADriver.DevicePointer = 0
            let result = driver.allocate(&address, max(bytes, 256))
            guard result == 0, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(address)) else {
                fatalError("\(gpu): cannot allocate \(bytes) bytes of GPU memory (CUDA error \(result))")
            }
            return pointer
        }, free: { pointer in
            _ = driver.free(CUDADriver.DevicePointer(UInt(bitPattern: pointer)))
        }))
    }

    /// One argument of a kernel, as its parameter's C type.
    public enum Argument {
        /// A device buffer (`float *`, `double *`, …), or null.
        case buffer(UnsafeMutableRawPointer?)
        /// `float`.
        case float(Float)
        /// `int`.
        case int(Int32)
        /// `long long`.
        case long(Int)
        /// The kernels' `Layout`: up to `layoutCount` `long long`s by value, zeros after these.
        case layout([Int])
    }

    /// `long long`s in the kernels' `Layout` struct (3 · MAX_RANK + 2).
    static let layoutCount = 26

    /// Runs kernel `name` with `arguments` on `blocks` blocks of `threadsPerBlock` threads, or, by
    /// default, on enough blocks for one thread per element of `elements` (capped: the kernels
    /// loop grid-stride).
    public func launch(_ name: String, elements: Int = 0, blocks: Int? = nil, _ arguments: [Argument]) throws {
        guard let function = functions[name] else { throw CUDAError("no kernel \(name)") }
        let blocks = blocks ?? Self.blocks(for: elements)
        // cuLaunchKernel reads each argument through a pointer to a copy of it: the copies lie in
        // one buffer, 8 bytes each but a layout's.
        let sizes = arguments.map { argument -> Int in
            if case .layout = argument { return 8 * Self.layoutCount }
            return 8
        }
        let copies = UnsafeMutableRawPointer.allocate(byteCount: sizes.reduce(0, +), alignment: 8)
        defer { copies.deallocate() }
        let values = sizes.indices.map { copies + sizes[..<$0].reduce(0, +) }
        for (value, argument) in zip(values, arguments) {
            switch argument {
            case .buffer(let pointer): value.storeBytes(of: pointer, as: UnsafeMutableRawPointer?.self)
            case .float(let x): value.storeBytes(of: x, as: Float.self)
            case .int(let x): value.storeBytes(of: x, as: Int32.self)
            case .long(let x): value.storeBytes(of: Int64(x), as: Int64.self)
            case .layout(let numbers):
                precondition(numbers.count <= Self.layoutCount, "a layout of \(numbers.count) numbers")
                for index in 0..<Self.layoutCount {
                    value.storeBytes(of: Int64(index < numbers.count ? numbers[index] : 0), toByteOffset: 8 * index,
                                     as: Int64.self)
                }
            }
        }
        var parameters: [UnsafeMutableRawPointer?] = values
        try driver.check(driver.launch(function, UInt32(blocks), 1, 1, UInt32(Self.threadsPerBlock), 1, 1, 0, nil,
                                       &parameters, nil), "cuLaunchKernel(\(name))")
    }

    /// cuBLAS on this device, loaded on first use.
    func cublas() throws -> CUBLAS { try loaded(&blas, CUBLAS.init) }
    private var blas: CUBLAS?

    /// cuDNN on this device, loaded on first use.
    func cudnn() throws -> CUDNN { try loaded(&dnn, CUDNN.init) }
    private var dnn: CUDNN?

    private func loaded<Library>(_ slot: inout Library?, _ load: () throws -> Library) rethrows -> Library {
        if let slot { return slot }
        let library = try load()
        slot = library
        return library
    }

    /// `body` given a device buffer of at least `bytes` bytes (or nil for none), from the pool.
    func withWorkspace<T>(_ body: ((Int) -> UnsafeMutableRawPointer?) throws -> T) rethrows -> T {
        var buffers: [Storage] = []
        defer { withExtendedLifetime(buffers) {} }
        return try body { bytes in
            guard bytes > 0 else { return nil }
            let storage = Storage(count: (bytes + 3) / 4, pool: self.pool)
            buffers.append(storage)
            return UnsafeMutableRawPointer(storage.pointer)
        }
    }

    /// Waits for every launch so far.
    public func synchronize() throws { try driver.check(driver.synchronize(), "cuCtxSynchronize") }

    /// A new device storage holding `values`.
    public func upload(_ values: [Float]) throws -> Storage {
        let storage = Storage(count: values.count, pool: pool)
        try values.withUnsafeBytes { bytes in
            guard bytes.count > 0 else { return }
            try driver.check(driver.copyToDevice(address(storage.pointer), bytes.baseAddress!, bytes.count), "cuMemcpyHtoD")
        }
        return storage
    }

    /// Copies `source`'s elements over `target`'s (same count), on the device, in launch order.
    public func copy(_ source: Storage, to target: Storage) throws {
        precondition(source.count == target.count, "copy of \(source.count) elements into \(target.count)")
        try driver.check(driver.copyOnDevice(address(target.pointer), address(source.pointer), source.count * 4),
                         "cuMemcpyDtoD")
    }

    /// The values of device storage `storage` (after every launch so far).
    public func download(_ storage: Storage) throws -> [Float] {
        var values = [Float](repeating: 0, count: storage.count)
        try values.withUnsafeMutableBytes { bytes in
            guard bytes.count > 0 else { return }
            try driver.check(driver.copyToHost(bytes.baseAddress!, address(storage.pointer), bytes.count), "cuMemcpyDtoH")
        }
        return values
    }

    private func address(_ pointer: UnsafeMutablePointer<Float>) -> CUDADriver.DevicePointer {
        CUDADriver.DevicePointer(UInt(bitPattern: pointer))
    }
}
