import Tensor

extension CPUBackend {
    /// Plane by plane (a sample's block of channels), 2048 floats at a time: each step's loop over
    /// the chunk is the whole-tensor op's loop (`applyUnary`, `applyBinary`), so every value is
    /// the same bits; broadcast inputs are spread over a chunk once per plane. The spatial mean
    /// adds as `spatialSum` does (`PlainOrderSpatialSums`).
    public func elementwise(_ expression: ElementwiseExpression, _ inputs: [Tensor], shape: [Int], keepingResult: Bool,
                            spatialMean: Bool) -> (result: Tensor?, spatialMean: Tensor?) {
        let layout = inputs.first { $0.shape == shape }!.layout
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
            var sums = PlainOrderSpatialSums(lanes: lanes)
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
/// (1, 8, 16), dividing the 2048-pixel runs of the spatial sums.
enum ElementwiseChunk {
    static let floats = 2048
}
