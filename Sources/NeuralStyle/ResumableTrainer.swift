import Imaging

/// A training run that advances one optimiser step at a time and can be saved and continued
/// between any two steps: what the command line's logs, checkpoints and previews drive.
public protocol ResumableTrainer: AnyObject {
    /// Steps completed.
    var step: Int { get }
    /// Steps this run makes in all.
    var totalSteps: Int { get }
    /// One optimiser step; its losses (weighted, at the weights before the step).
    @discardableResult func trainStep() -> IterationRecord
    /// The state after the steps so far.
    func checkpoint() -> TrainingCheckpoint
    /// Continues from `checkpoint`, which must come from a run with the same settings and inputs.
    func resume(from checkpoint: TrainingCheckpoint) throws
    /// A picture painted by the network as it is now, for previews.
    func stylize(_ image: Image) throws -> Image
}
