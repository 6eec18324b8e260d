extension Tensor {
    /// The same elements (row-major) with another shape of the same count; shares memory.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) to \(newShape)")
        guard newShape != shape else { return self }
        let plain = reordered(to: .plain)
        let oldShape = plain.shape
        let y = Tensor(shape: newShape, layout: .plain, storage: plain.storage)
        return Tensor.recorded(y, from: [plain]) { dy in
            let dy = Backend.current.reorder(dy, to: .plain)
            return [Tensor(shape: oldShape, layout: .plain, storage: dy.storage)]
        }
    }

    /// Elements `range` along `axis` (negative counts from the end).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = axis < 0 ? axis + shape.count : axis
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) of axis \(axis) of \(shape)")
        let plain = reordered(to: .plain)
        let y = Backend.current.slice(plain, axis: axis, range: range)
        let inputShape = plain.shape
        return Tensor.recorded(y, from: [plain]) { dy in
            // The gradient is dy placed at `range`, zeros elsewhere: a concatenation.
            let backend = Backend.current
            var parts: [Tensor] = []
            var before = inputShape, after = inputShape
            before[axis] = range.lowerBound
            after[axis] = inputShape[axis] - range.upperBound
            if before[axis] > 0 { parts.append(backend.filled(shape: before, layout: .plain, value: 0)) }
            parts.append(backend.reorder(dy, to: .plain))
            if after[axis] > 0 { parts.append(backend.filled(shape: after, layout: .plain, value: 0)) }
            return [parts.count == 1 ? parts[0] : backend.concatenate(parts, axis: axis)]
        }
    }

    /// `tensors` joined along `axis` (their other extents equal).
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate of nothing")
        let rank = tensors[0].shape.count
        let axis = axis < 0 ? axis + rank : axis
        let plains = tensors.map { $0.reordered(to: .plain) }
        for t in plains {
            precondition(t.shape.count == rank && t.shape.indices.allSatisfy { $0 == axis || t.shape[$0] == plains[0].shape[$0] },
                         "concatenate \(plains.map(\.shape)) along \(axis)")
        }
        let y = Backend.current.concatenate(plains, axis: axis)
        let extents = plains.map { $0.shape[axis] }
        return Tensor.recorded(y, from: plains) { dy in
            let dy = Backend.current.reorder(dy, to: .plain)
            var start = 0
            return extents.map { extent in
                defer { start += extent }
                return Backend.current.slice(dy, axis: axis, range: start..<(start + extent))
            }
        }
    }
}
