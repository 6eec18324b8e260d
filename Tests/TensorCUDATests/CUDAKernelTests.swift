import XCTest
@testable import TensorCUDA

/// Every kernel of ours run on a GPU against the CPU's arithmetic, where a GPU is present.
final class CUDAKernelTests: XCTestCase {
    func testEveryKernelAgreesWithTheCPU() throws {
        let device: CUDADevice
        do {
            device = try CUDADevice(ordinal: 0)
        } catch {
            throw XCTSkip("no GPU to run on: \(error)")
        }
        let results = try CUDAKernelCheck.run(on: device)
        XCTAssertGreaterThanOrEqual(results.count, 30)
        for result in results { XCTAssertTrue(result.passed, "\(result)") }
    }

    func testOpeningAGPUWithoutOneSaysWhatIsMissing() throws {
        guard (try? CUDASystem.probe()) == nil else { throw XCTSkip("this machine has a GPU") }
        XCTAssertThrowsError(try CUDADevice(ordinal: 0)) { error in
            XCTAssertFalse("\(error)".contains("\n"))
            XCTAssertTrue("\(error)".hasPrefix("no ") || "\(error)".hasPrefix("the NVIDIA driver"), "\(error)")
        }
    }
}
