/// Layers run one after another and named by position, as `torch.nn.Sequential`: parameter-free
/// steps (ReLU, padding, upsampling) take an index too, so a convolution at position 5 has the
/// parameters `5.weight` and `5.bias`, exactly the keys PyTorch gives it.
public final class Sequential: Module {
    /// One step of the chain.
    public enum Layer {
        /// A convolution with its parameters.
        case conv(Conv2d)
        /// `max(x, 0)`.
        case relu
        /// Reflection padding of this many pixels on every side (`nn.ReflectionPad2d`).
        case reflectionPad(Int)
        /// Nearest-neighbour upsampling by this factor (`nn.Upsample(mode='nearest')`).
        case upsampleNearest(Int)
    }

    /// The steps in order.
    public let layers: [Layer]

    /// A chain of `layers`.
    public init(_ layers: [Layer]) { self.layers = layers }

    /// The convolutions by position.
    public var convolutions: [(index: Int, conv: Conv2d)] {
        layers.enumerated().compactMap { index, layer in
            if case let .conv(conv) = layer { return (index, conv) }
            return nil
        }
    }

    /// `x` through every step. A convolution runs as one op with the steps around it that it can
    /// take in: the ReLU after it, a reflection padding just before it (when it has no padding of its
    /// own) and, for a stride-1 one, a nearest upsampling before that.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        var index = 0
        while index < layers.count {
            if let run = convolutionRun(at: index) {
                let conv = run.conv
                let (padding, mode) = run.reflection > 0 ? (Padding2D(run.reflection), PaddingMode.reflect)
                    : (conv.padding, conv.paddingMode)
                if run.upsampling > 1 {
                    y = y.upsampledConv2d(factor: run.upsampling, weight: conv.weight, bias: conv.bias, padding: padding,
                                          paddingMode: mode, applyingReLU: run.relu)
                } else {
                    y = y.conv2d(weight: conv.weight, bias: conv.bias, stride: conv.stride, padding: padding,
                                 paddingMode: mode, groups: conv.groups, applyingReLU: run.relu)
                }
                index = run.end
                continue
            }
            switch layers[index] {
            case let .conv(conv): y = conv(y)
            case .relu: y = y.relu()
            case let .reflectionPad(amount): y = y.padded(Padding2D(amount), mode: .reflect)
            case let .upsampleNearest(factor): y = y.upsampledNearest(factor: factor)
            }
            index += 1
        }
        return y
    }

    /// The convolution that the steps from `start` lead to, with the upsampling factor and
    /// reflection padding before it and whether ReLU follows, and the step after them; nil unless
    /// such a run starts at `start`.
    private func convolutionRun(at start: Int) -> (conv: Conv2d, upsampling: Int, reflection: Int, relu: Bool, end: Int)? {
        var (index, upsampling, reflection) = (start, 1, 0)
        if case let .upsampleNearest(factor) = layers[index] { (upsampling, index) = (factor, index + 1) }
        if index < layers.count, case let .reflectionPad(amount) = layers[index] { (reflection, index) = (amount, index + 1) }
        guard index < layers.count, case let .conv(conv) = layers[index],
              reflection == 0 || conv.padding == Padding2D(0),
              upsampling == 1 || (conv.stride == 1 && conv.groups == 1) else { return nil }
        let relu = index + 1 < layers.count && { if case .relu = layers[index + 1] { return true }; return false }()
        return (conv, upsampling, reflection, relu, index + (relu ? 2 : 1))
    }
}
