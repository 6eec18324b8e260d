import Tensor

/// Element-wise ops, reductions, shapes and the optimisers' updates on our kernels.
extension CUDABackend {
    private static func code(_ operation: BinaryOperation) -> Int32 {
        switch operation {
        case .add: return 0
        case .subtract: return 1
        case .multiply: return 2
        case .divide: return 3
        }
    }

    /// The `unary` kernels' operation number and its four parameters.
    private static func code(_ operation: UnaryOperation) -> (Int32, [Float]) {
        switch operation {
        case .tanh: return (0, [0, 0, 0, 0])
        case .sigmoid: return (1, [0, 0, 0, 0])
        case .sqrt: return (2, [0, 0, 0, 0])
        case .square: return (3, [0, 0, 0, 0])
        case let .clamp(low, high): return (4, [low, high, 0, 0])
        case let .fakeQuantize(scale, zeroPoint, low, high): return (5, [scale, zeroPoint, low, high])
        }
    }

    public func binary(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor {
        if a.shape == b.shape {
            let y = tensor(a.shape)
            run("binary_same_shape", elements: y.count, [.int(Self.code(operation)), buffer(a), buffer(b), buffer(y),
                                                         .long(y.count)])
            return y
        }
        precondition(a.shape.count == b.shape.count && zip(a.shape, b.shape).allSatisfy { $0 == $1 || $0 == 1 || $1 == 1 },
                     "cannot broadcast \(a.shape) with \(b.shape)")
        let shape = zip(a.shape, b.shape).map { max($0, $1) }
        func strides(_ x: [Int]) -> [Int] { zip(Self.strides(x), x).map { $1 == 1 ? 0 : $0 } }
        let y = tensor(shape)
        run("binary_broadcast", elements: y.count, [.int(Self.code(operation)), buffer(a), buffer(b), buffer(y),
                                                    .int(Int32(shape.count)),
                                                    .layout(shape + strides(a.shape) + strides(b.shape)), .long(y.count)])
        return y
    }

    public func add(_ x: Tensor, into sum: Tensor) {
        precondition(x.shape == sum.shape, "add \(x.shape) into \(sum.shape)")
        run("add_into", elements: x.count, [buffer(x), buffer(sum), .long(x.count)])
        sum.storage.markModified()
    }

    public func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor {
        let y = tensor(x.shape)
        run("affine", elements: y.count, [buffer(x), buffer(y), .float(scale), .float(shift), .long(y.count)])
        return y
    }

    public func unary(_ operation: UnaryOperation, _ x: Tensor) -> Tensor {
        let (code, parameters) = Self.code(operation)
        let y = tensor(x.shape)
        run("unary", elements: y.count, [.int(code), buffer(x), buffer(y)] + parameters.map { .float($0) } + [.long(y.count)])
        return y
    }

    /// Step by step on whole tensors: the same values as the ops one by one, by construction.
    public func elementwise(_ expression: ElementwiseExpression, _ inputs: [Tensor], shape: [Int], keepingResult: Bool,
                            spatialMean: Bool) -> (result: Tensor?, spatialMean: Tensor?) {
        // Single elements of any rank take the maps' rank, so that they broadcast.
        var registers = inputs.map { input in
            input.shape.count == shape.count ? input
                : Tensor(shape: [Int](repeating: 1, count: shape.count), storage: input.storage)
        }
        for step in expression.steps {
            switch step {
            case let .unary(operation, a): registers.append(unary(operation, registers[a]))
            case let .relu(a): registers.append(relu(registers[a]))
            case let .binary(operation, a, b): registers.append(binary(operation, registers[a], registers[b]))
            }
        }
        let result = registers.last!
        let mean = spatialMean
            ? affine(sum(result, to: [shape[0], shape[1], 1, 1]), scale: 1 / Float(shape[2] * shape[3]), shift: 0) : nil
        return (keepingResult ? result : nil, mean)
    }

    public func unaryBackward(_ operation: UnaryOperation, _ dy: Tensor, x: Tensor, y: Tensor) -> Tensor {
        let (code, parameters) = Self.code(operation)
        let dx = tensor(x.shape)
        run("unary_backward", elements: dx.count, [.int(code), buffer(dy), buffer(x), buffer(y), buffer(dx)]
            + parameters.map { .float($0) } + [.long(dx.count)])
        return dx
    }

    public func relu(_ x: Tensor) -> Tensor {
        let y = tensor(x.shape)
        run("relu", elements: y.count, [buffer(x), buffer(y), .long(y.count)])
        return y
    }

    /// The ReLU's output itself: its positive elements are the mask.
    public func reluMask(_ y: Tensor) -> AnyObject { y }

    public func reluBackward(_ dy: Tensor, mask: AnyObject) -> Tensor {
        guard let y = mask as? Tensor else { fatalError("not a CUDA ReLU mask") }
        let dx = tensor(dy.shape)
        run("relu_backward", elements: dx.count, [buffer(dy), buffer(y), buffer(dx), .long(dx.count)])
        return dx
    }

    // MARK: reductions and shapes

    public func sum(_ x: Tensor, to shape: [Int]) -> Tensor {
        let everything = shape.reduce(1, *) == 1
        precondition(everything || shape.count == x.shape.count, "sum of \(x.shape) to \(shape)")
        // Everything: over many blocks, then their partials (one block per output would be one block).
        if everything {
            let y = total("sum_all_partials", [buffer(x)], count: x.count)
            return Tensor(shape: shape, storage: y.storage)
        }
        let reduced = zip(x.shape, shape).map { $1 == 1 ? $0 : 1 }
        let y = tensor(shape)
        run("reduce_sum", blocks: y.count, [buffer(x), buffer(y), .int(Int32(x.shape.count)),
                                            .layout(shape + reduced + Self.strides(x.shape)), .long(reduced.reduce(1, *))])
        return y
    }

    /// `strided_copy`: every index of `sizes`, from `x` at `xStrides` (+ `xOffset`) to `y` at
    /// `yStrides` (+ `yOffset`).
    private func copy(_ x: Tensor, sizes: [Int], xStrides: [Int], xOffset: Int = 0, into y: Tensor, yStrides: [Int],
                      yOffset: Int = 0) {
        let count = sizes.reduce(1, *)
        run("strided_copy", elements: count, [buffer(x), buffer(y), .int(Int32(sizes.count)),
                                              .layout(sizes + xStrides + yStrides + [xOffset, yOffset]), .long(count)])
    }

    public func broadcast(_ x: Tensor, to shape: [Int], layout: Layout) -> Tensor {
        Self.requirePlain(layout)
        let y = tensor(shape)
        copy(x, sizes: shape, xStrides: zip(Self.strides(x.shape), x.shape).map { $1 == 1 ? 0 : $0 }, into: y,
             yStrides: Self.strides(shape))
        return y
    }

    public func absoluteSum(_ x: Tensor) -> Tensor {
        total("absolute_sum_partials", [buffer(x)], count: x.count)
    }

    public func slice(_ x: Tensor, axis: Int, range: Range<Int>) -> Tensor {
        var shape = x.shape
        shape[axis] = range.count
        let y = tensor(shape)
        let strides = Self.strides(x.shape)
        copy(x, sizes: shape, xStrides: strides, xOffset: range.lowerBound * strides[axis], into: y,
             yStrides: Self.strides(shape))
        return y
    }

    public func concatenate(_ xs: [Tensor], axis: Int) -> Tensor {
        var shape = xs[0].shape
        shape[axis] = xs.map { $0.shape[axis] }.reduce(0, +)
        let y = tensor(shape)
        let strides = Self.strides(shape)
        var start = 0
        for x in xs {
            copy(x, sizes: x.shape, xStrides: Self.strides(x.shape), into: y, yStrides: strides,
                 yOffset: start * strides[axis])
            start += x.shape[axis]
        }
        return y
    }

    // MARK: optimiser updates

    public func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) {
        run("axpy", elements: x.count, [.float(alpha), buffer(x), buffer(y), .long(x.count)])
        y.storage.markModified()
    }

    public func dot(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count == b.count, "dot of \(a.shape) and \(b.shape)")
        return total("dot_partials", [buffer(a), buffer(b)], count: a.count)
    }

    public func adamUpdate(_ parameter: Tensor, gradient: Tensor, m: Tensor, v: Tensor, beta1: Float, beta2: Float,
                           stepSize: Float, correction2: Float, epsilon: Float) {
        run("adam_update", elements: parameter.count,
            [buffer(parameter), buffer(gradient), buffer(m), buffer(v), .float(beta1), .float(beta2), .float(stepSize),
             .float(correction2), .float(epsilon), .long(parameter.count)])
        [parameter, m, v].forEach { $0.storage.markModified() }
    }

    /// A one-element tensor: `kernel` writes one double partial per block, which one block then adds.
    private func total(_ kernel: String, _ inputs: [CUDADevice.Argument], count: Int) -> Tensor {
        let blocks = CUDADevice.blocks(for: count)
        let partials = Storage(count: 2 * blocks, pool: device.pool)
        let y = tensor([])
        run(kernel, blocks: blocks, inputs + [.buffer(UnsafeMutableRawPointer(partials.pointer)), .long(count)])
        run("sum_partials", blocks: 1, [.buffer(UnsafeMutableRawPointer(partials.pointer)), buffer(y), .long(blocks)])
        return withExtendedLifetime(partials) { y }
    }
}
