import Tensor

/// A feed-forward network that paints a picture in one pass: what a model file holds, whatever
/// its architecture.
public protocol StylizingNetwork: Module {
    /// How many styles it can paint (1 for a network trained on one painting).
    var styleCount: Int { get }
    /// How it reads and writes RGB pixels (the range of its input and output).
    var pixels: Preprocessing { get }
    /// Floats of working memory per input pixel while it paints (an upper estimate).
    var floatsPerPixel: Int { get }
    /// The smallest height and width it can paint (reflection paddings need larger pictures).
    var minimumSide: Int { get }
    /// The stylised `[N, 3, H, W]` batch (exactly the input's size, unclamped), each sample in
    /// its row of `styleWeights` (`[N, styleCount]`; ignored by one-style networks).
    func stylize(_ x: Tensor, styleWeights: Tensor) -> Tensor
}

extension TransformerNet: StylizingNetwork {
    public var styleCount: Int { styles }
    public var pixels: Preprocessing { .rgb255 }
    public var floatsPerPixel: Int { 7 * channels + 16 }
    public var minimumSide: Int { TransformerNet.minimumSide }
    public func stylize(_ x: Tensor, styleWeights: Tensor) -> Tensor { self(x, styleWeights: styleWeights) }
}

extension MagentaTransformer: StylizingNetwork {
    public var pixels: Preprocessing { .rgb01 }
    public var floatsPerPixel: Int { 7 * contract[0].conv.weight.shape[0] + 16 }
    public var minimumSide: Int { 5 }
    public func stylize(_ x: Tensor, styleWeights: Tensor) -> Tensor { self(x, styleWeights: styleWeights) }
}
