/// How a tensor's elements are ordered in memory.
///
/// Algorithms never look at this: ops keep it consistent and convert at the edges.
public enum Layout: Hashable, Sendable {
    /// Row-major in the logical shape (NCHW for images).
    case plain
    /// 4-D tensors with channels split into blocks of 8, innermost (oneDNN's nChw8c): what
    /// AVX2 kernels want. Used only when the channel count is a multiple of 8, so it never pads.
    case channelsBlocked8
    /// 4-D tensors with channels split into blocks of 16, innermost (oneDNN's nChw16c): what
    /// AVX-512 kernels want. Used only when the channel count is a multiple of 16.
    case channelsBlocked16

    /// Channels per block (1 for plain).
    public var blockSize: Int {
        switch self {
        case .plain: return 1
        case .channelsBlocked8: return 8
        case .channelsBlocked16: return 16
        }
    }

    /// Whether a tensor of `shape` can use this layout.
    public func supports(_ shape: [Int]) -> Bool {
        self == .plain || (shape.count == 4 && shape[1] % blockSize == 0)
    }
}
