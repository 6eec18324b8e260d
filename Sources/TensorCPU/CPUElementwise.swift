import CKernels
import Foundation
import Tensor

/// Whether `CKernels`'s AVX2 loops run (where the CPU has AVX2; tests turn them off to check
/// the Swift ones).
nonisolated(unsafe) var usesAVX2Elementwise = ck_available() != 0

/// Element offsets of a row-major shape, with 0 as the stride of every axis of extent 1, so
/// that walking another (broadcast) shape with them reads the repeated element.
func broadcastStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 0, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
        strides[axis] = shape[axis] == 1 ? 0 : step
        step *= shape[axis]
    }
    return strides
}

/// Calls `body(row, offsets)` for each row (all axes but the last) of `shape`, in parallel, with
/// the first element's offset in each operand described by `strides`.
func forEachRow(of shape: [Int], strides: [[Int]], _ body: (Int, [Int]) -> Void) {
    let rank = shape.count
    let rows = shape.dropLast().reduce(1, *)
    parallelTasks(min(rows, ProcessInfo.processInfo.activeProcessorCount * 4)) { task in
        let tasks = min(rows, ProcessInfo.processInfo.activeProcessorCount * 4)
        for row in (rows * task / tasks)..<(rows * (task + 1) / tasks) {
            var offsets = [Int](repeating: 0, count: strides.count)
            var rest = row
            for axis in (0..<(rank - 1)).reversed() {
                let index = rest % shape[axis]
                rest /= shape[axis]
                for k in strides.indices { offsets[k] += index * strides[k][axis] }
            }
            body(row, offsets)
        }
    }
}

/// `y[i] = f(x[i])` for `i < count` (`x` and `y` may be the same): the loops of `unary`, shared
/// with the element-wise expressions so that both compute the same bits.
func applyUnary(_ operation: UnaryOperation, _ px: UnsafeMutablePointer<Float>, _ py: UnsafeMutablePointer<Float>,
                _ count: Int) {
    switch operation {
    case .tanh: for i in 0..<count { py[i] = Foundation.tanh(px[i]) }
    case .sigmoid: for i in 0..<count { py[i] = 1 / (1 + Foundation.exp(-px[i])) }
    case .sqrt: for i in 0..<count { py[i] = px[i].squareRoot() }
    case .square: for i in 0..<count { py[i] = px[i] * px[i] }
    case let .clamp(low, high): for i in 0..<count { py[i] = min(max(px[i], low), high) }
    case let .fakeQuantize(scale, zeroPoint, low, high) where usesAVX2Elementwise:
        ck_fake_quantize(px, count, scale, zeroPoint, low, high, py)
    case let .fakeQuantize(scale, zeroPoint, low, high):
        // Rounded to the nearest integer (ties to even) by adding and subtracting 1.5·2²³,
        // exact once clamped into ±2²²; a loop the compiler vectorises, unlike `rounded`.
        let (lowest, highest, magic) = (low - zeroPoint - 1, high - zeroPoint + 1, Float(12_582_912))
        for i in 0..<count {
            let quotient = min(max(px[i] / scale, lowest), highest)
            let q = min(max((quotient + magic) - magic + zeroPoint, low), high)
            py[i] = (q - zeroPoint) * scale
        }
    }
}

/// `y[i] = a[i] ∘ b[i]` for `i < count` (any of them may be the same buffer): the loops of
/// same-shape `binary`.
func applyBinary(_ operation: BinaryOperation, _ pa: UnsafeMutablePointer<Float>, _ pb: UnsafeMutablePointer<Float>,
                 _ py: UnsafeMutablePointer<Float>, _ count: Int) {
    switch operation {
    case .add: for i in 0..<count { py[i] = pa[i] + pb[i] }
    case .subtract: for i in 0..<count { py[i] = pa[i] - pb[i] }
    case .multiply: for i in 0..<count { py[i] = pa[i] * pb[i] }
    case .divide: for i in 0..<count { py[i] = pa[i] / pb[i] }
    }
}

extension CPUBackend {
    public func binary(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor {
        if a.shape == b.shape { return sameShapeBinary(operation, a, b) }
        if a.layout != .plain || b.layout != .plain { return channelBroadcastBinary(operation, a, b) }
        precondition(a.layout == .plain && b.layout == .plain && a.shape.count == b.shape.count,
                     "broadcast \(operation) of \(a) and \(b)")
        let shape = zip(a.shape, b.shape).map { max($0, $1) }
        guard !shape.isEmpty else { return sameShapeBinary(operation, a, b) }
        let y = Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *)))
        let (pa, pb, py) = (a.storage.pointer, b.storage.pointer, y.storage.pointer)
        let (sa, sb) = (broadcastStrides(a.shape), broadcastStrides(b.shape))
        let width = shape.last!
        let (ia, ib) = (sa.last!, sb.last!)
        forEachRow(of: shape, strides: [sa, sb]) { row, offsets in
            let (ra, rb, ry) = (pa + offsets[0], pb + offsets[1], py + row * width)
            switch operation {
            case .add: for j in 0..<width { ry[j] = ra[j * ia] + rb[j * ib] }
            case .subtract: for j in 0..<width { ry[j] = ra[j * ia] - rb[j * ib] }
            case .multiply: for j in 0..<width { ry[j] = ra[j * ia] * rb[j * ib] }
            case .divide: for j in 0..<width { ry[j] = ra[j * ia] / rb[j * ib] }
            }
        }
        return y
    }

    /// `a ∘ b` where one operand is a blocked `[N, C, H, W]` tensor and the other a plain
    /// per-channel `[1, C, 1, 1]` or per-sample-and-channel `[N, C, 1, 1]` one, in the blocked
    /// layout (no reorder of the large operand).
    private func channelBroadcastBinary(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor {
        let fullIsA = a.layout != .plain
        let (full, small) = fullIsA ? (a, b) : (b, a)
        let (n, c, hw) = (full.shape[0], full.shape[1], full.shape[2] * full.shape[3])
        precondition(small.layout == .plain && full.shape.count == 4 && small.shape.count == 4
                     && (small.shape[0] == 1 || small.shape[0] == n) && small.shape[1] == c
                     && small.shape[2] == 1 && small.shape[3] == 1, "broadcast \(operation) of \(a) and \(b)")
        let block = full.layout.blockSize
        let blocks = c / block
        let y = Tensor(shape: full.shape, layout: full.layout, storage: Storage(count: full.count))
        let (px, pv, py) = (full.storage.pointer, small.storage.pointer, y.storage.pointer)
        let sampleStride = small.shape[0] == n && n > 1 ? c : 0
        parallelTasks(n * blocks) { task in
            let (sample, channelBlock) = (task / blocks, task % blocks)
            let base = task * hw * block
            let values = pv + sample * sampleStride + channelBlock * block
            if block == 8 {
                let v = UnsafeRawPointer(values).loadUnaligned(as: SIMD8<Float>.self)
                let (x, out) = (UnsafeRawPointer(px + base), UnsafeMutableRawPointer(py + base))
                func apply(_ f: (SIMD8<Float>) -> SIMD8<Float>) {
                    for pixel in 0..<hw {
                        out.storeBytes(of: f(x.loadUnaligned(fromByteOffset: pixel * 32, as: SIMD8<Float>.self)),
                                       toByteOffset: pixel * 32, as: SIMD8<Float>.self)
                    }
                }
                switch (operation, fullIsA) {
                case (.add, _): apply { $0 + v }
                case (.multiply, _): apply { $0 * v }
                case (.subtract, true): apply { $0 - v }
                case (.subtract, false): apply { v - $0 }
                case (.divide, true): apply { $0 / v }
                case (.divide, false): apply { v / $0 }
                }
                return
            }
            for pixel in 0..<hw {
                let (x, out) = (px + base + pixel * block, py + base + pixel * block)
                for lane in 0..<block {
                    let (u, v) = fullIsA ? (x[lane], values[lane]) : (values[lane], x[lane])
                    switch operation {
                    case .add: out[lane] = u + v
                    case .subtract: out[lane] = u - v
                    case .multiply: out[lane] = u * v
                    case .divide: out[lane] = u / v
                    }
                }
            }
        }
        return y
    }

    public func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor {
        let y = Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count))
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        parallelChunks(x.count) { range in for i in range { py[i] = px[i] * scale + shift } }
        return y
    }

    public func unary(_ operation: UnaryOperation, _ x: Tensor) -> Tensor {
        let y = Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count))
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        parallelChunks(x.count) { range in applyUnary(operation, px + range.lowerBound, py + range.lowerBound, range.count) }
        return y
    }

    public func unaryBackward(_ operation: UnaryOperation, _ dy: Tensor, x: Tensor, y: Tensor) -> Tensor {
        let dy = reorder(dy, to: x.layout)
        let dx = Tensor(shape: x.shape, layout: x.layout, storage: Storage(count: x.count))
        let y = reorder(y, to: x.layout)
        let (pg, px, py, pd) = (dy.storage.pointer, x.storage.pointer, y.storage.pointer, dx.storage.pointer)
        parallelChunks(x.count) { range in
            switch operation {
            case .tanh: for i in range { pd[i] = pg[i] * (1 - py[i] * py[i]) }
            case .sigmoid: for i in range { pd[i] = pg[i] * py[i] * (1 - py[i]) }
            case .sqrt: for i in range { pd[i] = pg[i] * 0.5 / py[i] }
            case .square: for i in range { pd[i] = pg[i] * 2 * px[i] }
            case let .clamp(low, high): for i in range { pd[i] = px[i] > low && px[i] < high ? pg[i] : 0 }
            case let .fakeQuantize(scale, zeroPoint, low, high):
                for i in range {
                    let q = (px[i] / scale).rounded(.toNearestOrEven) + zeroPoint
                    pd[i] = q >= low && q <= high ? pg[i] : 0
                }
            }
        }
        return dx
    }

    // MARK: optimiser kernels

    public func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) {
        precondition(x.count == y.count && x.layout == y.layout, "axpy of \(x) into \(y)")
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        parallelChunks(x.count) { range in for i in range { py[i] += alpha * px[i] } }
        y.storage.markModified()
    }

    public func dot(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count == b.count && a.layout == b.layout, "dot of \(a) and \(b)")
        let (pa, pb) = (UnsafeRawPointer(a.storage.pointer), UnsafeRawPointer(b.storage.pointer))
        let total = parallelSum(a.count) { range in
            // Sixteen float lanes per chunk (vectorised), the chunk's total in double precision.
            var lanes = SIMD16<Float>()
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                lanes += pa.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    * pb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            var sum = (0..<16).reduce(0.0) { $0 + Double(lanes[$1]) }
            for j in i..<range.upperBound {
                sum += Double(pa.load(fromByteOffset: j * 4, as: Float.self)) * Double(pb.load(fromByteOffset: j * 4, as: Float.self))
            }
            return sum
        }
        return upload([Float(total)], shape: [])
    }

    public func adamUpdate(_ parameter: Tensor, gradient: Tensor, m: Tensor, v: Tensor, beta1: Float, beta2: Float,
                           stepSize: Float, correction2: Float, epsilon: Float) {
        let gradient = reorder(gradient, to: parameter.layout)
        let (p, g, pm, pv) = (parameter.storage.pointer, gradient.storage.pointer, m.storage.pointer, v.storage.pointer)
        parallelChunks(parameter.count) { range in
            for i in range {
                pm[i] = beta1 * pm[i] + (1 - beta1) * g[i]
                pv[i] = beta2 * pv[i] + (1 - beta2) * g[i] * g[i]
                p[i] -= stepSize * pm[i] / ((pv[i] / correction2).squareRoot() + epsilon)
            }
        }
        for t in [parameter, m, v] { t.storage.markModified() }
    }
}
