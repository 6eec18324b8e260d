/// What this machine offers for CUDA: the driver's version, its GPUs and the versions of the
/// libraries the CUDA backend needs (NVRTC, cuBLAS, cuDNN), found at run time.
public struct CUDASystem: Sendable {
    /// The driver's CUDA version, e.g. (13, 0).
    public let driverVersion: (major: Int, minor: Int)
    /// The GPUs, in the driver's order (`cuda:0` first).
    public let devices: [CUDADeviceInfo]
    /// Each library with its version, e.g. "cuDNN 9.10.2".
    public let libraries: [String]

    /// Looks for the driver, a GPU and each library in turn; throws one line naming the first
    /// thing missing.
    public static func probe() throws -> CUDASystem {
        let driver = try CUDADriver()
        let devices = try driver.devices()
        guard !devices.isEmpty else { throw CUDAError("the NVIDIA driver (\(driver.library.name)) sees no GPU") }
        let nvrtc = try NVRTC()
        return CUDASystem(driverVersion: try driver.version(), devices: devices,
                          libraries: ["NVRTC \(nvrtc.version.major).\(nvrtc.version.minor)",
                                      try cublasVersion(), try cudnnVersion()])
    }

    /// GPU `ordinal` (`--device cuda:N`), or an error naming the GPUs there are.
    public func device(_ ordinal: Int) throws -> CUDADeviceInfo { try Self.device(ordinal, among: devices) }

    /// GPU `ordinal` of `devices`, or an error naming the GPUs there are.
    static func device(_ ordinal: Int, among devices: [CUDADeviceInfo]) throws -> CUDADeviceInfo {
        guard devices.indices.contains(ordinal) else {
            throw CUDAError("no GPU cuda:\(ordinal): the NVIDIA driver sees \(devices.count) "
                            + "(cuda:0\(devices.count > 1 ? "…cuda:\(devices.count - 1)" : ""))")
        }
        return devices[ordinal]
    }

    private static func cublasVersion() throws -> String {
        let library = try SharedLibrary(CUDALibraryNames.cublas, what: "cuBLAS")
        let property: @convention(c) (Int32, UnsafeMutablePointer<Int32>) -> Int32 = try library.function("cublasGetProperty")
        var parts: [Int32] = [0, 0, 0]
        for kind in 0..<3 where property(Int32(kind), &parts[kind]) != 0 {
            throw CUDAError("\(library.name): cublasGetProperty failed")
        }
        return "cuBLAS \(parts[0]).\(parts[1]).\(parts[2])"
    }

    private static func cudnnVersion() throws -> String {
        let library = try SharedLibrary(CUDALibraryNames.cudnn, what: "cuDNN")
        let version: @convention(c) () -> Int = try library.function("cudnnGetVersion")
        // cuDNN 9 numbers its versions major·10000 + minor·100 + patch.
        let number = version()
        return "cuDNN \(number / 10000).\(number / 100 % 100).\(number % 100)"
    }
}
