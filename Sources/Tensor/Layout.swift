/// How a tensor's elements are ordered in memory.
///
/// Algorithms never look at this: ops keep it consistent and convert at the edges.
public enum Layout: Hashable, Sendable {
    /// Row-major in the logical shape (NCHW for images).
    case plain
    /// 4-D tensors with channels split into blocks of 16, innermost (oneDNN's nChw16c).
    /// Used only when the channel count is a multiple of 16, so it never pads.
    case channelsBlocked16

    /// Whether a tensor of `shape` can use this layout.
    public func supports(_ shape: [Int]) -> Bool {
        switch self {
        case .plain: return true
        case .channelsBlocked16: return shape.count == 4 && shape[1] % 16 == 0
        }
    }
}
