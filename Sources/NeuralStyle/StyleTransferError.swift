/// Problems a user can fix, each described in one line.
public enum StyleTransferError: Error, CustomStringConvertible, Equatable {
    /// An option's value is invalid; the message says which and why.
    case badOption(String)
    /// The VGG-19 model file is not where it should be.
    case missingWeights(path: String)

    /// The message for the person.
    public var description: String {
        switch self {
        case .badOption(let message): return message
        case .missingWeights(let path):
            return "VGG-19 weights not found at \(path); fetch them with 'make weights' "
                + "(or 'neural-style weights import --from FILE.bin')"
        }
    }
}
