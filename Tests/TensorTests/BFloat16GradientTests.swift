import Foundation
import Tensor
import TensorCPU
import XCTest

/// The AMX bfloat16 input gradient of convolutions: close to f32, and really taken on CPUs
/// that have AMX.
final class BFloat16GradientTests: XCTestCase {
    func testBFloat16BackwardDataIsCloseToFloat32() {
        installBackend()
        let inputShape = [1, 32, 12, 10], weightShape = [48, 32, 3, 3]
        let geometry = WindowGeometry(kernel: 3, stride: 1, padding: 1)
        let weight = randomTensor(weightShape, seed: 1)
        let dy = randomTensor([1, 48, 12, 10], layout: .channelsBlocked16, seed: 2)
        func backwardData(_ precision: CPUBackend.GradientPrecision) -> [Float] {
            let backend = CPUBackend(gradientPrecision: precision)
            return backend.reorder(backend.convolutionBackwardData(dy, weight: weight, inputShape: inputShape,
                                                                   inputLayout: .channelsBlocked16,
                                                                   geometry: geometry), to: .plain).toArray()
        }
        let exact = backwardData(.float32), fast = backwardData(.bfloat16)
        let error = zip(exact, fast).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(error / norm, 1e-2, "bfloat16 gradient too far from f32")
        let hasAMX = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("amx_bf16") ?? false
        if hasAMX {
            XCTAssertGreaterThan(error / norm, 1e-5, "AMX is present but the f32 kernel ran")
        } else {
            XCTAssertEqual(error, 0, "without AMX the f32 kernel must run")
        }
    }
}
