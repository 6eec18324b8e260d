import Models

/// Problems a user can fix, each described in one line.
public enum StyleTransferError: Error, CustomStringConvertible, Equatable {
    /// An option's value is invalid; the message says which and why.
    case badOption(String)
    /// The model file of a VGG network is not where it should be.
    case missingWeights(VGG.Architecture, path: String)
    /// A checkpoint cannot be read or does not belong to this run.
    case badCheckpoint(String)
    /// The run was asked to stop (e.g. by a signal) after `iteration` of level `level`.
    case stopped(level: Int, iteration: Int)

    /// The message for the person.
    public var description: String {
        switch self {
        case .badOption(let message): return message
        case .badCheckpoint(let message): return "checkpoint: \(message)"
        case .stopped(let level, let iteration): return "stopped at level \(level), iteration \(iteration)"
        case .missingWeights(let architecture, let path):
            return "\(architecture.displayName) weights not found at \(path); fetch them with 'make weights' "
                + "(or 'neural-style weights import --from FILE')"
        }
    }
}
