import NeuralStyle
import XCTest

/// Where a GPU is present: every kernel and every kind of op on it against the CPU
/// (`neural-style devices --check`).
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
}
