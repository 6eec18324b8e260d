/// Why CUDA cannot be used, or what a CUDA library call reported, in words for one line of
/// output (e.g. "no NVIDIA driver: libcuda.so.1 not found").
public struct CUDAError: Error, CustomStringConvertible, Equatable {
    /// The message.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
