import CDNNL
import Foundation
import Tensor

extension CPUBackend {
    public func sum(_ x: Tensor, to shape: [Int]) -> Tensor {
        if x.shape.count == 4, shape == [x.shape[0], x.shape[1], 1, 1] { return spatialSum(x) }
        let x = reorder(x, to: .plain)
        let count = shape.reduce(1, *)
        if count == 1 {
            let p = x.storage.pointer
            let total = parallelSum(x.count) { range in
                var s = 0.0
                for i in range { s += Double(p[i]) }
                return s
            }
            return upload([Float(total)], shape: shape)
        }
        precondition(shape.count == x.shape.count && zip(shape, x.shape).allSatisfy { $0 == $1 || $0 == 1 },
                     "sum of \(x.shape) to \(shape)")
        // Offsets of one output element's inputs, relative to its first.
        let reducedShape = zip(shape, x.shape).map { $0 == 1 ? $1 : 1 }
        let inputStrides = broadcastStrides(x.shape)
        var offsets = [0]
        for axis in reducedShape.indices where reducedShape[axis] > 1 {
            offsets = (0..<reducedShape[axis]).flatMap { k in offsets.map { $0 + k * inputStrides[axis] } }
        }
        let y = Tensor(shape: shape, storage: Storage(count: count))
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        parallelTasks(min(count, ProcessInfo.processInfo.activeProcessorCount * 4)) { task in
            let tasks = min(count, ProcessInfo.processInfo.activeProcessorCount * 4)
            for index in (count * task / tasks)..<(count * (task + 1) / tasks) {
                var rest = index, base = 0
                for axis in shape.indices.reversed() where shape[axis] > 1 {
                    let i = rest % shape[axis]
                    rest /= shape[axis]
                    base += i * inputStrides[axis]
                }
                var s = 0.0
                for offset in offsets { s += Double(px[base + offset]) }
                py[index] = Float(s)
            }
        }
        return y
    }

    /// Σ over height and width of an `[N, C, H, W]` tensor in any layout, to `[N, C, 1, 1]`
    /// (plain), eight lanes at a time (`laneSums`).
    private func spatialSum(_ x: Tensor) -> Tensor {
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let block = x.layout.blockSize
        let y = Tensor(shape: [n, c, 1, 1], storage: Storage(count: n * c))
        let (px, py) = (UnsafeRawPointer(x.storage.pointer), y.storage.pointer)
        if block > 1 {
            parallelTasks(n * c / block) { task in
                for half in 0..<(block / 8) {
                    let sums = laneSums(px + (task * hw * block + half * 8) * 4, count: hw, stride: block * 4,
                                        SIMD8<Float>.self)
                    for lane in 0..<8 { py[task * block + half * 8 + lane] = Float(sums[lane]) }
                }
            }
        } else {
            parallelTasks(n * c) { plane in
                let start = px + plane * hw * 4
                var total = laneSums(start, count: hw / 8, stride: 32, SIMD8<Float>.self).reduce(0, +)
                for k in (hw / 8 * 8)..<hw { total += Double(start.load(fromByteOffset: k * 4, as: Float.self)) }
                py[plane] = Float(total)
            }
        }
        return y
    }

    public func broadcast(_ x: Tensor, to shape: [Int]) -> Tensor {
        let x = reorder(x, to: .plain)
        precondition(shape.count == x.shape.count && zip(x.shape, shape).allSatisfy { $0 == $1 || $0 == 1 },
                     "broadcast of \(x.shape) to \(shape)")
        if x.shape == shape { return x }
        let y = Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *)))
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        let strides = broadcastStrides(x.shape)
        let width = shape.last!, step = strides.last!
        forEachRow(of: shape, strides: [strides]) { row, offsets in
            let (source, target) = (px + offsets[0], py + row * width)
            for j in 0..<width { target[j] = source[j * step] }
        }
        return y
    }

    public func absoluteSum(_ x: Tensor) -> Tensor {
        let p = x.storage.pointer
        let total = parallelSum(x.count) { range in
            var s = 0.0
            for i in range { s += Double(abs(p[i])) }
            return s
        }
        return upload([Float(total)], shape: [])
    }

    public func slice(_ x: Tensor, axis: Int, range: Range<Int>) -> Tensor {
        let x = reorder(x, to: .plain)
        var shape = x.shape
        shape[axis] = range.count
        let (outer, inner) = (x.shape[..<axis].reduce(1, *), x.shape[(axis + 1)...].reduce(1, *))
        let y = Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *)))
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        parallelTasks(outer) { o in
            (py + o * range.count * inner).update(from: px + (o * x.shape[axis] + range.lowerBound) * inner,
                                                  count: range.count * inner)
        }
        return y
    }

    public func concatenate(_ xs: [Tensor], axis: Int) -> Tensor {
        let xs = xs.map { reorder($0, to: .plain) }
        var shape = xs[0].shape
        shape[axis] = xs.reduce(0) { $0 + $1.shape[axis] }
        let (outer, inner) = (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
        let y = Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *)))
        let py = y.storage.pointer
        parallelTasks(outer) { o in
            var start = 0
            for x in xs {
                let extent = x.shape[axis]
                (py + (o * shape[axis] + start) * inner).update(from: x.storage.pointer + o * extent * inner,
                                                                count: extent * inner)
                start += extent
            }
        }
        return y
    }

    public func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool, transposingB: Bool) -> Tensor {
        let (a, b) = (reorder(a, to: .plain), reorder(b, to: .plain))
        let (m, k) = transposingA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let n = transposingB ? b.shape[1] : b.shape[2]
        let batch = max(a.shape[0], b.shape[0])
        let y = Tensor(shape: [batch, m, n], storage: Storage(count: batch * m * n))
        let (strideA, strideB) = (a.shape[0] == 1 ? 0 : m * k, b.shape[0] == 1 ? 0 : k * n)
        for entry in 0..<batch {
            dnnlCheck(dnnl_sgemm(transposingA ? 84 : 78, transposingB ? 84 : 78, Int64(m), Int64(n), Int64(k), 1,
                                 a.storage.pointer + entry * strideA, Int64(a.shape[2]),
                                 b.storage.pointer + entry * strideB, Int64(b.shape[2]),
                                 0, y.storage.pointer + entry * m * n, Int64(n)), "sgemm(matmul)")
        }
        return y
    }
}

/// Σ v over `count` vectors `stride` bytes apart from `start`, lane by lane: each run of 256
/// vectors added in float vectors, the runs in double (vector speed, and double's accuracy
/// however large the plane).
func laneSums<V: SIMD>(_ start: UnsafeRawPointer, count: Int, stride: Int, _: V.Type) -> [Double] where V.Scalar == Float {
    var total = [Double](repeating: 0, count: V.scalarCount)
    for run in Swift.stride(from: 0, to: count, by: 256) {
        var partial = V()
        for k in run..<min(run + 256, count) { partial += start.loadUnaligned(fromByteOffset: k * stride, as: V.self) }
        for lane in 0..<V.scalarCount { total[lane] += Double(partial[lane]) }
    }
    return total
}
