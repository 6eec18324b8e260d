import CKernels
import Tensor

/// Convolutions over reflection- (or replication-) padded pictures without the padded copy
/// (inference): the convolution runs with zero padding, then the outputs whose window reaches into the padding — a
/// border a few pixels deep — are computed again directly from the mirrored (or repeated) pixels. A copy is a
/// pass over the whole activation (7% of Magenta's 26-style network on a 1024² picture); the
/// border is a few rows and columns.
extension CPUBackend {
    public func reflectionPaddedConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                                            applyingReLU: Bool) -> Tensor? {
        paddedConvolution(x, weight: weight, bias: bias, geometry: geometry, mode: .reflect, applyingReLU: applyingReLU,
                          evenWhereCostlier: false)
    }

    /// `convolution` of `x` padded with `mode` (reflected or replicated edges) without the padded
    /// copy, or nil where the copy is cheaper, unless `evenWhereCostlier` (tests, on small pictures).
    func paddedConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry, mode: PaddingMode,
                           applyingReLU: Bool, evenWhereCostlier: Bool) -> Tensor? {
        // The border's arithmetic runs a vector of 8 outputs at a time.
        guard geometry.groups == 1, x.shape.count == 4, weight.shape[0] % 8 == 0 else { return nil }
        let (outputHeight, outputWidth) = (geometry.outputHeight(x.shape[2]), geometry.outputWidth(x.shape[3]))
        let pixels = Self.borderPixels(outputHeight: outputHeight, outputWidth: outputWidth, height: x.shape[2],
                                       width: x.shape[3], geometry: geometry)
        // A multiply-add, one of a vector of 8, costs about what moving a float does: where the
        // border has more than 8 per float of the copy (small pictures; a 9×9 kernel on a picture's
        // 3 channels: a deep border, a small copy), the copy is cheaper.
        let p = geometry.padding
        let copied = x.shape[0] * x.shape[1] * (x.shape[2] + p.top + p.bottom) * (x.shape[3] + p.left + p.right)
        guard evenWhereCostlier || pixels.count * weight.count <= 8 * copied else { return nil }
        let y = convolution(x, weight: weight, bias: bias, geometry: geometry, applyingReLU: applyingReLU)
        recomputeBorder(y, at: pixels, x: x, mode: mode, weight: reorder(weight, to: .plain), bias: bias,
                        geometry: geometry, applyingReLU: applyingReLU)
        return y
    }

    /// Overwrites the outputs `pixels` of `y` (`[N, O, OH, OW]`, O a multiple of 8), whose window
    /// reaches into `geometry.padding`, with the convolution of `x` padded there with `mode` (plus
    /// bias, ReLU). Without ReLU, `y` (zero-padded) already holds the taps inside the picture: only
    /// the taps in the padding are added (a third of a 3×3 window at an edge); after a ReLU the
    /// window is summed again whole.
    private func recomputeBorder(_ y: Tensor, at pixels: [(Int, Int)], x: Tensor, mode: PaddingMode, weight: Tensor,
                                 bias: Tensor?, geometry g: WindowGeometry, applyingReLU: Bool) {
        let (samples, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outputs, outputHeight, outputWidth) = (y.shape[1], y.shape[2], y.shape[3])
        let (kh, kw, step, padding) = (g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        // The filters as [tap][channel][output]: a tap's outputs for one channel in consecutive vectors.
        var packed = [Float](repeating: 0, count: weight.count)
        let w = weight.storage.pointer
        for o in 0..<outputs {
            for c in 0..<channels {
                for tap in 0..<(kh * kw) { packed[(tap * channels + c) * outputs + o] = w[(o * channels + c) * kh * kw + tap] }
            }
        }
        guard !pixels.isEmpty else { return }
        let (inputBlock, outputBlock) = (x.layout.blockSize, y.layout.blockSize)
        // Offsets of each input channel within a pixel's sample, and of each block of 8 outputs.
        let channelOffsets = (0..<channels).map { c in (c / inputBlock) * height * width * inputBlock + c % inputBlock }
        let outputOffsets = stride(from: 0, to: outputs, by: 8).map { o in
            (o / outputBlock) * outputHeight * outputWidth * outputBlock + o % outputBlock
        }
        let pieces = min(pixels.count, 64)
        let (px, py, pb) = (x.storage.pointer, y.storage.pointer, bias?.storage.pointer)
        packed.withUnsafeBufferPointer { filters in channelOffsets.withUnsafeBufferPointer { channelOffsets in
            let filters = filters.baseAddress!
            parallelTasks(samples * pieces) { task in
                let (sample, piece) = (task / pieces, task % pieces)
                let (input, output) = (px + sample * channels * height * width, py + sample * outputs * outputHeight * outputWidth)
                // The taps summed at a pixel, where each reads (mirrored or clamped), and its outputs.
                var (taps, sources) = ([Int](repeating: 0, count: kh * kw), [Int](repeating: 0, count: kh * kw))
                let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: outputs)
                defer { values.deallocate() }
                for (oy, ox) in pixels[(pixels.count * piece / pieces)..<(pixels.count * (piece + 1) / pieces)] {
                    var count = 0
                    for ky in 0..<kh {
                        let iy = paddedSource(oy * step + ky, before: padding.top, size: height, mode: mode)!
                        let rowInside = (0..<height).contains(oy * step + ky - padding.top)
                        for kx in 0..<kw {
                            let inside = rowInside && (0..<width).contains(ox * step + kx - padding.left)
                            if inside && !applyingReLU { continue }
                            let ix = paddedSource(ox * step + kx, before: padding.left, size: width, mode: mode)!
                            (taps[count], sources[count]) = (ky * kw + kx, (iy * width + ix) * inputBlock)
                            count += 1
                        }
                    }
                    // Lane l of a block of 8 outputs: consecutive in blocked layouts, a plane apart in plain.
                    let targets = outputOffsets.map { output + $0 + (oy * outputWidth + ox) * outputBlock }
                    let laneStep = outputBlock >= 8 ? 1 : outputHeight * outputWidth
                    for (block, target) in targets.enumerated() {
                        for lane in 0..<8 {
                            values[block * 8 + lane] = applyingReLU ? pb?[block * 8 + lane] ?? 0 : target[lane * laneStep]
                        }
                    }
                    if Self.pixelConvolutionInC {
                        ck_pixel_convolution(input, taps, sources, Int32(count), channelOffsets.baseAddress,
                                             Int32(channels), filters, Int32(outputs), applyingReLU ? 1 : 0,
                                             values.baseAddress)
                    } else {
                        for block in 0..<(outputs / 8) {
                            var sum = UnsafeRawPointer(values.baseAddress! + block * 8).loadUnaligned(as: SIMD8<Float>.self)
                            for (tap, source) in zip(taps[..<count], sources[..<count]) {
                                let (pixel, row) = (input + source, filters + tap * channels * outputs + block * 8)
                                for c in 0..<channels {
                                    sum += SIMD8(repeating: pixel[channelOffsets[c]])
                                        * UnsafeRawPointer(row + c * outputs).loadUnaligned(as: SIMD8<Float>.self)
                                }
                            }
                            if applyingReLU { sum.replace(with: 0, where: sum .< 0) }  // NaN stays NaN
                            UnsafeMutableRawPointer(values.baseAddress! + block * 8)
                                .storeBytes(of: sum, as: SIMD8<Float>.self)
                        }
                    }
                    for (block, target) in targets.enumerated() {
                        for lane in 0..<8 { target[lane * laneStep] = values[block * 8 + lane] }
                    }
                }
            }
        } }
    }

    /// Whether border pixels run on `CKernels`' AVX2 kernel (where the CPU has AVX2; tests turn it
    /// off to check the Swift loop).
    nonisolated(unsafe) static var pixelConvolutionInC = ck_available() != 0

    /// The output pixels (row, column) whose window reaches into the padding: whole rows at the
    /// top and bottom, the first and last columns of the others.
    static func borderPixels(outputHeight: Int, outputWidth: Int, height: Int, width: Int,
                             geometry g: WindowGeometry) -> [(Int, Int)] {
        /// The outputs along an axis whose window lies inside the input: [first, end).
        func inside(_ outputs: Int, _ size: Int, _ kernel: Int, _ before: Int) -> Range<Int> {
            let first = (before + g.stride - 1) / g.stride
            let end = max(first, min(outputs, size + before >= kernel ? (size + before - kernel) / g.stride + 1 : 0))
            return first..<end
        }
        let rows = inside(outputHeight, height, g.kernelHeight, g.padding.top)
        let columns = inside(outputWidth, width, g.kernelWidth, g.padding.left)
        var pixels: [(Int, Int)] = []
        for oy in 0..<outputHeight {
            if rows.contains(oy) {
                for ox in 0..<min(columns.lowerBound, outputWidth) { pixels.append((oy, ox)) }
                for ox in max(columns.upperBound, columns.lowerBound)..<outputWidth { pixels.append((oy, ox)) }
            } else {
                for ox in 0..<outputWidth { pixels.append((oy, ox)) }
            }
        }
        return pixels
    }
}
