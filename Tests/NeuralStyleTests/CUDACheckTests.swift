import Foundation
import NeuralStyle
import XCTest

/// Every kernel and every kind of op of the CUDA backend against the CPU (`neural-style devices
/// --check`): on the GPU where there is one, else on an emulated one.
final class CUDACheckTests: XCTestCase {
    func testTheGPUComputesWhatTheCPUComputes() throws {
        let (lines, passed): ([String], Bool)
        do {
            (lines, passed) = try CUDACheck.run(ordinal: 0)
        } catch {
            throw XCTSkip("no GPU to run on: \(error)")
        }
        XCTAssertTrue(passed, lines.filter { $0.hasPrefix("FAIL") }.joined(separator: "\n"))
        XCTAssertGreaterThan(lines.count, 100)
    }

    /// Without a GPU: the same check with the driver, cuBLAS and cuDNN answered on the CPU by
    /// `scripts/cuda/emulated_gpu.py` (our kernels compiled as C++, one thread per block; plain
    /// products and convolution loops). It checks the whole backend but for what only a GPU has:
    /// the threads of a block working together, shared memory, the GPU's maths functions.
    func testTheBackendOnAnEmulatedGPUComputesWhatTheCPUComputes() throws {
        let variables = ["NEURAL_STYLE_LIBCUDA", "NEURAL_STYLE_LIBCUBLAS", "NEURAL_STYLE_LIBCUDNN"]
        guard variables.allSatisfy({ getenv($0) == nil }), (try? CUDACheck.run(ordinal: 0)) == nil else {
            throw XCTSkip("a GPU (or a library named by NEURAL_STYLE_LIB…) is here: the test above runs on it")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let library = FileManager.default.temporaryDirectory.appendingPathComponent("emulated-gpu-\(getpid()).so")
        defer { try? FileManager.default.removeItem(at: library) }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["python3", root.appendingPathComponent("scripts/cuda/emulated_gpu.py").path, library.path]
        try build.run()
        build.waitUntilExit()
        XCTAssertEqual(build.terminationStatus, 0, "building the emulated GPU (python3 and a C++ compiler)")
        variables.forEach { setenv($0, library.path, 1) }
        defer { variables.forEach { unsetenv($0) } }
        let (lines, passed): ([String], Bool)
        do {
            (lines, passed) = try CUDACheck.run(ordinal: 0)
        } catch where "\(error)".contains("NVRTC") {
            throw XCTSkip("\(error) (`make nvrtc` fetches it)")
        }
        XCTAssertTrue(lines[0].contains("Emulated GPU"), lines[0])
        XCTAssertTrue(passed, lines.filter { $0.hasPrefix("FAIL") }.joined(separator: "\n"))
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok") }.count, lines.count - 1, "one header, then a line per comparison")
        XCTAssertGreaterThan(lines.count, 100)
    }
}
