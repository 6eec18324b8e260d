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

extension NamedArray {
    /// Throws unless every value of every array is a finite number: NaN or infinite weights
    /// would only paint solid pictures, so a file holding them is refused, naming the array.
    public static func checkFinite(_ arrays: [String: NamedArray], in source: String) throws {
        for name in arrays.keys.sorted() where !arrays[name]!.values.allSatisfy(\.isFinite) {
            throw WeightsFormatError("\(source): '\(name)' holds values that are not finite numbers (NaN or infinity)")
        }
    }
}
