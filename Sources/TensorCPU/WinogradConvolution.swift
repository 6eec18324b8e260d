import CDNNL
import CWinograd
import Tensor

/// 3×3 stride-1 convolution by Winograd's minimal filtering F(4×4, 3×3) or F(6×6, 3×3) (Lavin &
/// Gray 2016), over 8-channel-blocked activations (oneDNN's nChw8c).
///
/// oneDNN 2.x has Winograd kernels only for AVX-512; on AVX2 its direct kernels do
/// 9 multiply-adds per output and input channel. Here every 4×4 output tile costs 36, a
/// quarter: the 6×6 input tiles and the filters are transformed (`Bᵀ d B`, `G g Gᵀ`), the 36
/// tile positions become 36 matrix products over channels, and `Aᵀ m A` turns the products back
/// into outputs. The transforms use the interpolation points 0, ±1, ±2, ∞, which keep f32
/// results within a few 1e-6 of direct convolution, relative to the outputs' largest value.
///
/// F(6×6, 3×3) (points 0, ±1, ±2, ±½, ∞; AVX2 kernels only) takes 64 products for 36 outputs,
/// 0.79 of F(4×4)'s per output, and its input and output transforms move 0.79 of the data per
/// output too; its rounding is about twice F(4×4)'s. But its filters take 64/36 the memory, and
/// tiles of 6 leave more of the last row and column empty: `tile` weighs both per convolution.
///
/// On CPUs with AVX2 and FMA the three steps run on `CWinograd`'s kernels (our own 6×16
/// matrix-product kernel; narrow convolutions, whose filters stay in the caches, take each block
/// of tiles through all three steps on one core, so the transformed tiles never reach memory).
/// Elsewhere, and for outputs that are not a multiple of 16 channels, they run here in Swift
/// with `dnnl_sgemm` for the products.
///
/// The input gradient of such a convolution is itself one (the filters transposed and rotated
/// by 180°, the padding `2 − p`), so the same code runs the backward pass.
enum WinogradConvolution {
    /// Channels per block of the activations it reads and writes.
    static let block = 8
    /// Tiles are transformed and multiplied in groups whose transformed inputs take about this
    /// many bytes, which bounds the extra memory and keeps a group's matrices in the caches.
    static let groupBytes = 8 << 20
    /// Convolutions with at most this many input × output channels run block by block on each
    /// core (AVX2 kernels): their 36 or 64 filter matrices (≤ 2.4 or 4.2 MB) are read again for every block.
    /// Tests lower it to check the other way.
    nonisolated(unsafe) static var blockwiseChannelProduct = 128 * 128
    /// A core's transformed inputs and products of one block take about this many bytes (L2 and
    /// more): every block reads all the filters again, so 6×6 tiles (64 positions) with 320 KB
    /// made blocks of 6 tiles at 64 channels, and the filters' traffic as large as the products'.
    static let blockBytes = 640 << 10

    /// The side of the output tiles for an `outputHeight`×`outputWidth` output: as `choice` asks
    /// on the AVX2 kernels; 4 on the portable path, and where convolutions are to stay near
    /// direct ones (`ConvolutionAccuracy.nearDirect`: 6×6 tiles round about twice as much).
    static func tile(outputHeight: Int, outputWidth: Int, avx2: Bool, choice: CPUBackend.WinogradTiles) -> Int {
        guard avx2, ConvolutionAccuracy.current == .standard else { return 4 }
        switch choice {
        case .four: return 4
        case .six: return 6
        case .cheaper:
            func cost(_ tile: Int) -> Int {
                (tile + 2) * (tile + 2) * (((outputHeight + tile - 1) / tile) * ((outputWidth + tile - 1) / tile)
                                           + filterCostInTiles)
            }
            return cost(6) < cost(4) ? 6 : 4
        }
    }

    /// What transforming a position's filters (and reading them back for its product) costs, in
    /// tiles' products at that position: both grow with inputs × outputs, so the cost of a tiling
    /// is about positions × (tiles + this). Fitted to `neural-style-bench winograd --compare-tiles`
    /// on a 2-core Zen 3 (six runs): 6×6 over 4×4 took 0.77–0.99 at VGG-19's 64- to 256-channel
    /// layers of 512×354 (0.86–1.06 at 32 channels), 1.02–1.26 at 44×64 and 1.21–1.47 at 22×32.
    static let filterCostInTiles = 73

    /// Whether this CPU has AVX2 and FMA, which `CWinograd`'s kernels need.
    static let avx2KernelsAvailable = cw_available() != 0
    /// Whether convolutions whose outputs are a multiple of 16 channels run on `CWinograd`'s
    /// kernels (where available; tests turn it off to check the portable path).
    nonisolated(unsafe) static var usesAVX2Kernels = avx2KernelsAvailable

    /// Whether it beats oneDNN's direct AVX2 kernels for a convolution from `inputChannels` to
    /// `outputShape` (NCHW). `neural-style-bench winograd` on a 2-core Zen 3 (times of ours over
    /// oneDNN's), with the AVX2 kernels: 0.66 at 64 channels, 0.45–0.55 from 128 up, 0.8 on 48
    /// tiles, 0.67 at 32 channels; in Swift: 0.5–0.77 from 128 channels up on 128 or more tiles,
    /// 1.0 at 64 channels (the transforms are bound by memory bandwidth there), 1.1 on 48 tiles.
    static func isFaster(inputChannels: Int, outputShape: [Int]) -> Bool {
        let tiles = outputShape[0] * ((outputShape[2] + 3) / 4) * ((outputShape[3] + 3) / 4)
        let channels = min(inputChannels, outputShape[1])
        if usesAVX2Kernels && outputShape[1] % 16 == 0 { return channels >= 32 && tiles >= 48 }
        return channels >= 128 && tiles >= 128
    }

    /// Whether its weight gradient beats oneDNN's for such a convolution (where `isFaster` holds).
    /// The gradient sums over tiles, so few tiles leave its 36 products short and wide:
    /// `neural-style-bench winograd` on a 2-core Zen 3 (ours over oneDNN's): 0.38–0.63 from 64
    /// channels up with at least half as many tiles as channels, 0.85–0.99 at 512 channels on
    /// 192 tiles, 1.3–2.3 at 512 channels on 48–128 tiles, 1.06–1.11 at 32 channels.
    static func isFasterForWeightGradient(inputChannels: Int, outputShape: [Int]) -> Bool {
        let tiles = outputShape[0] * ((outputShape[2] + 3) / 4) * ((outputShape[3] + 3) / 4)
        let (narrow, wide) = (min(inputChannels, outputShape[1]), max(inputChannels, outputShape[1]))
        return isFaster(inputChannels: inputChannels, outputShape: outputShape) && narrow >= 64 && 2 * tiles > wide
    }

    /// Whether a convolution of `geometry` from `inputChannels` (laid out as `layout`) to
    /// `outputChannels` can run here (padding beyond 2 would leave whole tiles of zeros).
    static func supports(inputChannels: Int, outputChannels: Int, layout: Layout, geometry: WindowGeometry) -> Bool {
        let p = geometry.padding
        return layout == .channelsBlocked8 && geometry.kernelHeight == 3 && geometry.kernelWidth == 3
            && geometry.stride == 1 && geometry.groups == 1 && inputChannels % block == 0 && outputChannels % block == 0
            && [p.top, p.bottom, p.left, p.right].allSatisfy { (0...2).contains($0) }
    }

    /// The padding of the convolution that computes the input gradient of one padded by `padding`.
    static func backwardPadding(_ padding: Padding2D) -> Padding2D {
        Padding2D(top: 2 - padding.top, bottom: 2 - padding.bottom, left: 2 - padding.left, right: 2 - padding.right)
    }

    /// The 36 matrices `G g Gᵀ` of OIHW 3×3 `weights` (`outputs`×`inputs` filters), stored as
    /// [36][inputs][outputs]; with `transposed`, the filters of the input gradient's convolution
    /// (each rotated by 180°), stored as [36][outputs][inputs]. Cheap next to the convolution
    /// (about 40 operations per filter), so it is done on every call rather than kept: kept, the
    /// transformed filters would take four times the weights' memory in each direction.
    static func transformedFilters(_ weights: UnsafePointer<Float>, outputs: Int, inputs: Int,
                                   transposed: Bool) -> Storage {
        let (rows, columns) = transposed ? (outputs, inputs) : (inputs, outputs)
        let u = Storage(count: 36 * rows * columns)
        let destination = UnsafeMutableRawPointer(u.pointer)
        let pieces = min(rows, 16)
        parallelTasks(pieces) { piece in
            // Eight filters side by side, one per lane: tap k of lane l at k·8 + l; then G g.
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 9 * block)
            let columnsDone = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 18)
            defer { scratch.deallocate(); columnsDone.deallocate() }
            let taps = UnsafeRawPointer(scratch)
            for row in (rows * piece / pieces)..<(rows * (piece + 1) / pieces) {
                for first in stride(from: 0, to: columns, by: block) {
                    for lane in 0..<block {
                        let (o, i) = transposed ? (row, first + lane) : (first + lane, row)
                        let filter = weights + (o * inputs + i) * 9
                        for k in 0..<9 { scratch[k * block + lane] = filter[transposed ? 8 - k : k] }
                    }
                    func tap(_ k: Int) -> SIMD8<Float> { taps.load(fromByteOffset: k * 32, as: SIMD8<Float>.self) }
                    // G g down each of the three columns, then (G g) Gᵀ along each of the six rows.
                    for c in 0..<3 {
                        filterTransform(tap(c), tap(3 + c), tap(6 + c)) { r, value in columnsDone[r * 3 + c] = value }
                    }
                    for r in 0..<6 {
                        filterTransform(columnsDone[r * 3], columnsDone[r * 3 + 1], columnsDone[r * 3 + 2]) { c, value in
                            destination.storeBytes(of: value, toByteOffset: (((r * 6 + c) * rows + row) * columns + first) * 4,
                                                   as: SIMD8<Float>.self)
                        }
                    }
                }
            }
        }
        return u
    }

    /// `transformedFilters` for tiles of `tile` (4 or 6), packed as the AVX2 kernels read them:
    /// (tile + 2)² matrices [columns / 16][rows][16], `cw_padded` apart.
    static func packedFilters(_ weights: UnsafePointer<Float>, outputs: Int, inputs: Int, transposed: Bool,
                              tile: Int) -> Storage {
        let (rows, columns) = transposed ? (outputs, inputs) : (inputs, outputs)
        let packed = Storage(count: (tile + 2) * (tile + 2) * cw_padded(rows * columns))
        let panels = columns / 16
        let pieces = min(panels, 16)
        parallelTasks(pieces) { piece in
            cw_transform_filters(weights, outputs, inputs, transposed ? 1 : 0, tile, panels * piece / pieces,
                                 panels * (piece + 1) / pieces, packed.pointer)
        }
        return packed
    }

    /// `G` applied to the three taps `a, b, c` of eight filter rows or columns (six values out).
    @inline(__always)
    private static func filterTransform(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>,
                                        _ write: (Int, SIMD8<Float>) -> Void) {
        let outer = a + c
        write(0, a * 0.25)
        write(1, (outer + b) * (-1.0 / 6))
        write(2, (outer - b) * (-1.0 / 6))
        write(3, (a + 2 * b + 4 * c) * (1.0 / 24))
        write(4, (a - 2 * b + 4 * c) * (1.0 / 24))
        write(5, c)
    }

    /// Convolves `x` (nChw8c, `shape` NCHW) with OIHW 3×3 `weights` of `weightShape` into `y`
    /// (nChw8c, `outputHeight`×`outputWidth`), adding `bias` and applying ReLU when asked; with
    /// `forInputGradient`, with the filters of the input gradient's convolution instead (`x` is
    /// then the output gradient). `padding` gives the zero rows and columns before the first
    /// input pixel (the output size implies the rest). `inputMask` (one byte per element of `x`,
    /// zero where `x` is to read as 0) is for `readsMasks` convolutions only. `tiles` picks the
    /// output tiles of the AVX2 kernels.
    static func convolve(_ x: UnsafePointer<Float>, shape: [Int], weights: UnsafePointer<Float>, weightShape: [Int],
                         forInputGradient: Bool, bias: UnsafePointer<Float>?, applyingReLU: Bool,
                         padding: (top: Int, left: Int), outputHeight: Int, outputWidth: Int,
                         inputMask: UnsafePointer<UInt8>? = nil, tiles choice: CPUBackend.WinogradTiles,
                         into y: UnsafeMutablePointer<Float>) {
        let outputChannels = forInputGradient ? weightShape[1] : weightShape[0]
        let avx2 = readsMasks(outputChannels: outputChannels)
        precondition(inputMask == nil || avx2, "a Winograd convolution to \(outputChannels) channels given a mask")
        let tile = Self.tile(outputHeight: outputHeight, outputWidth: outputWidth, avx2: avx2, choice: choice)
        let positions = (tile + 2) * (tile + 2)
        let transformed = avx2
            ? packedFilters(weights, outputs: weightShape[0], inputs: weightShape[1], transposed: forInputGradient, tile: tile)
            : transformedFilters(weights, outputs: weightShape[0], inputs: weightShape[1], transposed: forInputGradient)
        let filters = UnsafePointer(transformed.pointer)
        let (batch, inputs, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (tilesDown, tilesAcross) = ((outputHeight + tile - 1) / tile, (outputWidth + tile - 1) / tile)
        let tilesPerImage = tilesDown * tilesAcross
        let tiles = batch * tilesPerImage
        let input = Geometry(channels: inputs, height: height, width: width, tile: tile, tilesAcross: tilesAcross,
                             tilesPerImage: tilesPerImage)
        let output = Geometry(channels: outputChannels, height: outputHeight, width: outputWidth, tile: tile,
                              tilesAcross: tilesAcross, tilesPerImage: tilesPerImage)
        if avx2 && inputs * outputChannels <= blockwiseChannelProduct {
            // Blocks of whole rows of the 6×16 product kernel; a few tasks per core for balance.
            let block = max(6, blockBytes / (positions * (inputs + outputChannels) * MemoryLayout<Float>.stride) / 6 * 6)
            let tasks = min((tiles + block - 1) / block, 64)
            var (inputSide, outputSide) = (input.side(padding: padding, mask: inputMask), output.side(padding: (0, 0)))
            parallelTasks(tasks) { task in
                let scratch = Storage(count: positions * (cw_padded(block * inputs) + cw_padded(block * outputChannels)))
                cw_convolve_tiles(x, &inputSide, &outputSide, filters, tiles * task / tasks, tiles * (task + 1) / tasks,
                                  block, bias, applyingReLU ? 1 : 0, y, scratch.pointer)
            }
            return withExtendedLifetime(transformed) {}
        }
        // Groups of equal size: a short last group would read every filter matrix for few rows.
        let largestGroup = max(1, groupBytes / (positions * max(inputs, outputChannels) * MemoryLayout<Float>.stride))
        let groups = (tiles + largestGroup - 1) / largestGroup
        let group = (tiles + groups - 1) / groups
        let transformedInputs = Storage(count: positions * cw_padded(group * inputs))
        let products = Storage(count: positions * cw_padded(group * outputChannels))
        let (v, m) = (transformedInputs.pointer, products.pointer)
        for first in stride(from: 0, to: tiles, by: group) {
            let count = min(group, tiles - first)
            inParallel(count, channels: inputs, positions: positions) { range in
                if avx2 {
                    var side = input.side(padding: padding, mask: inputMask)
                    cw_transform_inputs(x, &side, first, count, range.lowerBound, range.upperBound, v)
                } else {
                    transformInputs(x, input, tiles: range, first: first, group: count, padding: padding, into: v)
                }
            }
            // One product per core at a time (inside a parallel region oneDNN runs each
            // single-threaded, several times faster than its threading of such small ones).
            parallelTasks(positions) { position in
                if avx2 { return cw_multiply(v, filters, count, inputs, outputChannels, position, m) }
                dnnlCheck(dnnl_sgemm(78, 78, Int64(count), Int64(outputChannels), Int64(inputs), 1,
                                     v + position * count * inputs, Int64(inputs),
                                     filters + position * inputs * outputChannels, Int64(outputChannels),
                                     0, m + position * count * outputChannels, Int64(outputChannels)), "sgemm(winograd)")
            }
            inParallel(count, channels: outputChannels, positions: positions) { range in
                if avx2 {
                    var side = output.side(padding: (0, 0))
                    cw_transform_outputs(m, &side, first, count, range.lowerBound, range.upperBound, bias,
                                         applyingReLU ? 1 : 0, y)
                } else {
                    transformOutputs(m, output, tiles: range, first: first, group: count, bias: bias,
                                     applyingReLU: applyingReLU, into: y)
                }
            }
        }
        withExtendedLifetime((transformed, transformedInputs, products)) {}
    }

    /// Whether a convolution to `outputChannels` runs on the AVX2 kernels, which apply an input
    /// mask as they read (a ReLU's, to the output gradient of the input gradient's convolution).
    static func readsMasks(outputChannels: Int) -> Bool { usesAVX2Kernels && outputChannels % 16 == 0 }

    /// Sizes of one side of the convolution (input or output) and its tiling.
    struct Geometry {
        /// `tile`: outputs per tile along each axis (the portable Swift transforms take only 4).
        let channels: Int, height: Int, width: Int, tile: Int, tilesAcross: Int, tilesPerImage: Int

        /// Image, first row and first column of tile `index`.
        func origin(of index: Int) -> (image: Int, row: Int, column: Int) {
            let (image, index) = index.quotientAndRemainder(dividingBy: tilesPerImage)
            let (down, across) = index.quotientAndRemainder(dividingBy: tilesAcross)
            return (image, down * tile, across * tile)
        }

        /// The same, as the AVX2 kernels take it, with `padding` zero rows and columns before it
        /// and the elements `mask` zeroes read as 0.
        func side(padding: (top: Int, left: Int), mask: UnsafePointer<UInt8>? = nil) -> cw_side {
            cw_side(channels: channels, height: height, width: width, tile: tile, tiles_across: tilesAcross,
                    tiles_per_image: tilesPerImage, pad_top: padding.top, pad_left: padding.left, mask: mask)
        }

        /// Offset of channel block `channelBlock` of image `image`.
        func plane(_ image: Int, _ channelBlock: Int) -> Int {
            let block = WinogradConvolution.block
            return ((image * channels / block + channelBlock) * height) * width * block
        }
    }

    /// Runs `body` over pieces of `0..<count` tiles on all cores, each piece's transformed rows
    /// (`positions` of `channels`) small enough to stay in a core's cache while they are written.
    static func inParallel(_ count: Int, channels: Int, positions: Int = 36, _ body: (Range<Int>) -> Void) {
        let tilesPerPiece = max(1, (128 << 10) / (positions * channels * MemoryLayout<Float>.stride))
        let pieces = (count + tilesPerPiece - 1) / tilesPerPiece
        parallelTasks(pieces) { body(($0 * tilesPerPiece)..<min(count, ($0 + 1) * tilesPerPiece)) }
    }

    /// `Bᵀ d B` of every 6×6 input tile in `tiles` (relative to the group starting at `first`),
    /// written as the rows of the 36 matrices [group][channels] at `v`.
    static func transformInputs(_ source: UnsafePointer<Float>, _ input: Geometry, tiles: Range<Int>, first: Int,
                                        group: Int, padding: (top: Int, left: Int), into v: UnsafeMutablePointer<Float>) {
        let scratch = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 72)
        defer { scratch.deallocate() }
        let (d, t) = (scratch, scratch + 36)
        let raw = UnsafeRawPointer(source)
        let blocks = input.channels / block
        for channelBlock in 0..<blocks {
            for local in tiles {
                let (image, row, column) = input.origin(of: first + local)
                let (top, left) = (row - padding.top, column - padding.left)
                let plane = input.plane(image, channelBlock)
                for i in 0..<6 {
                    let y = top + i
                    for j in 0..<6 {
                        let x = left + j
                        d[i * 6 + j] = y >= 0 && y < input.height && x >= 0 && x < input.width
                            ? raw.loadUnaligned(fromByteOffset: (plane + (y * input.width + x) * block) * 4,
                                                as: SIMD8<Float>.self)
                            : .zero
                    }
                }
                for j in 0..<6 { inputTransform(d + j, stride: 6) { k, value in t[k * 6 + j] = value } }
                let destination = UnsafeMutableRawPointer(v + local * input.channels + channelBlock * block)
                let positionStride = group * input.channels * 4
                for i in 0..<6 {
                    inputTransform(t + i * 6, stride: 1) { j, value in
                        destination.storeBytes(of: value, toByteOffset: (i * 6 + j) * positionStride, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }

    /// `Aᵀ m A` of every tile in `tiles`, plus bias and ReLU, written to the output where it lies
    /// inside it.
    private static func transformOutputs(_ m: UnsafePointer<Float>, _ output: Geometry, tiles: Range<Int>, first: Int,
                                         group: Int, bias: UnsafePointer<Float>?, applyingReLU: Bool,
                                         into y: UnsafeMutablePointer<Float>) {
        let scratch = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 60)
        defer { scratch.deallocate() }
        let (s, t) = (scratch, scratch + 36)
        let raw = UnsafeMutableRawPointer(y)
        let blocks = output.channels / block
        let positionStride = group * output.channels * 4
        for channelBlock in 0..<blocks {
            for local in tiles {
                let (image, row, column) = output.origin(of: first + local)
                let source = UnsafeRawPointer(m + local * output.channels + channelBlock * block)
                for p in 0..<36 { s[p] = source.loadUnaligned(fromByteOffset: p * positionStride, as: SIMD8<Float>.self) }
                for j in 0..<6 { outputTransform(s + j, stride: 6) { k, value in t[k * 6 + j] = value } }
                let offset: SIMD8<Float> = bias.map {
                    UnsafeRawPointer($0 + channelBlock * block).loadUnaligned(as: SIMD8<Float>.self)
                } ?? .zero
                let plane = output.plane(image, channelBlock)
                for i in 0..<4 where row + i < output.height {
                    let rowStart = plane + ((row + i) * output.width + column) * block
                    outputTransform(t + i * 6, stride: 1) { j, value in
                        guard column + j < output.width else { return }
                        var result = value + offset
                        if applyingReLU { result = result.replacing(with: 0, where: result .< 0) }
                        raw.storeBytes(of: result, toByteOffset: (rowStart + j * block) * 4, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }

    /// `Bᵀ` applied to six vectors `d[0], d[stride], …`, each result `k` handed to `write`.
    @inline(__always)
    private static func inputTransform(_ d: UnsafePointer<SIMD8<Float>>, stride: Int,
                                       _ write: (Int, SIMD8<Float>) -> Void) {
        let (d0, d1, d2, d3, d4, d5) = (d[0], d[stride], d[2 * stride], d[3 * stride], d[4 * stride], d[5 * stride])
        let (a, b) = (d4 - 4 * d2, d3 - 4 * d1)
        let (c, e) = (d4 - d2, 2 * (d3 - d1))
        write(0, 4 * d0 - 5 * d2 + d4)
        write(1, a + b)
        write(2, a - b)
        write(3, c + e)
        write(4, c - e)
        write(5, 4 * d1 - 5 * d3 + d5)
    }

    /// `Aᵀ` applied to six vectors `m[0], m[stride], …`, each of the four results `k` handed to `write`.
    @inline(__always)
    private static func outputTransform(_ m: UnsafePointer<SIMD8<Float>>, stride: Int,
                                        _ write: (Int, SIMD8<Float>) -> Void) {
        let (m0, m1, m2, m3, m4, m5) = (m[0], m[stride], m[2 * stride], m[3 * stride], m[4 * stride], m[5 * stride])
        let (sum12, difference12, sum34, difference34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4)
        write(0, m0 + sum12 + sum34)
        write(1, difference12 + 2 * difference34)
        write(2, sum12 + 4 * sum34)
        write(3, difference12 + 8 * difference34 + m5)
    }
}
