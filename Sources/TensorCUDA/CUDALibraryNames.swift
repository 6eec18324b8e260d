#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the CUDA backend looks for NVIDIA's libraries: an environment variable's path first
/// (`NEURAL_STYLE_LIBCUDA`, `NEURAL_STYLE_LIBNVRTC`, `NEURAL_STYLE_LIBCUBLAS`,
/// `NEURAL_STYLE_LIBCUDNN`), then the names the dynamic loader finds on a machine with CUDA
/// installed (CUDA 13, or 12); NVRTC also in the cache, where `make nvrtc` puts it.
public enum CUDALibraryNames {
    /// The driver API.
    public static var driver: [String] { overridden("NEURAL_STYLE_LIBCUDA") + ["libcuda.so.1"] }
    /// The runtime compiler.
    public static var nvrtc: [String] {
        overridden("NEURAL_STYLE_LIBNVRTC") + ["libnvrtc.so.13", "libnvrtc.so.12"] + [cache + "/nvrtc/libnvrtc.so.13"]
    }

    /// Matrix products.
    public static var cublas: [String] {
        overridden("NEURAL_STYLE_LIBCUBLAS") + ["libcublas.so.13", "libcublas.so.12"]
    }
    /// Convolutions and pooling.
    public static var cudnn: [String] { overridden("NEURAL_STYLE_LIBCUDNN") + ["libcudnn.so.9"] }

    private static func overridden(_ variable: String) -> [String] {
        getenv(variable).map { [String(cString: $0)] } ?? []
    }

    private static var cache: String {
        if let path = getenv("NEURAL_STYLE_CACHE") { return String(cString: path) }
        return (getenv("HOME").map { String(cString: $0) } ?? "") + "/.cache/neural-style"
    }
}
