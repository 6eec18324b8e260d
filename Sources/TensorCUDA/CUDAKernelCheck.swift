import Foundation
import Tensor

/// Runs every kernel of `CUDAKernelSources` on a GPU and compares what it computed with the same
/// arithmetic done here on the CPU, one line per case: the check a GPU machine runs first
/// (`neural-style-bench cuda-kernels`, and the tests where a GPU is present).
public enum CUDAKernelCheck {
    /// One kernel on one input: the largest difference from the CPU's values, relative to their
    /// largest magnitude, and the most it may be.
    public struct Result: CustomStringConvertible {
        /// The kernel and its case, e.g. "pad reflect".
        public let name: String
        /// max |GPU − CPU| / max(1, max |CPU|).
        public let difference: Double
        /// The most `difference` may be.
        public let tolerance: Double
        /// Whether it is within `tolerance`.
        public var passed: Bool { difference <= tolerance }
        public var description: String {
            "\(passed ? "ok  " : "FAIL") \(name): \(String(format: "%.2e", difference)) <= \(String(format: "%g", tolerance))"
        }
    }

    /// Every kernel on small inputs of awkward sizes (not multiples of the block size).
    public static func run(on device: CUDADevice) throws -> [Result] {
        var results: [Result] = []
        var random = SeededGenerator(seed: 7)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextGaussian() } }
        func compare(_ name: String, _ gpu: [Float], _ cpu: [Float], tolerance: Double = 1e-6) {
            let scale = max(1, cpu.map { abs(Double($0)) }.max() ?? 0)
            let worst = zip(gpu, cpu).map { $0.isNaN && $1.isNaN ? 0 : abs(Double($0) - Double($1)) }.max() ?? 0
            results.append(Result(name: name, difference: gpu.count == cpu.count ? worst / scale : .infinity,
                                  tolerance: tolerance))
        }
        func buffer(_ storage: Storage) -> CUDADevice.Argument { .buffer(UnsafeMutableRawPointer(storage.pointer)) }

        let n = 10_007
        let (a, b) = (values(n), values(n))
        let (x, y) = (try device.upload(a), try device.upload(b))
        let out = Storage(count: n, pool: device.pool)

        try device.launch("fill", elements: n, [buffer(out), .float(2.5), .long(n)])
        compare("fill", try device.download(out), [Float](repeating: 2.5, count: n))
        try device.launch("affine", elements: n, [buffer(x), buffer(out), .float(-1.5), .float(0.25), .long(n)])
        compare("affine", try device.download(out), a.map { $0 * -1.5 + 0.25 })
        for (operation, name) in ["add", "subtract", "multiply", "divide"].enumerated() {
            try device.launch("binary_same_shape", elements: n, [.int(Int32(operation)), buffer(x), buffer(y), buffer(out), .long(n)])
            let expected = zip(a, b).map { p, q in [p + q, p - q, p * q, p / q][operation] }
            compare("binary_same_shape \(name)", try device.download(out), expected)
        }
        let sum = try device.upload(b)
        try device.launch("add_into", elements: n, [buffer(x), buffer(sum), .long(n)])
        compare("add_into", try device.download(sum), zip(a, b).map(+))
        let target = try device.upload(b)
        try device.launch("axpy", elements: n, [.float(0.75), buffer(x), buffer(target), .long(n)])
        compare("axpy", try device.download(target), zip(a, b).map { 0.75 * $0 + $1 })
        try device.launch("relu", elements: n, [buffer(x), buffer(out), .long(n)])
        compare("relu", try device.download(out), a.map { $0 > 0 || $0.isNaN ? $0 : 0 })
        try device.launch("relu_backward", elements: n, [buffer(y), buffer(x), buffer(out), .long(n)])
        compare("relu_backward", try device.download(out), zip(b, a).map { dy, y in y > 0 ? dy : 0 })
        let unaries: [(String, Float, Float, (Float) -> Float)] = [
            ("tanh", 0, 0, { Foundation.tanh($0) }), ("sigmoid", 0, 0, { 1 / (1 + Foundation.exp(-$0)) }),
            ("sqrt", 0, 0, { $0.squareRoot() }), ("square", 0, 0, { $0 * $0 }),
            ("clamp", -0.5, 0.5, { min(max($0, -0.5), 0.5) }),
            ("quantise", 0.0137, 3, { (min(max(($0 / 0.0137).rounded(.toNearestOrEven) + 3, -128), 127) - 3) * 0.0137 }),
        ]
        for (operation, (name, low, high, f)) in unaries.enumerated() {
            try device.launch("unary", elements: n, [.int(Int32(operation)), buffer(x), buffer(out), .float(low), .float(high), .long(n)])
            compare("unary \(name)", try device.download(out), a.map(f), tolerance: name == "tanh" || name == "sigmoid" ? 1e-6 : 0)
        }

        // Reductions: partials per block in double, then one block adds them.
        let blocks = 37
        let partials = Storage(count: 2 * blocks, pool: device.pool)  // `blocks` doubles
        let total = Storage(count: 1, pool: device.pool)
        try device.launch("dot_partials", blocks: blocks, [buffer(x), buffer(y), buffer(partials), .long(n)])
        try device.launch("sum_partials", blocks: 1, [buffer(partials), buffer(total), .long(blocks)])
        compare("dot", try device.download(total), [Float(zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })])
        try device.launch("absolute_sum_partials", blocks: blocks, [buffer(x), buffer(partials), .long(n)])
        try device.launch("sum_partials", blocks: 1, [buffer(partials), buffer(total), .long(blocks)])
        compare("absolute_sum", try device.download(total), [Float(a.reduce(0.0) { $0 + abs(Double($1)) })])

        let (m0, v0) = (values(n), values(n).map { $0 * $0 })
        let (parameter, m, v) = (try device.upload(a), try device.upload(m0), try device.upload(v0))
        try device.launch("adam_update", elements: n, [buffer(parameter), buffer(y), buffer(m), buffer(v), .float(0.9),
                                                       .float(0.999), .float(0.01), .float(0.3), .float(1e-8), .long(n)])
        var (p1, m1, v1) = (a, m0, v0)
        for i in 0..<n {
            m1[i] = 0.9 * m0[i] + (1 - 0.9) * b[i]
            v1[i] = 0.999 * v0[i] + (1 - 0.999) * b[i] * b[i]
            p1[i] = a[i] - 0.01 * m1[i] / ((v1[i] / 0.3).squareRoot() + 1e-8)
        }
        compare("adam_update parameter", try device.download(parameter), p1, tolerance: 1e-5)
        compare("adam_update m", try device.download(m), m1)
        compare("adam_update v", try device.download(v), v1)

        // Images: 2 planes of 7×9, padded (1, 2, 2, 1), upsampled ×2, instance-normalised.
        let (planes, height, width) = (2, 7, 9)
        let (top, bottom, left, right) = (1, 2, 2, 1)
        let (outHeight, outWidth) = (height + top + bottom, width + left + right)
        let picture = values(planes * height * width)
        let gradient = values(planes * outHeight * outWidth)
        let (pictureOnDevice, gradientOnDevice) = (try device.upload(picture), try device.upload(gradient))
        let padded = Storage(count: gradient.count, pool: device.pool)
        let back = Storage(count: picture.count, pool: device.pool)
        for (mode, name) in ["zeros", "reflect", "replicate"].enumerated() {
            func source(_ o: Int, _ before: Int, _ size: Int) -> Int? {
                let i = o - before
                if (0..<size).contains(i) { return i }
                if mode == 0 { return nil }
                if mode == 2 { return i < 0 ? 0 : size - 1 }
                return i < 0 ? -i : 2 * (size - 1) - i
            }
            var expected = [Float](repeating: 0, count: gradient.count)
            var expectedBack = [Float](repeating: 0, count: picture.count)
            for plane in 0..<planes {
                for row in 0..<outHeight {
                    for column in 0..<outWidth {
                        guard let r = source(row, top, height), let c = source(column, left, width) else { continue }
                        let (o, i) = ((plane * outHeight + row) * outWidth + column, (plane * height + r) * width + c)
                        expected[o] = picture[i]
                        expectedBack[i] += gradient[o]
                    }
                }
            }
            let geometry: [CUDADevice.Argument] = [.long(planes), .int(Int32(height)), .int(Int32(width)), .int(Int32(top)),
                                                   .int(Int32(left)), .int(Int32(outHeight)), .int(Int32(outWidth)),
                                                   .int(Int32(mode))]
            try device.launch("pad", elements: gradient.count, [buffer(pictureOnDevice), buffer(padded)] + geometry)
            compare("pad \(name)", try device.download(padded), expected, tolerance: 0)
            try device.launch("pad_backward", elements: picture.count, [buffer(gradientOnDevice), buffer(back)] + geometry)
            compare("pad_backward \(name)", try device.download(back), expectedBack)
        }

        let factor = 2
        let upsampled = Storage(count: picture.count * factor * factor, pool: device.pool)
        try device.launch("upsample_nearest", elements: upsampled.count,
                          [buffer(pictureOnDevice), buffer(upsampled), .long(planes), .int(Int32(height)), .int(Int32(width)),
                           .int(Int32(factor))])
        let upsampledValues = try device.download(upsampled)
        var expectedUp = [Float](repeating: 0, count: upsampled.count)
        var expectedDown = [Float](repeating: 0, count: picture.count)
        for plane in 0..<planes {
            for row in 0..<(height * factor) {
                for column in 0..<(width * factor) {
                    let o = (plane * height * factor + row) * width * factor + column
                    let i = (plane * height + row / factor) * width + column / factor
                    expectedUp[o] = picture[i]
                    expectedDown[i] += upsampledValues[o]
                }
            }
        }
        compare("upsample_nearest", upsampledValues, expectedUp, tolerance: 0)
        try device.launch("upsample_nearest_backward", elements: picture.count,
                          [buffer(upsampled), buffer(back), .long(planes), .int(Int32(height)), .int(Int32(width)),
                           .int(Int32(factor))])
        compare("upsample_nearest_backward", try device.download(back), expectedDown)

        let planeSize = height * width
        let (mean, inverse) = (Storage(count: planes, pool: device.pool), Storage(count: planes, pool: device.pool))
        try device.launch("instance_norm_statistics", blocks: planes,
                          [buffer(pictureOnDevice), buffer(mean), buffer(inverse), .long(planeSize), .float(1e-5)])
        let (gamma, beta) = (values(planes), values(planes))
        let (gammaOnDevice, betaOnDevice) = (try device.upload(gamma), try device.upload(beta))
        let normalised = Storage(count: picture.count, pool: device.pool)
        try device.launch("instance_norm_apply", elements: picture.count,
                          [buffer(pictureOnDevice), buffer(normalised), buffer(mean), buffer(inverse), buffer(gammaOnDevice),
                           buffer(betaOnDevice), .int(Int32(planes)), .int(0), .long(planeSize), .long(planes), .int(1)])
        var expectedNorm = [Float](repeating: 0, count: picture.count)
        for plane in 0..<planes {
            let values = picture[(plane * planeSize)..<((plane + 1) * planeSize)].map(Double.init)
            let mu = values.reduce(0, +) / Double(planeSize)
            let variance = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(planeSize)
            for (k, value) in values.enumerated() {
                let normal = Float((value - mu) / (variance + 1e-5).squareRoot()) * gamma[plane] + beta[plane]
                expectedNorm[plane * planeSize + k] = max(normal, 0)
            }
        }
        compare("instance_norm (channels: gamma, beta, ReLU)", try device.download(normalised), expectedNorm, tolerance: 1e-5)
        try device.synchronize()
        return results
    }
}
