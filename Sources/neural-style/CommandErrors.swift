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
        fputs("neural-style: error: \(oneLine(error))\n", stderr)
        throw ExitCode.failure
    }
}

/// `error` as one line for a person. Foundation's file errors would print as
/// `Error Domain=NSCocoaErrorDomain Code=… UserInfo={…}`: they become the path and the
/// system's reason instead.
func oneLine(_ error: Error) -> String {
    var text = "\(error)"
    let error = error as NSError
    if error.domain == NSCocoaErrorDomain {
        let path = (error.userInfo[NSFilePathErrorKey] as? String)
            ?? (error.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
        let reason = (error.userInfo[NSUnderlyingErrorKey] as? NSError).map { underlying in
            underlying.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(underlying.code))) : underlying.localizedDescription
        } ?? error.localizedDescription
        // Foundation numbers read errors from 256, write errors from 512.
        let verb = error.code < 512 ? "read" : "write"
        text = "cannot \(verb) \(path): \(reason)"
    }
    return text.split(whereSeparator: \.isNewline).joined(separator: "; ")
}
