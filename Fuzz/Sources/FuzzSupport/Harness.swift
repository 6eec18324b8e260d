import Foundation
import CLibFuzzer
import Imaging

/// What every harness shares: the input as an array, and seed files written on request.
public enum Harness {
    /// The pixel limit the image harnesses read under (256×256): far below the default so that
    /// each run is quick and so that `-malloc_limit_mb` catches any allocation the limit does not bound.
    public static let maximumPixels = 1 << 16

    /// libFuzzer's input as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Runs `read` on the input, turning its error into text as a user would see it (so that
    /// the messages are fuzzed too); a trap, an overflow or a sanitizer report is the finding.
    public static func run(_ read: () throws -> Void) {
        do { try read() } catch { _ = String(describing: error) }
    }

    /// The harness's whole program: with `FUZZ_SEED_DIR` set, writes its seed files there (by
    /// calling `seeds` with the directory) and exits; otherwise hands the command line to
    /// libFuzzer, which calls `body` with each input (`body` returns false for an input that is
    /// not its format, which libFuzzer then leaves out of the corpus).
    public static func main(seeds: (URL) throws -> Void, _ body: @escaping ([UInt8]) -> Bool) -> Never {
        if let path = ProcessInfo.processInfo.environment["FUZZ_SEED_DIR"] {
            let directory = URL(fileURLWithPath: path, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try seeds(directory)
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("cannot write seeds to \(path): \(error)\n".utf8))
                exit(1)
            }
        }
        Harness.body = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzTestOneInput))
    }

    nonisolated(unsafe) fileprivate static var body: ([UInt8]) -> Bool = { _ in true }
}

/// libFuzzer's callback, under the name its own main (part of the same runtime library) refers to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Harness.body(Harness.bytes(data, size)) ? 0 : -1
}

extension URL {
    /// Writes `bytes` to the file `name` in this directory.
    public func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: appendingPathComponent(name))
    }

    /// Writes `data` to the file `name` in this directory.
    public func write(_ name: String, _ data: Data) throws {
        try data.write(to: appendingPathComponent(name))
    }

    /// The bytes of the file `name` in this directory.
    public func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: appendingPathComponent(name)))
    }
}
