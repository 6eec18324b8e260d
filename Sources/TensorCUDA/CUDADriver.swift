/// NVIDIA's driver API (libcuda.so.1), the functions the CUDA backend calls, looked up at run
/// time: devices, contexts, memory, modules and kernel launches. Immutable once loaded, so any
/// thread may call it.
final class CUDADriver: @unchecked Sendable {
    typealias Result = Int32
    typealias Device = Int32
    typealias DevicePointer = UInt64
    typealias Handle = OpaquePointer

    let library: SharedLibrary
    let initialize: @convention(c) (UInt32) -> Result
    let driverVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let deviceCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let device: @convention(c) (UnsafeMutablePointer<Device>, Int32) -> Result
    let deviceName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Device) -> Result
    let deviceMemory: @convention(c) (UnsafeMutablePointer<Int>, Device) -> Result
    let deviceAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Device) -> Result
    let retainPrimaryContext: @convention(c) (UnsafeMutablePointer<Handle?>, Device) -> Result
    let setCurrentContext: @convention(c) (Handle?) -> Result
    let allocate: @convention(c) (UnsafeMutablePointer<DevicePointer>, Int) -> Result
    let free: @convention(c) (DevicePointer) -> Result
    let copyToDevice: @convention(c) (DevicePointer, UnsafeRawPointer, Int) -> Result
    let copyToHost: @convention(c) (UnsafeMutableRawPointer, DevicePointer, Int) -> Result
    let copyOnDevice: @convention(c) (DevicePointer, DevicePointer, Int) -> Result
    let loadModule: @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeRawPointer) -> Result
    let moduleFunction: @convention(c) (UnsafeMutablePointer<Handle?>, Handle, UnsafePointer<CChar>) -> Result
    let launch: @convention(c) (Handle, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
                                UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Result
    let synchronize: @convention(c) () -> Result
    private let errorName: @convention(c) (Result, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result

    /// `cuDeviceGetAttribute`'s numbers for the compute capability.
    static let computeCapabilityMajor: Int32 = 75, computeCapabilityMinor: Int32 = 76

    /// Loads the driver (`libcuda.so.1`, or the path in `NEURAL_STYLE_LIBCUDA`) and initialises it.
    init(candidates: [String] = CUDALibraryNames.driver) throws {
        library = try SharedLibrary(candidates, what: "NVIDIA driver")
        initialize = try library.function("cuInit")
        driverVersion = try library.function("cuDriverGetVersion")
        deviceCount = try library.function("cuDeviceGetCount")
        device = try library.function("cuDeviceGet")
        deviceName = try library.function("cuDeviceGetName")
        deviceMemory = try library.function("cuDeviceTotalMem_v2")
        deviceAttribute = try library.function("cuDeviceGetAttribute")
        retainPrimaryContext = try library.function("cuDevicePrimaryCtxRetain")
        setCurrentContext = try library.function("cuCtxSetCurrent")
        allocate = try library.function("cuMemAlloc_v2")
        free = try library.function("cuMemFree_v2")
        copyToDevice = try library.function("cuMemcpyHtoD_v2")
        copyToHost = try library.function("cuMemcpyDtoH_v2")
        copyOnDevice = try library.function("cuMemcpyDtoD_v2")
        loadModule = try library.function("cuModuleLoadData")
        moduleFunction = try library.function("cuModuleGetFunction")
        launch = try library.function("cuLaunchKernel")
        synchronize = try library.function("cuCtxSynchronize")
        errorName = try library.function("cuGetErrorName")
        try check(initialize(0), "cuInit")
    }

    /// Throws unless `result` is CUDA_SUCCESS, naming `call` and the driver's name for the error.
    func check(_ result: Result, _ call: String) throws {
        guard result != 0 else { return }
        var name: UnsafePointer<CChar>?
        let text = errorName(result, &name) == 0 ? name.map { String(cString: $0) } : nil
        throw CUDAError("\(call) failed: \(text ?? "CUDA error \(result)")")
    }

    /// The GPUs the driver sees.
    func devices() throws -> [CUDADeviceInfo] {
        var count: Int32 = 0
        try check(deviceCount(&count), "cuDeviceGetCount")
        return try (0..<count).map { ordinal in
            var handle: Device = 0
            try check(device(&handle, ordinal), "cuDeviceGet")
            var name = [CChar](repeating: 0, count: 256)
            try check(deviceName(&name, Int32(name.count), handle), "cuDeviceGetName")
            var bytes = 0
            try check(deviceMemory(&bytes, handle), "cuDeviceTotalMem")
            var (major, minor): (Int32, Int32) = (0, 0)
            try check(deviceAttribute(&major, Self.computeCapabilityMajor, handle), "cuDeviceGetAttribute")
            try check(deviceAttribute(&minor, Self.computeCapabilityMinor, handle), "cuDeviceGetAttribute")
            return CUDADeviceInfo(ordinal: Int(ordinal), name: String(cString: name), memoryBytes: bytes,
                                  computeCapability: (Int(major), Int(minor)))
        }
    }

    /// The driver's CUDA version, e.g. (13, 0).
    func version() throws -> (major: Int, minor: Int) {
        var version: Int32 = 0
        try check(driverVersion(&version), "cuDriverGetVersion")
        return (Int(version) / 1000, Int(version) % 1000 / 10)
    }
}

/// One GPU as the driver describes it.
public struct CUDADeviceInfo: Sendable {
    /// Its number, as `--device cuda:N` takes it.
    public let ordinal: Int
    /// The product name, e.g. "NVIDIA H200".
    public let name: String
    /// Its memory.
    public let memoryBytes: Int
    /// Its compute capability, e.g. (9, 0) for Hopper.
    public let computeCapability: (major: Int, minor: Int)
}
