import Foundation
import Tensor
import TensorTestSupport
import TensorCPU
import XCTest

/// Whether this CPU has AMX bfloat16 tiles (where the bfloat16 kernels must be the ones that run).
let cpuHasAMX = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("amx_bf16") ?? false

/// The AMX bfloat16 input gradient of convolutions: close to f32, and really taken on CPUs
/// that have AMX.
final class BFloat16GradientTests: XCTestCase {
    func testBFloat16BackwardDataIsCloseToFloat32() {
        installBackend()
        let geometry = WindowGeometry(kernel: 3, stride: 1, padding: 1)
        // A blocked input (bfloat16 result) and a picture's plain 3-channel one (f32 result).
        for (inputShape, inputLayout) in [([1, 32, 12, 10], Layout.channelsBlocked16), ([1, 3, 12, 10], .plain)] {
            let weight = randomTensor([48, inputShape[1], 3, 3], seed: 1)
            let dy = randomTensor([1, 48, 12, 10], layout: .channelsBlocked16, seed: 2)
            func backwardData(_ precision: CPUBackend.GradientPrecision) -> [Float] {
                let backend = CPUBackend(gradientPrecision: precision)
                let dx = backend.convolutionBackwardData(dy, reluMask: nil, weight: weight, inputShape: inputShape,
                                                         inputLayout: inputLayout, geometry: geometry)
                XCTAssertEqual(dx.layout, inputLayout)
                return backend.reorder(dx, to: .plain).toArray()
            }
            let exact = backwardData(.float32), fast = backwardData(.bfloat16)
            let error = zip(exact, fast).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertLessThan(error / norm, 1e-2, "bfloat16 gradient too far from f32 for \(inputShape)")
            if cpuHasAMX {
                XCTAssertGreaterThan(error / norm, 1e-5, "AMX is present but the f32 kernel ran for \(inputShape)")
            } else {
                XCTAssertEqual(error, 0, "without AMX the f32 kernel must run")
            }
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

/// The AMX Gram matrix: forward as accurate as f32, backward close to f32.
final class BFloat16GramTests: XCTestCase {
    /// Forward and input gradient of `gramMatrix()` on blocked `x`, with `precision`.
    private func gram(_ x: Tensor, weights dg: Tensor, _ precision: CPUBackend.GradientPrecision)
        -> (forward: [Float], gradient: [Float]) {
        let saved = Backend.current
        defer { Backend.current = saved }
        Backend.current = CPUBackend(gradientPrecision: precision)
        let v = x.variable()
        let g = v.gramMatrix(scale: 1 / Float(x.shape[1] * x.shape[2] * x.shape[3]))
        (g * dg).sum().backward()
        return (g.toArray(), v.grad!.reordered(to: .plain).toArray())
    }

    func testForwardKeepsFloat32AccuracyAndBackwardIsCloseToFloat32() {
        installBackend()
        let shape = [2, 48, 9, 7]
        let x = randomTensor(shape, layout: .channelsBlocked16, seed: 21)
        let dg = randomTensor([2, 48, 48], seed: 22)
        let values = x.reordered(to: .plain).toArray()
        let pixels = 9 * 7
        var exact = [Double](repeating: 0, count: 2 * 48 * 48)
        for n in 0..<2 { for i in 0..<48 { for j in 0..<48 {
            var sum = 0.0
            for p in 0..<pixels {
                sum += Double(values[(n * 48 + i) * pixels + p]) * Double(values[(n * 48 + j) * pixels + p])
            }
            exact[(n * 48 + i) * 48 + j] = sum / Double(48 * pixels)
        } } }
        let (f32, f32Gradient) = gram(x, weights: dg, .float32)
        let (fast, fastGradient) = gram(x, weights: dg, .bfloat16)
        func relativeError(_ a: [Float], _ b: [Double]) -> Double {
            let error = zip(a, b).reduce(0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) }.squareRoot()
            return error / b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        XCTAssertLessThan(relativeError(f32, exact), 1e-6)
        XCTAssertLessThan(relativeError(fast, exact), 1e-5, "the split bfloat16 Gram must stay near f32")
        let gradientError = relativeError(fastGradient, f32Gradient.map(Double.init))
        XCTAssertLessThan(gradientError, 1e-2)
        if cpuHasAMX {
            XCTAssertGreaterThan(gradientError, 1e-5, "AMX is present but the f32 Gram ran")
        } else {
            XCTAssertEqual(gradientError, 0, "without AMX the f32 Gram must run")
        }
    }
}
