import Tensor

/// What a network paints in, besides the picture itself.
public enum StyleCondition {
    /// A mix of the styles the network learnt: `[N, styleCount]` weights, one row per sample
    /// (ignored by one-style networks).
    case mix(Tensor)
    /// A style code taken from pictures by a `PictureStyledNetwork` (codes mix linearly).
    case code(Tensor)
}

/// A feed-forward network that paints a picture in one pass: what a model file holds, whatever
/// its architecture.
public protocol StylizingNetwork: Module {
    /// How many styles it can paint (1 for a network trained on one painting; 0 for one that
    /// takes its style from pictures, a `PictureStyledNetwork`).
    var styleCount: Int { get }
    /// How it reads and writes RGB pixels (the range of its input and output).
    var pixels: Preprocessing { get }
    /// Floats of working memory per input pixel while it paints (an upper estimate).
    var floatsPerPixel: Int { get }
    /// The smallest height and width it can paint (reflection paddings need larger pictures).
    var minimumSide: Int { get }
    /// The stylised `[N, 3, H, W]` batch (exactly the input's size, unclamped) in `style`:
    /// `.mix` for networks of `styleCount` ≥ 1, `.code` for picture-styled ones.
    func stylize(_ x: Tensor, style: StyleCondition) -> Tensor
}

/// A network that takes its style from pictures: each style picture becomes a style code,
/// and codes mix linearly (blends of several paintings, or a painting's code moved towards the
/// content's own for a weaker effect).
public protocol PictureStyledNetwork: StylizingNetwork {
    /// The side of the square a style picture is centre-cropped and resized to before it is
    /// read (nil: any size, as it is).
    var stylePictureSide: Int? { get }
    /// The style code of a `[1, 3, H, W]` style picture (in `pixels`' range).
    func styleCode(of picture: Tensor) -> Tensor
}

extension TransformerNet: StylizingNetwork {
    public var styleCount: Int { styles }
    public var pixels: Preprocessing { .rgb255 }
    public var floatsPerPixel: Int { 7 * channels + 16 }
    public var minimumSide: Int { TransformerNet.minimumSide }
    public func stylize(_ x: Tensor, style: StyleCondition) -> Tensor {
        guard case let .mix(weights) = style else { preconditionFailure("a TransformerNet paints a mix of its styles") }
        return self(x, styleWeights: weights)
    }
}

extension MagentaTransformer: StylizingNetwork {
    public var pixels: Preprocessing { .rgb01 }
    public var floatsPerPixel: Int { 7 * contract[0].conv.weight.shape[0] + 16 }
    public var minimumSide: Int { 5 }
    public func stylize(_ x: Tensor, style: StyleCondition) -> Tensor {
        guard case let .mix(weights) = style else { preconditionFailure("a multi-style network paints a mix of its styles") }
        return self(x, styleWeights: weights)
    }
}

extension MagentaArbitraryNetwork: PictureStyledNetwork {
    public var styleCount: Int { 0 }
    public var pixels: Preprocessing { .rgb01 }
    /// Its widest value at full size several times over (padded copies, the arguments of a
    /// step and its result).
    public var floatsPerPixel: Int { 7 * widestValue + 16 }
    public var stylePictureSide: Int? { MagentaArbitraryNetwork.stylePictureSide }
    public func stylize(_ x: Tensor, style: StyleCondition) -> Tensor {
        guard case let .code(code) = style else { preconditionFailure("an arbitrary-style network paints a style code") }
        return self(x, styleCode: code)
    }
}
