import Tensor

extension CPUBackend {
    /// Plane by plane (a sample's block of channels), 2048 floats at a time: each step's loop over
    /// the chunk is the whole-tensor op's loop (`applyUnary`, `applyBinary`), so every value is
    /// the same bits; broadcast inputs are spread over a chunk once per plane. The spatial mean
    /// adds in the order of `spatialSum` over the plain layout (which `mean(alongAxes:)` reads):
    /// per channel, eight pixels at a time in float runs of 2048 pixels, the runs in double.
    public func elementwise(_ expression: ElementwiseExpression, _ inputs: [Tensor], shape: [Int], keepingResult: Bool,
                            spatialMean: Bool) -> (result: Tensor?, spatialMean: Tensor?) {
        let layout = inputs.first { $0.shape == shape }?.layout ?? .plain
        let inputs = inputs.map { reorder($0, to: $0.shape == shape ? layout : .plain) }
        let planes = Planes(shape, layout)
        let (lanes, pixels, channels) = (planes.lanes, planes.height * planes.width, shape[1])
        let result = keepingResult ? Tensor(shape: shape, layout: layout, storage: Storage(count: shape.reduce(1, *))) : nil
        let means = spatialMean ? Tensor(shape: [shape[0], channels, 1, 1], storage: Storage(count: shape[0] * channels)) : nil
        let registers = expression.inputCount + expression.steps.count
        let isFull = inputs.map { $0.shape == shape }
        let chunk = ElementwiseChunk.floats, chunkPixels = chunk / lanes
        let (py, pm) = (result?.storage.pointer, means?.storage.pointer)
        parallelTasks(planes.count) { p in
            let (sample, firstChannel) = planes.sampleAndChannel(p)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: registers * chunk)
            defer { scratch.deallocate() }
            // Broadcast inputs, spread over a chunk in this plane's lane order.
            for (k, input) in inputs.enumerated() where !isFull[k] {
                let (values, register) = (input.storage.pointer, scratch + k * chunk)
                for i in 0..<chunk {
                    register[i] = input.count == 1 ? values[0]
                        : values[(input.shape[0] == 1 ? 0 : sample * channels) + firstChannel + i % lanes]
                }
            }
            var sums = ElementwiseSpatialSums(lanes: lanes)
            for start in stride(from: 0, to: pixels, by: chunkPixels) {
                let count = min(chunkPixels, pixels - start) * lanes, offset = p * planes.size + start * lanes
                func register(_ k: Int) -> UnsafeMutablePointer<Float> {
                    k < inputs.count && isFull[k] ? inputs[k].storage.pointer + offset : scratch + k * chunk
                }
                for (index, step) in expression.steps.enumerated() {
                    let target = index == expression.steps.count - 1 ? (py.map { $0 + offset } ?? register(registers - 1))
                        : register(expression.inputCount + index)
                    switch step {
                    case let .unary(operation, a): applyUnary(operation, register(a), target, count)
                    case let .relu(a):
                        let source = register(a)
                        for i in 0..<count { target[i] = source[i] > 0 ? source[i] : source[i] * 0 }
                    case let .binary(operation, a, b): applyBinary(operation, register(a), register(b), target, count)
                    }
                }
                if spatialMean { sums.add(py.map { $0 + offset } ?? register(registers - 1), pixels: count / lanes) }
            }
            if let pm {
                for (lane, total) in sums.totals().enumerated() {
                    pm[sample * channels + firstChannel + lane] = Float(total) * (1 / Float(pixels)) + 0
                }
            }
        }
        return (result, means)
    }
}

/// The chunk the element-wise expressions work in: a multiple of 8 pixels for every lane count
/// (1, 8, 16), dividing the 2048-pixel runs of the spatial sum.
enum ElementwiseChunk {
    static let floats = 2048
}

/// Spatial sums of one plane of `lanes` interleaved channels, added in the order `spatialSum`
/// adds the plain layout's planes: per channel, pixels 8 at a time into eight float partials,
/// each run of 2048 pixels into doubles; the eight totals then added, then the last pixels that
/// do not fill an 8.
struct ElementwiseSpatialSums {
    private let lanes: Int
    /// Partial and total for pixel `j` of an 8 and channel `c`, at `j · lanes + c`.
    private var partial: [Float], total: [Double]
    private var tail: [[Float]]
    private var pixelsInRun = 0

    init(lanes: Int) {
        self.lanes = lanes
        partial = [Float](repeating: 0, count: 8 * lanes)
        total = [Double](repeating: 0, count: 8 * lanes)
        tail = Array(repeating: [], count: lanes)
    }

    /// Adds the next `pixels` pixels of the plane (`pixels · lanes` floats at `x`).
    mutating func add(_ x: UnsafeMutablePointer<Float>, pixels: Int) {
        let (groups, width) = (pixels / 8, 8 * lanes)
        var done = 0
        while done < groups {
            let next = min(groups - done, (2048 - pixelsInRun) / 8)
            partial.withUnsafeMutableBufferPointer { partial in
                for g in done..<(done + next) {
                    let source = x + g * width
                    for i in 0..<width { partial[i] += source[i] }
                }
            }
            (done, pixelsInRun) = (done + next, pixelsInRun + 8 * next)
            if pixelsInRun == 2048 { flush() }
        }
        for pixel in (groups * 8)..<pixels { for c in 0..<lanes { tail[c].append(x[pixel * lanes + c]) } }
    }

    private mutating func flush() {
        for i in partial.indices {
            total[i] += Double(partial[i])
            partial[i] = 0
        }
        pixelsInRun = 0
    }

    /// Each channel's sum.
    mutating func totals() -> [Double] {
        flush()
        return (0..<lanes).map { c in
            let runs = (0..<8).reduce(0.0) { $0 + total[$1 * lanes + c] }
            return tail[c].reduce(runs) { $0 + Double($1) }
        }
    }
}
