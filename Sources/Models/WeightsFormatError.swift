/// Why a weights file could not be read.
public struct WeightsFormatError: Error, CustomStringConvertible {
    /// What is wrong, in one line.
    public let description: String
    /// Describes a problem with a weights file.
    public init(_ description: String) { self.description = description }
}
