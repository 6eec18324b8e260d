/// How close to a direct sum a backend keeps convolutions: fast algorithms (Winograd's) trade a
/// little rounding for speed, and most networks never notice; a quantised one does, because any
/// rounding difference that crosses a quantisation step becomes a whole quantum.
public enum ConvolutionAccuracy: Sendable {
    /// Any algorithm whose values stay within about 10⁻⁴ of the output's scale.
    case standard
    /// Within about 10⁻⁶ of the output's scale, the rounding of a direct f32 sum in another order.
    case nearDirect

    /// The accuracy ops ask of the backend now (`standard` unless inside `withConvolutionAccuracy`).
    public internal(set) nonisolated(unsafe) static var current = ConvolutionAccuracy.standard
}

/// Runs `body` with convolutions kept to `accuracy`.
public func withConvolutionAccuracy<T>(_ accuracy: ConvolutionAccuracy, _ body: () throws -> T) rethrows -> T {
    let saved = ConvolutionAccuracy.current
    ConvolutionAccuracy.current = accuracy
    defer { ConvolutionAccuracy.current = saved }
    return try body()
}
