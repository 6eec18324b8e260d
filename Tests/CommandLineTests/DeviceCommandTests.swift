import Foundation
import XCTest

/// `--device` and `neural-style devices`: what a user learns about the machine's devices, and a
/// device that cannot be used refused in one line before any work.
final class DeviceCommandTests: CommandLineTestCase {
    func testDevicesListsTheCPUThenCUDA() {
        let result = run(["devices"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 2, result.stdout)
        XCTAssertTrue(lines[0].hasPrefix("cpu: ") && lines[0].contains("thread"), lines[0])
        // Either the GPUs and the libraries' versions, or why there are none.
        XCTAssertTrue(lines[1].hasPrefix("cuda:0: ") || lines[1].hasPrefix("cuda: none ("), lines[1])
        if lines[1].hasPrefix("cuda: none") {
            XCTAssertTrue(lines[1].contains("no NVIDIA driver") || lines[1].contains("no NVRTC")
                          || lines[1].contains("no cuBLAS") || lines[1].contains("no cuDNN")
                          || lines[1].contains("sees no GPU"), lines[1])
        } else {
            XCTAssertTrue(lines.last!.contains("NVRTC") && lines.last!.contains("cuDNN"), lines.last!)
        }
    }

    func testUnusableCUDADeviceIsOneLineAndWritesNothing() throws {
        if run(["devices"]).stdout.contains("\ncuda:0: ") { throw XCTSkip("this machine has a GPU") }
        let output = path("out.png")
        for (device, ordinal) in [("cuda", 0), ("cuda:3", 3)] {
            let result = run(["--content", picture("c.png"), "--style", picture("s.png"), "--output", output,
                              "--size", "8", "--iterations", "1", "--device", device])
            // No driver, library or GPU here.
            assertOneLineError(result, contains: "--device cuda:\(ordinal): ")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
        let stylize = run(["stylize", "--model", path("absent.safetensors"), "--input", picture("c.png"),
                           "--output", output, "--device", "cuda"])
        assertOneLineError(stylize, contains: "--device cuda:0: ")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testDeviceNamesOutsideTheListAreRefused() {
        for device in ["gpu", "cuda:", "cuda:-1", "cuda:x"] {
            let result = run(["--content", picture("c.png"), "--style", picture("s.png"), "--output", path("out.png"),
                              "--device", device])
            assertOneLineError(result, contains: "'auto', 'cpu', 'cuda' or 'cuda:N'")
        }
    }

    func testCheckWithoutAGPUListsTheDevicesThenSaysWhatIsMissing() throws {
        let result = run(["devices", "--check"])
        if result.stdout.contains("\ncuda:0: ") { throw XCTSkip("this machine has a GPU") }
        XCTAssertTrue(result.stdout.hasPrefix("cpu: "), result.stdout)
        assertOneLineError(result, contains: "no ")
        XCTAssertFalse(result.stdout.contains("PASS"))
    }
}
