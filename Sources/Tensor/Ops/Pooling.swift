extension Tensor {
    /// Max or average pooling of this NCHW tensor over `kernel`×`kernel` windows.
    public func pooled(_ kind: PoolingKind, kernel: Int = 2, stride: Int = 2) -> Tensor {
        precondition(shape.count == 4, "pooling needs NCHW, got \(shape)")
        let geometry = WindowGeometry(kernel: kernel, stride: stride)
        let (y, context) = Backend.current.pooling(self, kind: kind, geometry: geometry)
        let (inputShape, inputLayout) = (shape, layout)
        return Tensor.recorded(y, from: [self]) { dy in
            [Backend.current.poolingBackward(dy, inputShape: inputShape, inputLayout: inputLayout, kind: kind,
                                             geometry: geometry, context: context)]
        }
    }
}
