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
            return backend.reorder(backend.convolutionBackwardData(dy, reluMask: nil, weight: weight, inputShape: inputShape,
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

    func testMaskedGradientThroughFusedReLUMatchesFloat32() {
        installBackend()
        let weight = randomTensor([32, 16, 3, 3], seed: 5), bias = randomTensor([32], seed: 6)
        let next = randomTensor([32, 32, 3, 3], seed: 7)
        func inputGradient(_ precision: CPUBackend.GradientPrecision) -> [Float] {
            let saved = Backend.current
            defer { Backend.current = saved }
            Backend.current = CPUBackend(gradientPrecision: precision)
            let x = randomTensor([1, 16, 9, 11], layout: .channelsBlocked16, seed: 8).variable()
            // Two fused layers: the second's input gradient goes through the first's ReLU mask.
            let y = x.conv2d(weight: weight, bias: bias, padding: 1, applyingReLU: true)
                .conv2d(weight: next, padding: 1, applyingReLU: true)
            (y * randomTensor(y.shape, layout: y.layout, seed: 9)).sum().backward()
            return x.grad!.reordered(to: .plain).toArray()
        }
        let exact = inputGradient(.float32), fast = inputGradient(.bfloat16)
        let error = zip(exact, fast).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(error / norm, 1e-2)
    }
}
