import Foundation
import Tensor

/// Runs every kernel of `CUDAKernelSources`, cuBLAS's products and cuDNN's convolutions on a GPU and compares what
/// they computed with the same arithmetic done here on the CPU, one line per case: the check a
/// GPU machine runs first (`neural-style devices --check`, and the tests where a GPU is present).
public final class CUDAKernelCheck {
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

    /// Every kernel on small inputs of awkward sizes (not multiples of the block size), then
    /// cuBLAS's and cuDNN's operations.
    public static func run(on device: CUDADevice) throws -> [Result] {
        let check = CUDAKernelCheck(device)
        try check.elementwise()
        try check.reductions()
        try check.images()
        try check.products()
        try check.convolutions()
        try device.synchronize()
        return check.results
    }

    private let device: CUDADevice
    private var results: [Result] = []
    private var random = SeededGenerator(seed: 7)

    private init(_ device: CUDADevice) { self.device = device }

    private func values(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextGaussian() } }

    private func compare(_ name: String, _ gpu: [Float], _ cpu: [Float], tolerance: Double = 1e-6) {
        results.append(Result(name: name, difference: Self.difference(gpu, from: cpu), tolerance: tolerance))
    }

    /// The largest |got − expected| relative to max(1, the largest |expected|): infinite where the
    /// counts differ or only one side is NaN, 0 where both are.
    public static func difference(_ got: [Float], from expected: [Float]) -> Double {
        guard got.count == expected.count else { return .infinity }
        let scale = max(1, expected.lazy.filter { !$0.isNaN }.map { abs(Double($0)) }.max() ?? 0)
        var worst = 0.0
        for (g, e) in zip(got, expected) {
            if g.isNaN != e.isNaN { return .infinity }
            if !g.isNaN { worst = max(worst, abs(Double(g) - Double(e))) }
        }
        return worst / scale
    }

    private func buffer(_ storage: Storage) -> CUDADevice.Argument { .buffer(UnsafeMutableRawPointer(storage.pointer)) }

    /// Fill, affine, add, axpy, the four binary operations, ReLU and its gradient, the unary
    /// functions, Adam's update.
    private func elementwise() throws {
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
        let unaries: [(String, [Float], (Float) -> Float)] = [
            ("tanh", [0, 0, 0, 0], { Foundation.tanh($0) }), ("sigmoid", [0, 0, 0, 0], { 1 / (1 + Foundation.exp(-$0)) }),
            ("sqrt", [0, 0, 0, 0], { $0.squareRoot() }), ("square", [0, 0, 0, 0], { $0 * $0 }),
            ("clamp", [-0.5, 0.5, 0, 0], { min(max($0, -0.5), 0.5) }),
            ("fake quantisation", [0.0137, 3, -128, 127],
             { (min(max(($0 / 0.0137).rounded(.toNearestOrEven) + 3, -128), 127) - 3) * 0.0137 }),
        ]
        for (operation, (name, parameters, f)) in unaries.enumerated() {
            try device.launch("unary", elements: n, [.int(Int32(operation)), buffer(x), buffer(out)]
                              + parameters.map { .float($0) } + [.long(n)])
            compare("unary \(name)", try device.download(out), a.map(f), tolerance: operation < 2 ? 1e-6 : 0)
        }

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
    }

    /// Dot product and absolute sum: partials per block in double, then one block adds them.
    private func reductions() throws {
        let n = 100_003
        let (a, b) = (values(n), values(n))
        let (x, y) = (try device.upload(a), try device.upload(b))
        let blocks = 37
        let partials = Storage(count: 2 * blocks, pool: device.pool)  // `blocks` doubles
        let total = Storage(count: 1, pool: device.pool)
        try device.launch("dot_partials", blocks: blocks, [buffer(x), buffer(y), buffer(partials), .long(n)])
        try device.launch("sum_partials", blocks: 1, [buffer(partials), buffer(total), .long(blocks)])
        compare("dot", try device.download(total), [Float(zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })])
        try device.launch("absolute_sum_partials", blocks: blocks, [buffer(x), buffer(partials), .long(n)])
        try device.launch("sum_partials", blocks: 1, [buffer(partials), buffer(total), .long(blocks)])
        compare("absolute_sum", try device.download(total), [Float(a.reduce(0.0) { $0 + abs(Double($1)) })])
    }

    /// Padding in three modes and its gradient, ×2 upsampling and its gradient, instance normalisation.
    private func images() throws {
        // 2 planes of 7×9, padded (1, 2, 2, 1).
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
    }

    /// cuBLAS: every transposition, a batch of 3 sharing one right-hand matrix, TF32 and float32.
    private func products() throws {
        let (rows, columns, inner, batch) = (37, 29, 53, 3)
        let left = values(batch * rows * inner), right = values(inner * columns)
        let (leftOnDevice, rightOnDevice) = (try device.upload(left), try device.upload(right))
        let product = Storage(count: batch * rows * columns, pool: device.pool)
        for (transposingA, transposingB) in [(false, false), (true, false), (false, true), (true, true)] {
            var expected = [Float](repeating: 0, count: product.count)
            for entry in 0..<batch {
                for i in 0..<rows {
                    for j in 0..<columns {
                        var total = 0.0
                        for p in 0..<inner {
                            let l = left[entry * rows * inner + (transposingA ? p * rows + i : i * inner + p)]
                            let r = right[transposingB ? j * inner + p : p * columns + j]
                            total += Double(l) * Double(r)
                        }
                        expected[(entry * rows + i) * columns + j] = Float(total)
                    }
                }
            }
            for (precision, tolerance) in [(CUBLAS.Precision.float32, 1e-5), (.tf32, 3e-3)] {
                try device.cublas().multiply(UnsafeRawPointer(leftOnDevice.pointer), strideA: rows * inner,
                                             transposingA: transposingA, UnsafeRawPointer(rightOnDevice.pointer), strideB: 0,
                                             transposingB: transposingB, into: UnsafeMutableRawPointer(product.pointer),
                                             m: rows, n: columns, k: inner, batch: batch, precision: precision)
                compare("cuBLAS \(precision) product\(transposingA ? " Aᵀ" : "")\(transposingB ? " Bᵀ" : "")",
                        try device.download(product), expected, tolerance: tolerance)
            }
        }
    }

    /// cuDNN: a padded 3×3 convolution and a strided, grouped, unpadded one; forward and both gradients, in float32 and TF32.
    private func convolutions() throws {
        let convolutions = [
            CUDNN.Convolution(input: [2, 6, 9, 11], filters: [5, 6, 3, 3], padding: (1, 1), stride: 1, groups: 1, tf32: false),
            CUDNN.Convolution(input: [2, 6, 9, 11], filters: [4, 3, 3, 3], padding: (0, 0), stride: 2, groups: 2, tf32: false),
        ]
        for base in convolutions {
            let shape = base.output
            let xs = values(base.input.reduce(1, *)), ws = values(base.filters.reduce(1, *)), dys = values(shape.reduce(1, *))
            var (ys, dxs, dws) = ([Double](repeating: 0, count: dys.count), [Double](repeating: 0, count: xs.count),
                                  [Double](repeating: 0, count: ws.count))
            let (k, cPerGroup, r, sWidth) = (base.filters[0], base.filters[1], base.filters[2], base.filters[3])
            let (c, h, w) = (base.input[1], base.input[2], base.input[3])
            for image in 0..<base.input[0] {
                for o in 0..<k {
                    let group = o / (k / base.groups)
                    for row in 0..<shape[2] {
                        for column in 0..<shape[3] {
                            let out = ((image * k + o) * shape[2] + row) * shape[3] + column
                            for ci in 0..<cPerGroup {
                                let channel = group * cPerGroup + ci
                                for i in 0..<r {
                                    for j in 0..<sWidth {
                                        let (y, x) = (row * base.stride + i - base.padding.height,
                                                      column * base.stride + j - base.padding.width)
                                        guard (0..<h).contains(y), (0..<w).contains(x) else { continue }
                                        let input = ((image * c + channel) * h + y) * w + x
                                        let filter = ((o * cPerGroup + ci) * r + i) * sWidth + j
                                        ys[out] += Double(xs[input]) * Double(ws[filter])
                                        dxs[input] += Double(dys[out]) * Double(ws[filter])
                                        dws[filter] += Double(dys[out]) * Double(xs[input])
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let (x, wOnDevice, dy) = (try device.upload(xs), try device.upload(ws), try device.upload(dys))
            let (y, dx, dw) = (Storage(count: dys.count, pool: device.pool), Storage(count: xs.count, pool: device.pool),
                               Storage(count: ws.count, pool: device.pool))
            let name = "cuDNN convolution \(base.filters[2])×\(base.filters[3]) stride \(base.stride) groups \(base.groups)"
            for tf32 in [false, true] {
                var shape = base
                shape.tf32 = tf32
                let tolerance = tf32 ? 3e-3 : 1e-5
                try device.withWorkspace { workspace in
                    try device.cudnn().convolve(shape, x: x.pointer, w: wOnDevice.pointer, y: y.pointer, workspace: workspace)
                    try device.cudnn().inputGradient(shape, dy: dy.pointer, w: wOnDevice.pointer, dx: dx.pointer,
                                                     workspace: workspace)
                    try device.cudnn().filterGradient(shape, x: x.pointer, dy: dy.pointer, dw: dw.pointer, workspace: workspace)
                }
                let precision = tf32 ? "tf32" : "float32"
                compare("\(name) forward \(precision)", try device.download(y), ys.map(Float.init), tolerance: tolerance)
                compare("\(name) input gradient \(precision)", try device.download(dx), dxs.map(Float.init), tolerance: tolerance)
                compare("\(name) filter gradient \(precision)", try device.download(dw), dws.map(Float.init), tolerance: tolerance)
            }
        }
    }
}
