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

    /// `x` through every step; a convolution followed by ReLU runs as one fused pass, and reflection
    /// padding followed by an unpadded convolution as one reflection-padded convolution.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        var index = 0
        /// Whether the step after the current one is ReLU.
        func reluFollows() -> Bool { index + 1 < layers.count && { if case .relu = layers[index + 1] { return true }; return false }() }
        while index < layers.count {
            switch layers[index] {
            case let .conv(conv):
                let fused = reluFollows()
                y = conv(y, applyingReLU: fused)
                if fused { index += 1 }
            case .relu: y = y.relu()
            case let .reflectionPad(amount):
                guard index + 1 < layers.count, case let .conv(conv) = layers[index + 1], conv.padding == Padding2D(0) else {
                    y = y.padded(Padding2D(amount), mode: .reflect)
                    break
                }
                index += 1
                let fused = reluFollows()
                y = y.conv2d(weight: conv.weight, bias: conv.bias, stride: conv.stride, padding: Padding2D(amount),
                             paddingMode: .reflect, groups: conv.groups, applyingReLU: fused)
                if fused { index += 1 }
            case let .upsampleNearest(factor): y = y.upsampledNearest(factor: factor)
            }
            index += 1
        }
        return y
    }
}
