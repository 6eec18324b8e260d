import Tensor

/// Convolutions of ×2 nearest-upsampled pictures without the upsampled picture (inference).
///
/// A 3×3 convolution (padding 1) of a picture upsampled ×2 is, at each of its four output phases
/// (even or odd row, even or odd column), a convolution of the picture itself whose taps are sums
/// of the 3×3 ones: along an axis, an even output reads x[i − 1] with w₀ and x[i] with w₁ + w₂, an
/// odd one x[i] with w₀ + w₁ and x[i + 1] with w₂. The four phases run as one 3×3 convolution with
/// four times the outputs (each phase's taps zero where it reads nothing) over a quarter of the
/// pixels, and their outputs are interleaved into the result. That is as many multiply-adds as
/// the upsampled convolution, on Winograd's path as on oneDNN's direct one, but a quarter of the
/// input transforms, wider matrix products, and no upsampled picture (four times the input) to
/// write and read again. The upsampled picture's padding is the picture's own: zeros stay zeros,
/// and mirroring the upsampled picture by one pixel repeats the picture's edge.
extension CPUBackend {
    public func upsampledConvolution(_ x: Tensor, factor: Int, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                                     paddingMode: PaddingMode, applyingReLU: Bool) -> Tensor? {
        guard factor == 2, x.shape.count == 4, geometry.kernelHeight == 3, geometry.kernelWidth == 3,
              geometry.stride == 1, geometry.groups == 1, geometry.padding == Padding2D(1) else { return nil }
        let outputs = weight.shape[0]
        let filters = upload(Self.phaseFilters(reorder(weight, to: .plain)), shape: [4 * outputs, weight.shape[1], 3, 3])
        let biases = bias.map { upload(Array([[Float]](repeating: download($0), count: 4).joined()), shape: [4 * outputs]) }
        let phases: Tensor
        if paddingMode == .zero {
            phases = convolution(x, weight: filters, bias: biases, geometry: geometry, applyingReLU: applyingReLU)
        } else {
            phases = paddedConvolution(x, weight: filters, bias: biases, geometry: geometry, mode: .replicate,
                                       applyingReLU: applyingReLU, evenWhereCostlier: false)
                ?? convolution(pad(x, geometry.padding, mode: .replicate), weight: filters, bias: biases,
                               geometry: WindowGeometry(kernel: 3), applyingReLU: applyingReLU)
        }
        return interleavingPhases(phases, outputs: outputs)
    }

    /// The filters of the four phases of a 3×3 convolution (plain OIHW `weight`) after a ×2
    /// upsampling, as 3×3 filters over the picture itself: output `phase · O + o` (phase = 2 × row
    /// parity + column parity) holds filter `o`'s taps summed by the input pixel they read.
    static func phaseFilters(_ weight: Tensor) -> [Float] {
        let filterCount = weight.shape[0] * weight.shape[1]
        var phased = [Float](repeating: 0, count: 4 * weight.count)
        let w = weight.storage.pointer
        for phase in 0..<4 {
            let (rowParity, columnParity) = (phase / 2, phase % 2)
            for filter in 0..<filterCount {
                let (taps, target) = (w + filter * 9, (phase * filterCount + filter) * 9)
                for ky in 0..<3 {
                    // Tap k of an output of parity p reads the pixel (p + k + 1) / 2 − 1 away.
                    let row = (rowParity + ky + 1) / 2
                    for kx in 0..<3 { phased[target + row * 3 + (columnParity + kx + 1) / 2] += taps[ky * 3 + kx] }
                }
            }
        }
        return phased
    }

    /// `[N, O, 2H, 2W]` whose pixel (2i + r, 2j + c) of channel o is pixel (i, j) of channel
    /// (2r + c)·O + o of `phases` (`[N, 4·O, H, W]`): in the layout of `phases` where its blocks
    /// hold one phase each, else plain.
    func interleavingPhases(_ phases: Tensor, outputs: Int) -> Tensor {
        let (samples, height, width, lanes) = (phases.shape[0], phases.shape[2], phases.shape[3], phases.layout.blockSize)
        let layout = outputs % lanes == 0 ? phases.layout : .plain
        let shape = [samples, outputs, 2 * height, 2 * width]
        let y = Tensor(shape: shape, layout: layout, storage: Storage(count: shape.reduce(1, *)))
        let (pz, py) = (phases.storage.pointer, y.storage.pointer)
        if layout.blockSize == 8 {
            // A block of 8 channels of one phase becomes a block of the result: vectors move whole.
            let (input, output) = (Planes(phases.shape, phases.layout), Planes(shape, layout))
            let phaseStride = output.perSample * input.size  // from a plane of one phase to the next phase's
            parallelChunks(output.count * height) { rows in
                for task in rows {
                    let (plane, i) = (task / height, task % height)
                    let (sample, block) = (plane / output.perSample, plane % output.perSample)
                    let source = pz + (sample * input.perSample + block) * input.size + i * width * 8
                    for rowParity in 0..<2 {
                        let even = source + 2 * rowParity * phaseStride, odd = even + phaseStride
                        let row = py + plane * output.size + (2 * i + rowParity) * output.width * 8
                        for j in 0..<width {
                            let (a, b) = (UnsafeRawPointer(even + j * 8), UnsafeRawPointer(odd + j * 8))
                            UnsafeMutableRawPointer(row + 16 * j).storeBytes(of: a.loadUnaligned(as: SIMD8<Float>.self),
                                                                             as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(row + 16 * j + 8).storeBytes(of: b.loadUnaligned(as: SIMD8<Float>.self),
                                                                                 as: SIMD8<Float>.self)
                        }
                    }
                }
            }
            return y
        }
        // Channel by channel, wherever `phases` keeps each one (a float `lanes` apart from pixel to pixel).
        precondition(layout == .plain || layout == phases.layout)
        let resultLanes = layout.blockSize, pixels = height * width
        parallelChunks(samples * outputs * height) { rows in
            for task in rows {
                let (channel, i) = (task / height, task % height)
                let (sample, o) = (channel / outputs, channel % outputs)
                for rowParity in 0..<2 {
                    let row = py + (sample * outputs + o - o % resultLanes) * 4 * pixels + o % resultLanes
                        + (2 * i + rowParity) * 2 * width * resultLanes
                    for columnParity in 0..<2 {
                        let c = (2 * rowParity + columnParity) * outputs + o
                        let source = pz + (sample * 4 * outputs + c - c % lanes) * pixels + c % lanes + i * width * lanes
                        for j in 0..<width { row[(2 * j + columnParity) * resultLanes] = source[j * lanes] }
                    }
                }
            }
        }
        return y
    }
}
