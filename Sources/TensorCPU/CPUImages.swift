import Tensor

/// A 4-D tensor seen as planes of pixels, each pixel `lanes` consecutive floats: one channel
/// per plane in plain NCHW (1 lane), a block of channels per plane in blocked layouts.
struct Planes {
    let count: Int, lanes: Int, height: Int, width: Int
    /// Planes per sample.
    let perSample: Int

    init(_ shape: [Int], _ layout: Layout) {
        lanes = layout.blockSize
        perSample = shape[1] / lanes
        count = shape[0] * perSample
        (height, width) = (shape[2], shape[3])
    }

    /// Floats per plane.
    var size: Int { height * width * lanes }
    /// The sample and first channel of plane `p`.
    func sampleAndChannel(_ p: Int) -> (sample: Int, channel: Int) { (p / perSample, (p % perSample) * lanes) }
}

/// Where output index `i` of a padded axis reads from an axis of `size` with `before` added in front
/// (nil: a zero).
@inline(__always)
func paddedSource(_ i: Int, before: Int, size: Int, mode: PaddingMode) -> Int? {
    let s = i - before
    if s >= 0 && s < size { return s }
    switch mode {
    case .zero: return nil
    case .reflect: return s < 0 ? -s : 2 * (size - 1) - s
    case .replicate: return s < 0 ? 0 : size - 1
    }
}

extension CPUBackend {
    public func pad(_ x: Tensor, _ padding: Padding2D, mode: PaddingMode) -> Tensor {
        let input = Planes(x.shape, x.layout)
        let shape = [x.shape[0], x.shape[1], x.shape[2] + padding.top + padding.bottom,
                     x.shape[3] + padding.left + padding.right]
        let output = Planes(shape, x.layout)
        let y = Tensor(shape: shape, layout: x.layout, storage: Storage(count: shape.reduce(1, *)))
        let (px, py, lanes) = (x.storage.pointer, y.storage.pointer, input.lanes)
        parallelTasks(input.count) { p in
            let (source, target) = (px + p * input.size, py + p * output.size)
            for i in 0..<output.height {
                let row = target + i * output.width * lanes
                guard let si = paddedSource(i, before: padding.top, size: input.height, mode: mode) else {
                    row.update(repeating: 0, count: output.width * lanes)
                    continue
                }
                let sourceRow = source + si * input.width * lanes
                (row + padding.left * lanes).update(from: sourceRow, count: input.width * lanes)
                for j in Array(0..<padding.left) + Array((padding.left + input.width)..<output.width) {
                    if let sj = paddedSource(j, before: padding.left, size: input.width, mode: mode) {
                        (row + j * lanes).update(from: sourceRow + sj * lanes, count: lanes)
                    } else {
                        (row + j * lanes).update(repeating: 0, count: lanes)
                    }
                }
            }
        }
        return y
    }

    public func padBackward(_ dy: Tensor, _ padding: Padding2D, mode: PaddingMode, inputShape: [Int]) -> Tensor {
        let input = Planes(inputShape, dy.layout), output = Planes(dy.shape, dy.layout)
        let dx = Tensor(shape: inputShape, layout: dy.layout, storage: Storage(count: inputShape.reduce(1, *)))
        let (pg, pd, lanes) = (dy.storage.pointer, dx.storage.pointer, input.lanes)
        parallelTasks(input.count) { p in
            let (source, target) = (pg + p * output.size, pd + p * input.size)
            // The interior first (a copy), then every padded pixel added where it was read from.
            for si in 0..<input.height {
                (target + si * input.width * lanes).update(
                    from: source + ((si + padding.top) * output.width + padding.left) * lanes, count: input.width * lanes)
            }
            guard mode != .zero else { return }
            for i in 0..<output.height {
                let si = paddedSource(i, before: padding.top, size: input.height, mode: mode)!
                let interiorRow = i >= padding.top && i < padding.top + input.height
                for j in 0..<output.width {
                    if interiorRow && j >= padding.left && j < padding.left + input.width { continue }
                    let sj = paddedSource(j, before: padding.left, size: input.width, mode: mode)!
                    let (from, to) = (source + (i * output.width + j) * lanes, target + (si * input.width + sj) * lanes)
                    for l in 0..<lanes { to[l] += from[l] }
                }
            }
        }
        return dx
    }

    public func upsampleNearest(_ x: Tensor, factor: Int) -> Tensor {
        let input = Planes(x.shape, x.layout)
        let shape = [x.shape[0], x.shape[1], x.shape[2] * factor, x.shape[3] * factor]
        let output = Planes(shape, x.layout)
        let y = Tensor(shape: shape, layout: x.layout, storage: Storage(count: shape.reduce(1, *)))
        let (px, py, lanes) = (x.storage.pointer, y.storage.pointer, input.lanes)
        parallelTasks(input.count) { p in
            let (source, target) = (px + p * input.size, py + p * output.size)
            for i in 0..<input.height {
                let row = target + i * factor * output.width * lanes
                for j in 0..<input.width {
                    let pixel = source + (i * input.width + j) * lanes
                    for k in 0..<factor { (row + (j * factor + k) * lanes).update(from: pixel, count: lanes) }
                }
                for k in 1..<factor { (row + k * output.width * lanes).update(from: row, count: output.width * lanes) }
            }
        }
        return y
    }

    public func upsampleNearestBackward(_ dy: Tensor, factor: Int) -> Tensor {
        let output = Planes(dy.shape, dy.layout)
        let shape = [dy.shape[0], dy.shape[1], dy.shape[2] / factor, dy.shape[3] / factor]
        let input = Planes(shape, dy.layout)
        let dx = Tensor(shape: shape, layout: dy.layout, storage: Storage(count: shape.reduce(1, *), zeroed: true))
        let (pg, pd, lanes) = (dy.storage.pointer, dx.storage.pointer, input.lanes)
        parallelTasks(input.count) { p in
            let (source, target) = (pg + p * output.size, pd + p * input.size)
            for i in 0..<output.height {
                let (from, to) = (source + i * output.width * lanes, target + (i / factor) * input.width * lanes)
                for j in 0..<output.width {
                    let (a, b) = (from + j * lanes, to + (j / factor) * lanes)
                    for l in 0..<lanes { b[l] += a[l] }
                }
            }
        }
        return dx
    }
}
