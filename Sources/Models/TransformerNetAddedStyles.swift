import Tensor

extension TransformerNet {
    /// Every instance norm, in forward order: their γ/β rows are what distinguishes one style from another.
    public var instanceNorms: [InstanceNorm2d] {
        [in1, in2, in3] + [res1, res2, res3, res4, res5].flatMap { [$0.in1, $0.in2] } + [in4, in5]
    }

    /// A conditional network that paints this network's styles and `count` more: every
    /// convolution copied, each instance norm's γ/β rows `0..<styles` copied exactly, and the
    /// `count` new rows set to the mean of the old rows (for a one-style network, its γ/β).
    /// Every parameter of the result is trainable; freeze what should stay.
    public func addingStyles(_ count: Int) -> TransformerNet {
        precondition(count >= 1, "add at least one style")
        let extended = TransformerNet(channels: channels, styles: styles + count)
        let old = stateDictionary()
        for (name, parameter) in extended.namedParameters() {
            let source = old[name]!
            guard source.shape != parameter.shape else {
                parameter.assign(source)
                continue
            }
            let rows = source.toArray(), width = parameter.shape[1]
            let mean = (0..<width).map { channel in
                stride(from: channel, to: rows.count, by: width).reduce(Float(0)) { $0 + rows[$1] } / Float(styles)
            }
            parameter.assign(Tensor(shape: parameter.shape,
                                    values: rows + (0..<count).flatMap { _ in mean }))
        }
        return extended
    }
}
