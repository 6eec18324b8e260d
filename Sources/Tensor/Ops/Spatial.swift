extension Tensor {
    /// This NCHW tensor padded by `padding` with zeros or its own reflection.
    public func padded(_ padding: Padding2D, mode: PaddingMode = .zero) -> Tensor {
        precondition(shape.count == 4, "padding needs NCHW, got \(shape)")
        let y = Backend.current.pad(mode == .reflect ? reflectionPaddable(padding) : self, padding, mode: mode)
        let inputShape = shape, inputLayout = layout
        return Tensor.recorded(y, from: [self]) { dy in
            [Backend.current.padBackward(Backend.current.reorder(dy, to: inputLayout), padding, mode: mode,
                                         inputShape: inputShape)]
        }
    }

    /// This tensor, after checking that it is an NCHW picture larger than `padding` on each side
    /// (reflection cannot mirror more than the picture).
    func reflectionPaddable(_ padding: Padding2D) -> Tensor {
        precondition(shape.count == 4 && Swift.max(padding.top, padding.bottom) < shape[2]
                     && Swift.max(padding.left, padding.right) < shape[3],
                     "reflection padding \(padding) needs a picture larger than it, got \(shape)")
        return self
    }

    /// This NCHW tensor with every pixel repeated `factor`×`factor` times (nearest neighbour).
    public func upsampledNearest(factor: Int) -> Tensor {
        precondition(shape.count == 4 && factor >= 1, "nearest upsampling needs NCHW and a factor ≥ 1")
        guard factor > 1 else { return self }
        let y = Backend.current.upsampleNearest(self, factor: factor)
        return Tensor.recorded(y, from: [self]) { dy in
            [Backend.current.upsampleNearestBackward(Backend.current.reorder(dy, to: y.layout), factor: factor)]
        }
    }
}
