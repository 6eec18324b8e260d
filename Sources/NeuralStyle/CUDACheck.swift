import Foundation
import Tensor
import TensorCPU
import TensorCUDA

/// Whether a GPU computes what the CPU computes: every CUDA kernel of ours, cuBLAS's products and
/// cuDNN's convolutions against the same arithmetic on the CPU, then every kind of op, value and
/// gradients through the engine, on the CUDA backend and on the CPU backend from the same
/// inputs (float32 and TF32). For `neural-style devices --check`.
public enum CUDACheck {
    /// One line per comparison, and whether all passed; throws one line when GPU `ordinal`
    /// cannot be used.
    public static func run(ordinal: Int) throws -> (lines: [String], passed: Bool) {
        let device = try CUDADevice(ordinal: ordinal)
        var lines = ["cuda:\(ordinal): \(device.info.name), compute capability "
                     + "\(device.info.computeCapability.major).\(device.info.computeCapability.minor)"]
        let kernels = try CUDAKernelCheck.run(on: device)
        lines += kernels.map(\.description)
        var passed = kernels.allSatisfy(\.passed)
        let cpu = CPUBackend(gradientPrecision: .float32, winograd: .never)
        for precision in CUDABackend.Precision.allCases {
            let cuda = try CUDABackend(ordinal: ordinal, precision: precision)
            let tolerance = precision == .tf32 ? 5e-3 : 1e-4
            for item in cases {
                var random = SeededGenerator(seed: 11)
                let inputs = item.shapes.map { shape in (0..<shape.reduce(1, *)).map { _ in random.nextGaussian() } }
                func evaluate(on backend: ComputeBackend) -> [[Float]] {
                    Backend.current = backend
                    let tensors = zip(item.shapes, inputs).map {
                        Tensor(shape: $0, values: $1, requiresGrad: item.gradients)
                    }
                    let loss = item.loss(tensors)
                    if item.gradients { loss.backward() }
                    return [loss.toArray()] + (item.gradients ? tensors.map { $0.grad?.toArray() ?? [] } : [])
                }
                let (expected, got) = (evaluate(on: cpu), evaluate(on: cuda))
                for (index, (e, g)) in zip(expected, got).enumerated() {
                    let difference = CUDAKernelCheck.difference(g, from: e)
                    passed = passed && difference <= tolerance
                    lines.append("\(difference <= tolerance ? "ok  " : "FAIL") backend \(precision) \(item.name), "
                                 + "\(index == 0 ? "value" : "gradient \(index)"): "
                                 + "\(String(format: "%.2e", difference)) <= \(tolerance)")
                }
            }
        }
        Backend.current = cpu
        return (lines, passed)
    }

    /// One computation: a scalar from its inputs (made with these shapes, Gaussian values).
    private struct Case {
        let name: String
        let shapes: [[Int]]
        /// Whether the inputs' gradients are compared too (an element-wise expression has none).
        var gradients = true
        let loss: ([Tensor]) -> Tensor
    }

    private static let cases: [Case] = [
        Case(name: "conv 3×3 pad 1, bias, ReLU", shapes: [[2, 6, 9, 11], [5, 6, 3, 3], [5]]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1).relu().squared().sum()
        },
        Case(name: "conv stride 2, groups 2, uneven padding", shapes: [[2, 6, 9, 11], [4, 3, 3, 3]]) {
            $0[0].conv2d(weight: $0[1], stride: 2, padding: Padding2D(top: 1, bottom: 0, left: 1, right: 2), groups: 2)
                .squared().sum()
        },
        Case(name: "Gram matrix", shapes: [[2, 5, 7, 9]]) { $0[0].gramMatrix(scale: 0.1).squared().sum() },
        Case(name: "instance norm, γ β per channel, ReLU", shapes: [[2, 3, 7, 9], [3], [3]]) {
            ($0[0].instanceNormalized(gamma: $0[1], beta: $0[2], applyingReLU: true) * $0[0]).sum()
        },
        Case(name: "instance norm, γ per sample", shapes: [[2, 3, 7, 9], [2, 3]]) {
            ($0[0].instanceNormalized(gamma: $0[1]) * $0[0]).sum()
        },
        Case(name: "max pooling", shapes: [[2, 3, 8, 10]]) { ($0[0].pooled(.max) * 1.5).squared().sum() },
        Case(name: "average pooling 3/2", shapes: [[2, 3, 9, 11]]) { $0[0].pooled(.average, kernel: 3, stride: 2).squared().sum() },
        Case(name: "reflection and replication padding", shapes: [[2, 3, 6, 7]]) {
            ($0[0].padded(Padding2D(top: 2, bottom: 1, left: 1, right: 3), mode: .reflect).squared().sum()
             + $0[0].padded(Padding2D(top: 1, bottom: 2, left: 3, right: 0), mode: .replicate).tanh().sum())
        },
        Case(name: "upsampling ×2", shapes: [[2, 3, 5, 6]]) { $0[0].upsampledNearest(factor: 2).squared().sum() },
        Case(name: "batched matmul, shared, transposed", shapes: [[3, 7, 5], [1, 4, 5]]) {
            $0[0].matmul($0[1], transposingOther: true).squared().sum()
        },
        Case(name: "broadcast arithmetic and unary functions", shapes: [[2, 3, 5, 6], [1, 3, 1, 1], [2, 3, 5, 6]]) {
            let (a, b, c) = ($0[0], $0[1], $0[2])
            return ((a * b + c / (b.squared() + 1)).sigmoid() - (a - c).tanh() * 0.5 + (c.squared() + 1).sqrt()
                    + a.clamped(-0.5, 0.5) + c.fakeQuantized(scale: 0.05, zeroPoint: 3)).sum()
        },
        Case(name: "sums, means, slices, concatenation", shapes: [[2, 3, 5, 6], [2, 2, 5, 6]]) {
            let joined = Tensor.concatenate([$0[0], $0[1]], axis: 1)
            return joined.sum(alongAxes: [0, 2], keepingDimensions: true).squared().sum()
                + joined.slice(axis: 3, 1..<4).mean(alongAxes: [1]).squared().sum() + $0[0].absoluteSum()
        },
        Case(name: "a VGG-like stack: conv, ReLU, pooling, conv, Gram and content losses", shapes: [[1, 3, 16, 20],
             [8, 3, 3, 3], [8], [16, 8, 3, 3], [16], [1, 16, 8, 10]]) {
            let first = $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1).relu()
            let second = first.pooled(.max).conv2d(weight: $0[3], bias: $0[4], padding: 1).relu()
            return first.gramMatrix(scale: 1e-2).squared().sum() + second.gramMatrix(scale: 1e-2).squared().sum()
                + (second - $0[5]).squared().sum()
        },
        Case(name: "an element-wise expression and its spatial mean (values only)", shapes: [[2, 3, 5, 6], [1, 3, 1, 1]],
             gradients: false) {
            let expression = ElementwiseExpression(inputCount: 2, steps: [
                .binary(.multiply, 0, 1), .unary(.tanh, 2), .relu(3), .binary(.add, 4, 0), .unary(.square, 5),
            ])
            let (result, mean) = Tensor.evaluate(expression, on: [$0[0], $0[1]], spatialMean: true)
            return result!.sum() + mean!.squared().sum()
        },
    ]
}
