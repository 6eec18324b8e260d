import Imaging

/// What a Gatys run produced: the picture of the lowest-loss point it evaluated at its last
/// level (L-BFGS's last step is never evaluated, so the last iterate could be anything), and
/// which evaluation that was.
public struct GatysResult: Sendable {
    /// The finished picture (colours and size as the options ask).
    public let image: Image
    /// The level (from 1) and iteration (from 1) of the evaluation; iteration 0 when the level
    /// ran no iteration and the picture is its starting point.
    public let level: Int, iteration: Int
    /// The total loss at that evaluation; nil when there was none.
    public let loss: Float?
}
