import XCTest
@testable import TensorCUDA

/// The CUDA backend's foundations that need no GPU: finding NVIDIA's libraries at run time (and
/// saying in one line what is missing), and compiling every kernel source with NVRTC.
final class CUDALibraryTests: XCTestCase {
    func testMissingLibraryIsOneLineNamingIt() {
        XCTAssertThrowsError(try SharedLibrary(["libneural-style-absent.so.7", "libneural-style-absent.so.6"],
                                               what: "cuDNN")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("no cuDNN: "), message)
            XCTAssertTrue(message.contains("libneural-style-absent.so.7"), message)
            XCTAssertTrue(message.hasSuffix("(and 1 other names)"), message)
            XCTAssertFalse(message.contains("\n"))
        }
    }

    func testMissingFunctionNamesLibraryAndSymbol() throws {
        let libm = try SharedLibrary(["libm.so.6"], what: "the maths library")
        let cosine: @convention(c) (Double) -> Double = try libm.function("cos")
        XCTAssertEqual(cosine(0), 1)
        XCTAssertThrowsError(try libm.function("cuInit", as: (@convention(c) (UInt32) -> Int32).self)) { error in
            XCTAssertEqual("\(error)", "libm.so.6 has no cuInit: too old a version")
        }
    }

    func testDriverThatIsNotThereIsNamed() {
        XCTAssertThrowsError(try CUDADriver(candidates: ["/nonexistent/libcuda.so.1"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("no NVIDIA driver: /nonexistent/libcuda.so.1"), "\(error)")
        }
    }

    /// Here: a working CUDA set-up lists its GPUs and libraries; anywhere else the probe names
    /// the first thing missing, in one line.
    func testProbeListsGPUsOrSaysWhatIsMissing() {
        do {
            let system = try CUDASystem.probe()
            XCTAssertFalse(system.devices.isEmpty)
            XCTAssertEqual(system.libraries.count, 3)
            XCTAssertThrowsError(try system.device(system.devices.count)) { error in
                XCTAssertTrue("\(error)".hasPrefix("no GPU cuda:\(system.devices.count): "), "\(error)")
            }
        } catch {
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"))
            XCTAssertTrue(message.hasPrefix("no ") || message.hasPrefix("the NVIDIA driver"), message)
        }
    }

    func testEveryKernelCompilesToPTX() throws {
        let nvrtc = try compiler()
        for architecture in [(7, 5), (9, 0)] {
            let ptx = try nvrtc.compile(CUDAKernelSources.source, name: "kernels", architecture: architecture)
            XCTAssertTrue(ptx.contains(".target sm_\(architecture.0)\(architecture.1)"), String(ptx.prefix(400)))
            for name in CUDAKernelSources.kernelNames {
                XCTAssertTrue(ptx.contains(".entry \(name)("), "no kernel \(name) in the PTX for \(architecture)")
            }
        }
        let ptx = try nvrtc.compile(CUDAKernelSources.source, name: "kernels", architecture: (9, 0))
        XCTAssertEqual(ptx.components(separatedBy: ".entry ").count - 1, CUDAKernelSources.kernelNames.count,
                       "kernelNames lists every kernel")
        // The sizes-and-strides struct passed by value is as large as the launcher fills.
        XCTAssertTrue(ptx.contains(".b8 binary_broadcast_param_5[\(8 * CUDADevice.layoutCount)]"),
                      String(ptx.components(separatedBy: ".entry binary_broadcast(").last?.prefix(500) ?? ""))
    }

    func testEveryKernelCompilesToMachineCodeForHopper() throws {
        let cubin = try compiler().compileBinary(CUDAKernelSources.source, name: "kernels", architecture: (9, 0))
        XCTAssertEqual(Array(cubin.prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "an ELF image")
        for name in CUDAKernelSources.kernelNames {
            XCTAssertNotNil(cubin.firstRange(of: Array(name.utf8) + [0]), "no kernel \(name) in the CUBIN")
        }
    }

    func testSourceThatDoesNotCompileIsOneLineWithTheCompilersError() throws {
        let nvrtc = try compiler()
        XCTAssertThrowsError(try nvrtc.compile("extern \"C\" __global__ void broken(float *x) { x[0] = y; }",
                                               name: "broken.cu", architecture: (9, 0))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("NVRTC cannot compile broken.cu for compute_90: "), message)
            XCTAssertTrue(message.contains("identifier \"y\" is undefined"), message)
            XCTAssertFalse(message.contains("\n"))
        }
    }

    /// NVRTC where it is installed or where `make nvrtc` put it; the test is skipped elsewhere.
    private func compiler() throws -> NVRTC {
        do {
            return try NVRTC()
        } catch {
            throw XCTSkip("\(error) (`make nvrtc` fetches it)")
        }
    }
}

/// The GPU checks' measure of difference, which must not let a NaN through.
final class CUDACheckDifferenceTests: XCTestCase {
    func testNaNOnOneSideIsInfinitelyFarAndScaleIgnoresNaN() {
        XCTAssertEqual(CUDAKernelCheck.difference([1, 2, 3], from: [1, 2, 3]), 0)
        XCTAssertEqual(CUDAKernelCheck.difference([1, 2, .nan], from: [1, 2, .nan]), 0)
        XCTAssertEqual(CUDAKernelCheck.difference([.nan, 2, 3], from: [1, 2, 3]), .infinity)
        XCTAssertEqual(CUDAKernelCheck.difference([1, 2, 3], from: [1, .nan, 3]), .infinity)
        XCTAssertEqual(CUDAKernelCheck.difference([1, 2], from: [1, 2, 3]), .infinity)
        XCTAssertEqual(CUDAKernelCheck.difference([4, 0.5, .nan], from: [2, 0.5, .nan]), 2.0 / 2.0)
        XCTAssertEqual(CUDAKernelCheck.difference([0.25, 0], from: [0.5, 0]), 0.25, "scale at least 1")
    }
}
