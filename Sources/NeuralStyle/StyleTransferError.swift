/// Problems a user can fix, each described in one line.
public enum StyleTransferError: Error, CustomStringConvertible, Equatable {
    case badOption(String)
    case missingWeights(path: String)

    public var description: String {
        switch self {
        case .badOption(let message): return message
        case .missingWeights(let path):
            return "VGG-19 weights not found at \(path); fetch them with 'make weights' "
                + "(or 'neural-style weights import --from FILE.bin')"
        }
    }
}
