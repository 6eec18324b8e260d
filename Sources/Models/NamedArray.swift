/// A tensor read from a weights file: its shape and its elements as `Float`
/// (`uint8` storages are widened; they hold quantisation codes).
public struct NamedArray: Equatable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Elements in row-major order.
    public let values: [Float]

    /// Pairs `values` with `shape`.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}
