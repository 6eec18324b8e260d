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
    /// (plain), read in place and added in the plain layout's order (`PlainOrderSpatialSums`).
    private func spatialSum(_ x: Tensor) -> Tensor {
        let (c, hw) = (x.shape[1], x.shape[2] * x.shape[3])
        let planes = Planes(x.shape, x.layout)
        let y = Tensor(shape: [x.shape[0], c, 1, 1], storage: Storage(count: x.shape[0] * c))
        let (px, py) = (x.storage.pointer, y.storage.pointer)
        parallelTasks(planes.count) { p in
            let (sample, channel) = planes.sampleAndChannel(p)
            var sums = PlainOrderSpatialSums(lanes: planes.lanes)
            sums.add(px + p * planes.size, pixels: hw)
            for (lane, total) in sums.totals().enumerated() { py[sample * c + channel + lane] = Float(total) }
        }
        return y
    }

    public func broadcast(_ x: Tensor, to shape: [Int], layout: Layout) -> Tensor {
        let x = reorder(x, to: .plain)
        if layout != .plain {
            // A per-channel `[N or 1, C, 1, 1]` spread straight into the blocked planes.
            guard shape.count == 4, x.shape.count == 4, x.shape[1] == shape[1], x.shape[2] * x.shape[3] == 1,
                  [1, shape[0]].contains(x.shape[0]) else { return reorder(broadcast(x, to: shape, layout: .plain), to: layout) }
            let planes = Planes(shape, layout)
            let y = Tensor(shape: shape, layout: layout, storage: Storage(count: shape.reduce(1, *)))
            let (px, py, lanes, pixels) = (x.storage.pointer, y.storage.pointer, planes.lanes, shape[2] * shape[3])
            parallelTasks(planes.count) { p in
                let (sample, channel) = planes.sampleAndChannel(p)
                let values = px + (x.shape[0] == 1 ? 0 : sample * shape[1]) + channel
                let target = py + p * planes.size
                if lanes == 8 {
                    let vector = UnsafeRawPointer(values).loadUnaligned(as: SIMD8<Float>.self)
                    for pixel in 0..<pixels { UnsafeMutableRawPointer(target + pixel * 8).storeBytes(of: vector, as: SIMD8<Float>.self) }
                } else {
                    for pixel in 0..<pixels { for lane in 0..<lanes { target[pixel * lanes + lane] = values[lane] } }
                }
            }
            return y
        }
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
