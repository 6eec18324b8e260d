#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shared library opened at run time (`dlopen`), so that the binary neither links nor needs
/// NVIDIA's libraries: it looks them up where they are, and says which one is missing.
final class SharedLibrary {
    /// The name or path that opened it.
    let name: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of `candidates` (names the dynamic loader searches for, or paths) that
    /// loads; `what` names the library in the error when none does ("the NVIDIA driver").
    init(_ candidates: [String], what: String) throws {
        var failures: [String] = []
        for candidate in candidates {
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                (self.name, self.handle) = (candidate, handle)
                return
            }
            failures.append(dlerror().map { String(cString: $0) } ?? "\(candidate): not loadable")
        }
        throw CUDAError("no \(what): \(failures.first ?? "no library name given")"
                        + (failures.count > 1 ? " (and \(failures.count - 1) other names)" : ""))
    }

    /// The function `symbol` as the C function type `T` (a `@convention(c)` type).
    func function<T>(_ symbol: String, as type: T.Type = T.self) throws -> T {
        guard let address = dlsym(handle, symbol) else {
            throw CUDAError("\(name) has no \(symbol): too old a version")
        }
        return unsafeBitCast(address, to: type)
    }
}
