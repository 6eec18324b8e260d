/// A run stopped because the loss or its gradient stopped being a finite number (too large a
/// learning rate or weights); it still hands over the last good state.
public struct GatysDivergence: Error, CustomStringConvertible {
    /// What became non-finite: "loss" or "gradient".
    public let quantity: String
    /// Its value (NaN or ±infinity).
    public let value: Float
    /// Where: level (from 1) and iteration (from 1).
    public let level: Int, iteration: Int
    /// The best picture evaluated before it, if there was one.
    public let result: GatysResult?
    /// A state to continue from: the best point with the optimiser restarted (its history
    /// dropped), if there was one.
    public let checkpoint: Checkpoint?

    /// One line for the person.
    public var description: String {
        "the \(quantity) became \(value) at " + (level > 1 ? "level \(level), " : "") + "iteration \(iteration) "
            + "(lower --learning-rate or the weights)"
    }
}
