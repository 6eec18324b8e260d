import CKernels
import Tensor

/// What instance-norm backward keeps: the normalised input, each plane lane's 1/σ, and the affine
/// parameters as they were (host copies; they are tiny).
final class InstanceNormContext {
    let normalized: Tensor
    let inverseDeviations: [Float]
    let gamma: [Float]?, beta: [Float]?
    let gammaShape: [Int]?, betaShape: [Int]?
    let appliedReLU: Bool

    init(normalized: Tensor, inverseDeviations: [Float], gamma: Tensor?, beta: Tensor?, appliedReLU: Bool) {
        self.normalized = normalized
        self.inverseDeviations = inverseDeviations
        self.gamma = gamma.map { Array($0.storage.buffer) }
        self.beta = beta.map { Array($0.storage.buffer) }
        (gammaShape, betaShape) = (gamma?.shape, beta?.shape)
        self.appliedReLU = appliedReLU
    }
}

extension CPUBackend {
    /// Index of channel `c` of sample `n` in a γ/β of `shape` (`[C]` or `[N, C]`).
    private func parameterIndex(_ shape: [Int]?, sample n: Int, channel c: Int, channels: Int) -> Int {
        shape?.count == 2 ? n * channels + c : c
    }

    public func instanceNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, epsilon: Float,
                             applyingReLU: Bool, keepingContext: Bool) -> (y: Tensor, context: AnyObject?) {
        let planes = Planes(x.shape, x.layout)
        let (lanes, pixels, channels) = (planes.lanes, planes.height * planes.width, x.shape[1])
        // x̂ is kept only for a backward pass; inference writes y alone.
        let normalized = keepingContext ? Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count)) : nil
        let y = Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count))
        var inverseDeviations = [Float](repeating: 0, count: planes.count * lanes)
        let (px, pn, py) = (x.storage.pointer, normalized?.storage.pointer, y.storage.pointer)
        let (pgamma, pbeta) = (gamma?.storage.pointer, beta?.storage.pointer)
        let (gammaShape, betaShape) = (gamma?.shape, beta?.shape)
        inverseDeviations.withUnsafeMutableBufferPointer { deviations in
            parallelTasks(planes.count) { p in
                let base = p * planes.size
                let (n, c0) = planes.sampleAndChannel(p)
                let inC = usesAVX2Elementwise && [1, 8, 16].contains(lanes)
                var (mean, variance) = ([Double](repeating: 0, count: lanes), [Double](repeating: 0, count: lanes))
                switch lanes {
                case _ where inC: ck_plane_moments(px + base, pixels, Int32(lanes), &mean, &variance)
                case 8: (mean, variance) = laneMoments(px + base, pixels: pixels, SIMD8<Float>.self)
                case 16: (mean, variance) = laneMoments(px + base, pixels: pixels, SIMD16<Float>.self)
                default: (mean, variance) = laneMoments(px + base, pixels: pixels, lanes: lanes)
                }
                var scale = [Float](repeating: 1, count: lanes), shift = [Float](repeating: 0, count: lanes)
                var means = [Float](repeating: 0, count: lanes), inverse = means
                for l in 0..<lanes {
                    let c = c0 + l
                    inverse[l] = Float(1 / (variance[l] + Double(epsilon)).squareRoot())
                    means[l] = Float(mean[l])
                    deviations[p * lanes + l] = inverse[l]
                    if let pgamma { scale[l] = pgamma[parameterIndex(gammaShape, sample: n, channel: c, channels: channels)] }
                    if let pbeta { shift[l] = pbeta[parameterIndex(betaShape, sample: n, channel: c, channels: channels)] }
                }
                let floor: Float = applyingReLU ? 0 : -.infinity
                let normal = pn.map { $0 + base }
                switch lanes {
                case _ where inC:
                    ck_plane_normalize(px + base, pixels, Int32(lanes), means, inverse, scale, shift, floor, normal, py + base)
                case 8: normalize(px + base, normal, py + base, pixels, SIMD8<Float>.self, means, inverse, scale, shift, floor)
                case 16: normalize(px + base, normal, py + base, pixels, SIMD16<Float>.self, means, inverse, scale, shift, floor)
                default:
                    for i in 0..<pixels {
                        for l in 0..<lanes {
                            let k = base + i * lanes + l
                            let value = (px[k] - means[l]) * inverse[l]
                            pn?[k] = value
                            py[k] = max(value * scale[l] + shift[l], floor)
                        }
                    }
                }
            }
        }
        guard let normalized else { return (y, nil) }
        return (y, InstanceNormContext(normalized: normalized, inverseDeviations: inverseDeviations, gamma: gamma,
                                       beta: beta, appliedReLU: applyingReLU))
    }

    public func instanceNormBackward(_ dy: Tensor, context: AnyObject) -> (x: Tensor, gamma: Tensor?, beta: Tensor?) {
        guard let context = context as? InstanceNormContext else { fatalError("not a CPU instance-norm context") }
        let normalized = context.normalized
        let dy = reorder(dy, to: normalized.layout)
        let planes = Planes(normalized.shape, normalized.layout)
        let (lanes, pixels, channels) = (planes.lanes, planes.height * planes.width, normalized.shape[1])
        let dx = Tensor(shape: normalized.shape, layout: normalized.layout, storage: Storage(count: normalized.count))
        // Per plane lane: Σg and Σg·x̂, from which dβ, dγ and dx all follow.
        var sums = [Float](repeating: 0, count: planes.count * lanes), products = sums
        let (pg, pn, pd) = (dy.storage.pointer, normalized.storage.pointer, dx.storage.pointer)
        sums.withUnsafeMutableBufferPointer { sums in
            products.withUnsafeMutableBufferPointer { products in
                parallelTasks(planes.count) { p in
                    let base = p * planes.size
                    let (n, c0) = planes.sampleAndChannel(p)
                    var scale = [Float](repeating: 1, count: lanes), shift = [Float](repeating: 0, count: lanes)
                    for l in 0..<lanes {
                        if let g = context.gamma { scale[l] = g[parameterIndex(context.gammaShape, sample: n, channel: c0 + l, channels: channels)] }
                        if let b = context.beta { shift[l] = b[parameterIndex(context.betaShape, sample: n, channel: c0 + l, channels: channels)] }
                    }
                    var sum = [Double](repeating: 0, count: lanes), product = sum
                    for i in 0..<pixels {
                        for l in 0..<lanes {
                            let k = base + i * lanes + l
                            var g = pg[k]
                            if context.appliedReLU && pn[k] * scale[l] + shift[l] <= 0 { g = 0 }
                            sum[l] += Double(g)
                            product[l] += Double(g * pn[k])
                        }
                    }
                    var meanG = [Float](repeating: 0, count: lanes), meanGX = meanG, factor = meanG
                    for l in 0..<lanes {
                        sums[p * lanes + l] = Float(sum[l])
                        products[p * lanes + l] = Float(product[l])
                        meanG[l] = Float(sum[l] / Double(pixels))
                        meanGX[l] = Float(product[l] / Double(pixels))
                        factor[l] = scale[l] * context.inverseDeviations[p * lanes + l]
                    }
                    for i in 0..<pixels {
                        for l in 0..<lanes {
                            let k = base + i * lanes + l
                            var g = pg[k]
                            if context.appliedReLU && pn[k] * scale[l] + shift[l] <= 0 { g = 0 }
                            pd[k] = factor[l] * (g - meanG[l] - pn[k] * meanGX[l])
                        }
                    }
                }
            }
        }
        func parameterGradient(_ shape: [Int]?, _ perPlane: [Float]) -> Tensor? {
            guard let shape else { return nil }
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            for p in 0..<planes.count {
                let (n, c0) = planes.sampleAndChannel(p)
                for l in 0..<lanes {
                    values[parameterIndex(shape, sample: n, channel: c0 + l, channels: channels)] += perPlane[p * lanes + l]
                }
            }
            return upload(values, shape: shape)
        }
        return (dx, parameterGradient(context.gammaShape, products), parameterGradient(context.betaShape, sums))
    }
}

/// Per lane of a plane: the mean and the biased variance of its `pixels` values, in one pass
/// over sums of d = x − x₀ and d² (x₀ the plane's first pixel, so that a mean far from zero does
/// not cancel the variance away), each run of 256 pixels in float vectors, the runs in double.
private func laneMoments<V: SIMD>(_ p: UnsafeMutablePointer<Float>, pixels: Int, _: V.Type)
    -> (mean: [Double], variance: [Double]) where V.Scalar == Float {
    let raw = UnsafeRawPointer(p), size = V.scalarCount * 4
    let origin = raw.loadUnaligned(as: V.self)
    var sum = [Double](repeating: 0, count: V.scalarCount), squares = sum
    for run in stride(from: 0, to: pixels, by: 256) {
        var (partialSum, partialSquares) = (V(), V())
        for k in run..<min(run + 256, pixels) {
            let d = raw.loadUnaligned(fromByteOffset: k * size, as: V.self) - origin
            partialSum += d
            partialSquares += d * d
        }
        for l in 0..<V.scalarCount {
            sum[l] += Double(partialSum[l])
            squares[l] += Double(partialSquares[l])
        }
    }
    let count = Double(pixels)
    let mean = (0..<V.scalarCount).map { Double(origin[$0]) + sum[$0] / count }
    let variance = (0..<V.scalarCount).map { max(0, (squares[$0] - sum[$0] * sum[$0] / count) / count) }
    return (mean, variance)
}

/// The scalar form of `laneMoments` for any lane count (two passes, in double).
private func laneMoments(_ p: UnsafeMutablePointer<Float>, pixels: Int, lanes: Int) -> (mean: [Double], variance: [Double]) {
    var sum = [Double](repeating: 0, count: lanes), squares = sum
    for i in 0..<pixels { for l in 0..<lanes { sum[l] += Double(p[i * lanes + l]) } }
    let mean = sum.map { $0 / Double(pixels) }
    for i in 0..<pixels {
        for l in 0..<lanes {
            let d = Double(p[i * lanes + l]) - mean[l]
            squares[l] += d * d
        }
    }
    return (mean, squares.map { $0 / Double(pixels) })
}

/// `normalized = (x − mean)·inverse` (when a buffer is given) and `y = max(normalized·scale + shift, floor)`
/// over a plane, in vectors.
private func normalize<V: SIMD>(_ x: UnsafeMutablePointer<Float>, _ normalized: UnsafeMutablePointer<Float>?,
                                _ y: UnsafeMutablePointer<Float>, _ pixels: Int, _: V.Type, _ mean: [Float],
                                _ inverse: [Float], _ scale: [Float], _ shift: [Float], _ floor: Float)
    where V.Scalar == Float {
    let lanes = V.scalarCount
    var (m, inv, g, b) = (V(), V(), V(), V())
    for l in 0..<lanes { (m[l], inv[l], g[l], b[l]) = (mean[l], inverse[l], scale[l], shift[l]) }
    let lowest = V(repeating: floor)
    let (source, target) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(y))
    if let normalized {
        let kept = UnsafeMutableRawPointer(normalized)
        for offset in stride(from: 0, to: pixels * lanes * 4, by: lanes * 4) {
            let n = (source.loadUnaligned(fromByteOffset: offset, as: V.self) - m) * inv
            kept.storeBytes(of: n, toByteOffset: offset, as: V.self)
            target.storeBytes(of: pointwiseMax(n * g + b, lowest), toByteOffset: offset, as: V.self)
        }
    } else {
        for offset in stride(from: 0, to: pixels * lanes * 4, by: lanes * 4) {
            let n = (source.loadUnaligned(fromByteOffset: offset, as: V.self) - m) * inv
            target.storeBytes(of: pointwiseMax(n * g + b, lowest), toByteOffset: offset, as: V.self)
        }
    }
}
