import CDNNL
import CWinograd
import Tensor

extension WinogradConvolution {
    /// The weight gradient of a 3×3 stride-1 convolution (one `supports`) in the Winograd domain.
    /// With `M = U ⊙ V` per tile (`U = G g Gᵀ`, `V = Bᵀ d B`) and `Y = Aᵀ M A`, the gradient of
    /// each position of `U` is `Σ_tiles (A dY Aᵀ) ⊙ V`: 36 matrix products of the transformed
    /// output gradients (outputs × tiles) and transformed inputs (tiles × inputs), then
    /// `dg = Gᵀ dU G`. A quarter of the direct multiply-adds, as forward.
    static func weightGradient(_ dy: Tensor, input x: Tensor, padding: Padding2D) -> [Float] {
        let (batch, inputs, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outputs, outputHeight, outputWidth) = (dy.shape[1], dy.shape[2], dy.shape[3])
        let (tilesDown, tilesAcross) = ((outputHeight + 3) / 4, (outputWidth + 3) / 4)
        let tilesPerImage = tilesDown * tilesAcross
        let tiles = batch * tilesPerImage
        let input = Geometry(channels: inputs, height: height, width: width, tile: 4, tilesAcross: tilesAcross,
                             tilesPerImage: tilesPerImage)
        let output = Geometry(channels: outputs, height: outputHeight, width: outputWidth, tile: 4,
                              tilesAcross: tilesAcross, tilesPerImage: tilesPerImage)
        let avx2 = avx2KernelsAvailable && usesAVX2Kernels
        let group = max(1, min(tiles, groupBytes / (36 * max(inputs, outputs) * MemoryLayout<Float>.stride)))
        let inputStride = avx2 ? cw_padded(group * inputs) : group * inputs
        let transformedInputs = Storage(count: 36 * inputStride)
        let transformedGradients = Storage(count: 36 * group * outputs)
        var products = [Float](repeating: 0, count: 36 * outputs * inputs)
        let (v, d) = (transformedInputs.pointer, transformedGradients.pointer)
        let (px, pg) = (x.storage.pointer, dy.storage.pointer)
        for first in stride(from: 0, to: tiles, by: group) {
            let count = min(group, tiles - first)
            let (inputRows, gradientRows) = (avx2 ? cw_padded(count * inputs) : count * inputs, count * outputs)
            inParallel(count, channels: inputs) { range in
                if avx2 {
                    var side = input.side(padding: (padding.top, padding.left))
                    cw_transform_inputs(px, &side, first, count, range.lowerBound, range.upperBound, v)
                } else {
                    transformInputs(px, input, tiles: range, first: first, group: count,
                                    padding: (padding.top, padding.left), into: v)
                }
            }
            inParallel(count, channels: outputs) { range in
                transformGradients(pg, output, tiles: range, first: first, group: count, into: d)
            }
            products.withUnsafeMutableBufferPointer { products in
                let c = products.baseAddress!
                parallelTasks(36) { position in
                    dnnlCheck(dnnl_sgemm(84, 78, Int64(outputs), Int64(inputs), Int64(count), 1,
                                         d + position * gradientRows, Int64(outputs),
                                         v + position * inputRows, Int64(inputs),
                                         first == 0 ? 0 : 1, c + position * outputs * inputs, Int64(inputs)),
                              "sgemm(winograd weight gradient)")
                }
            }
        }
        // dg = Gᵀ dU G for every filter (G's rows are the six interpolation rows of the filter transform).
        let g: [Float] = [0.25, 0, 0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6,
                          1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 24, -1.0 / 12, 1.0 / 6, 0, 0, 1]
        var weights = [Float](repeating: 0, count: outputs * inputs * 9)
        let filters = outputs * inputs, tasks = min(outputs * inputs, 64)
        weights.withUnsafeMutableBufferPointer { weights in
            let w = weights.baseAddress!
            products.withUnsafeBufferPointer { products in
                let p = products.baseAddress!
                g.withUnsafeBufferPointer { g in
                    parallelTasks(tasks) { task in
                        var rows = [Float](repeating: 0, count: 18)  // (Gᵀ dU)[a][s]
                        for filter in (filters * task / tasks)..<(filters * (task + 1) / tasks) {
                            for a in 0..<3 {
                                for s in 0..<6 {
                                    var sum: Float = 0
                                    for r in 0..<6 { sum += g[r * 3 + a] * p[(r * 6 + s) * filters + filter] }
                                    rows[a * 6 + s] = sum
                                }
                            }
                            for a in 0..<3 {
                                for b in 0..<3 {
                                    var sum: Float = 0
                                    for s in 0..<6 { sum += rows[a * 6 + s] * g[s * 3 + b] }
                                    w[filter * 9 + a * 3 + b] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
        withExtendedLifetime((transformedInputs, transformedGradients)) {}
        return weights
    }

    /// `A dY Aᵀ` of every 4×4 output-gradient tile in `tiles` (zero past the output's edges),
    /// written as the rows of the 36 matrices [group][channels] at `d`.
    private static func transformGradients(_ source: UnsafePointer<Float>, _ output: Geometry, tiles: Range<Int>,
                                           first: Int, group: Int, into d: UnsafeMutablePointer<Float>) {
        let scratch = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 16 + 24)
        defer { scratch.deallocate() }
        let (y, t) = (scratch, scratch + 16)
        let raw = UnsafeRawPointer(source)
        let positionStride = group * output.channels * 4
        for channelBlock in 0..<(output.channels / block) {
            for local in tiles {
                let (image, row, column) = output.origin(of: first + local)
                let plane = output.plane(image, channelBlock)
                for i in 0..<4 {
                    for j in 0..<4 {
                        let (r, c) = (row + i, column + j)
                        y[i * 4 + j] = r < output.height && c < output.width
                            ? raw.loadUnaligned(fromByteOffset: (plane + (r * output.width + c) * block) * 4, as: SIMD8<Float>.self)
                            : .zero
                    }
                }
                // A down each of the four columns (6 rows out), then A along each of the six rows.
                for j in 0..<4 { gradientTransform(y + j, stride: 4) { k, value in t[k * 4 + j] = value } }
                let destination = UnsafeMutableRawPointer(d + local * output.channels + channelBlock * block)
                for k in 0..<6 {
                    gradientTransform(t + k * 4, stride: 1) { l, value in
                        destination.storeBytes(of: value, toByteOffset: (k * 6 + l) * positionStride, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }

    /// `A` (the transpose of `Aᵀ`) applied to four vectors `y[0], y[stride], …`, each of the six
    /// results `k` handed to `write`.
    @inline(__always)
    private static func gradientTransform(_ y: UnsafePointer<SIMD8<Float>>, stride: Int,
                                          _ write: (Int, SIMD8<Float>) -> Void) {
        let (y0, y1, y2, y3) = (y[0], y[stride], y[2 * stride], y[3 * stride])
        let (even, odd) = (y0 + y2, y1 + y3)
        let (even4, odd8) = (y0 + 4 * y2, 2 * y1 + 8 * y3)
        write(0, y0)
        write(1, even + odd)
        write(2, even - odd)
        write(3, even4 + odd8)
        write(4, even4 - odd8)
        write(5, y3)
    }
}
