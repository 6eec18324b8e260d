import ArgumentParser
import Foundation

/// Runs a subcommand's work so that any failure is one line on stderr and exit status 1
/// (an `ExitCode` passes through unchanged).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        fputs("neural-style: error: \(error)\n", stderr)
        throw ExitCode.failure
    }
}
