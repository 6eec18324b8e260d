#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NVIDIA's runtime compiler (libnvrtc), looked up at run time: CUDA C source in, PTX out, which
/// the driver then compiles for the GPU at hand. It needs no GPU, so kernel sources can be
/// checked on any machine that has the library.
public final class NVRTC {
    private typealias Result = Int32
    private typealias Program = OpaquePointer

    private let library: SharedLibrary
    private let versionNumbers: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Result
    private let create: @convention(c) (UnsafeMutablePointer<Program?>, UnsafePointer<CChar>, UnsafePointer<CChar>,
                                        Int32, UnsafePointer<UnsafePointer<CChar>?>?,
                                        UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    private let compileProgram: @convention(c) (Program, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    private let ptxSize: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result
    private let ptx: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result
    private let cubinSize: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result
    private let cubin: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result
    private let logSize: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result
    private let log: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result
    private let destroy: @convention(c) (UnsafeMutablePointer<Program?>) -> Result
    private let errorString: @convention(c) (Result) -> UnsafePointer<CChar>?

    /// Loads the first of `candidates` that opens (default: `CUDALibraryNames.nvrtc`).
    public init(candidates: [String] = CUDALibraryNames.nvrtc) throws {
        library = try SharedLibrary(candidates, what: "NVRTC (NVIDIA's runtime compiler)")
        versionNumbers = try library.function("nvrtcVersion")
        create = try library.function("nvrtcCreateProgram")
        compileProgram = try library.function("nvrtcCompileProgram")
        ptxSize = try library.function("nvrtcGetPTXSize")
        ptx = try library.function("nvrtcGetPTX")
        cubinSize = try library.function("nvrtcGetCUBINSize")
        cubin = try library.function("nvrtcGetCUBIN")
        logSize = try library.function("nvrtcGetProgramLogSize")
        log = try library.function("nvrtcGetProgramLog")
        destroy = try library.function("nvrtcDestroyProgram")
        errorString = try library.function("nvrtcGetErrorString")
    }

    /// The library's CUDA version, e.g. (13, 0).
    public var version: (major: Int, minor: Int) {
        var (major, minor): (Int32, Int32) = (0, 0)
        _ = versionNumbers(&major, &minor)
        return (Int(major), Int(minor))
    }

    /// PTX for GPUs of compute capability `architecture` (e.g. (9, 0)) from CUDA C `source`,
    /// which the driver compiles when it loads it (only if it is at least as new as this NVRTC);
    /// `name` names the program in messages. Throws with the compiler's first error line.
    public func compile(_ source: String, name: String, architecture: (major: Int, minor: Int)) throws -> String {
        let text = try compiled(source, name: name, target: "compute_\(architecture.major)\(architecture.minor)",
                                size: ptxSize, contents: ptx, what: "PTX")
        return String(decoding: text.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Machine code (a CUBIN) for GPUs of compute capability `architecture`: what the driver
    /// loads as it is, even when older than this NVRTC.
    public func compileBinary(_ source: String, name: String, architecture: (major: Int, minor: Int)) throws -> [UInt8] {
        try compiled(source, name: name, target: "sm_\(architecture.major)\(architecture.minor)", size: cubinSize,
                     contents: cubin, what: "CUBIN")
    }

    private func compiled(_ source: String, name: String, target: String,
                          size: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result,
                          contents: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result,
                          what: String) throws -> [UInt8] {
        var program: Program?
        try check(create(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = destroy(&program) }
        let options = ["--gpu-architecture=\(target)", "--std=c++17"]
        let cOptions = options.map { UnsafePointer(strdup($0)) }
        defer { cOptions.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        let result = cOptions.withUnsafeBufferPointer { compileProgram(program!, Int32(options.count), $0.baseAddress) }
        guard result == 0 else {
            let firstError = programLog(program!).split(whereSeparator: \.isNewline).first { $0.contains("error") }
            throw CUDAError("NVRTC cannot compile \(name) for \(target): " + (firstError.map(String.init) ?? message(result)))
        }
        var count = 0
        try check(size(program!, &count), "nvrtcGet\(what)Size")
        var bytes = [CChar](repeating: 0, count: count + 1)
        try check(contents(program!, &bytes), "nvrtcGet\(what)")
        return bytes.prefix(count).map { UInt8(bitPattern: $0) }
    }

    private func programLog(_ program: Program) -> String {
        var size = 0
        guard logSize(program, &size) == 0, size > 1 else { return "" }
        var text = [CChar](repeating: 0, count: size + 1)
        guard log(program, &text) == 0 else { return "" }
        return String(cString: text)
    }

    private func message(_ result: Result) -> String {
        errorString(result).map { String(cString: $0) } ?? "NVRTC error \(result)"
    }

    private func check(_ result: Result, _ call: String) throws {
        guard result != 0 else { return }
        throw CUDAError("\(call) failed: \(message(result))")
    }
}
