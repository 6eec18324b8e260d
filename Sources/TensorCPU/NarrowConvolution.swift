import CNarrowConvolution
import Foundation
import Tensor

/// Stride-1 convolutions into or out of a few channels (a picture entering a network, or
/// leaving one), on `CNarrowConvolution`'s AVX2 kernels.
///
/// oneDNN's AVX2 kernels fill their vectors with output channels and step through input
/// channels; with 3 inputs each loaded value feeds few multiply-adds, and with 3 outputs five of a
/// block's eight lanes compute zeros (the outputs are padded to a block). Here a few-input
/// convolution (plain input of at most 6 channels, outputs a multiple of 8) broadcasts each input value against 16
/// output channels, a few-output one (blocked input, at most 6 outputs) multiplies eight
/// input channels at once and adds the lanes at the end, and one with both sides narrow (plain in
/// and out, such as Magenta's last 4 → 3 convolution) puts eight neighbouring pixels in a vector.
/// A few-input one with 9-wide kernels (the 9×9 first layer of Johnson's and Magenta's networks)
/// runs by Winograd's algorithm along rows instead (`winogradRows`).
/// All handle any kernel size and zero padding, and serve the input gradient too: the input
/// gradient of a few-input convolution is a few-output one and the other way round, and that of a
/// narrow one is narrow (filters transposed and rotated by 180°, padding `k − 1 − p`).
enum NarrowConvolution {
    /// Which of the kernels runs a convolution.
    enum Kernel {
        case fewInputs, fewOutputs, fewInputsAndOutputs

        /// The kernel that runs the input gradient of a convolution this one runs.
        var transposed: Kernel {
            switch self {
            case .fewInputs: .fewOutputs
            case .fewOutputs: .fewInputs
            case .fewInputsAndOutputs: .fewInputsAndOutputs
            }
        }

        /// The layout of the kernel's output (its input's is the other side's output layout).
        var outputLayout: Layout { self == .fewInputs ? .channelsBlocked8 : .plain }

        /// Whether the filters are packed input channel outermost, output channels innermost.
        var packsOutputsInnermost: Bool { self != .fewOutputs }
    }

    /// Whether this CPU runs the kernels (AVX2 and FMA) and the engine's blocked layout is theirs.
    static let available = cn_available() != 0 && DNNLContext.blockedLayout == .channelsBlocked8
    /// Whether convolutions run here when they can (tests turn it off to compare with oneDNN).
    nonisolated(unsafe) static var enabled = available
    /// Whether few-input convolutions with 9-wide kernels (a network's first layer) run by
    /// Winograd's F(8, 9) along rows where `ConvolutionAccuracy.current` is `.standard`: about 3.5×
    /// fewer operations than directly, values within about 3·10⁻⁵ of the output's scale (10⁻⁴ at
    /// worst) instead of 10⁻⁶ (tests turn it off).
    nonisolated(unsafe) static var winogradRows = true

    /// The kernel for a convolution of `geometry` from `inputChannels` laid out as `inputLayout`
    /// to `outputChannels`, or nil when it runs elsewhere. At most 6 channels on the narrow side,
    /// so that the input gradient's convolution (the other kernel) fits its registers too; padding
    /// below the kernel's size, so that the input gradient's is not negative.
    static func kernel(inputChannels: Int, outputChannels: Int, inputLayout: Layout,
                       geometry: WindowGeometry) -> Kernel? {
        let p = geometry.padding
        guard enabled, geometry.stride == 1, geometry.groups == 1,
              [p.top, p.bottom].allSatisfy({ $0 < geometry.kernelHeight }),
              [p.left, p.right].allSatisfy({ $0 < geometry.kernelWidth }) else { return nil }
        if inputLayout == .plain && inputChannels <= 6 && outputChannels % 8 == 0 { return .fewInputs }
        if inputLayout == .plain && inputChannels <= 6 && outputChannels <= 6 { return .fewInputsAndOutputs }
        if inputLayout == .channelsBlocked8 && outputChannels <= 6 { return .fewOutputs }
        return nil
    }

    /// The padding of the convolution that computes the input gradient of one of `geometry`.
    static func backwardPadding(_ geometry: WindowGeometry) -> (top: Int, left: Int) {
        (geometry.kernelHeight - 1 - geometry.padding.top, geometry.kernelWidth - 1 - geometry.padding.left)
    }

    /// Convolves `x` (`shape`, NCHW: blocked for `.fewOutputs`, else plain) with OIHW `weights`
    /// of `weightShape` into `y` (`kernel.outputLayout`) of `outputHeight`×`outputWidth`. With `transposed`, the convolution is the
    /// input gradient's of one with these weights: inputs and outputs swap, filters rotate by 180°.
    static func convolve(_ kernel: Kernel, _ x: UnsafePointer<Float>, shape: [Int], weights: UnsafePointer<Float>,
                         weightShape: [Int], transposed: Bool, bias: UnsafePointer<Float>?, applyingReLU: Bool,
                         padding: (top: Int, left: Int), outputHeight: Int, outputWidth: Int,
                         into y: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (weightShape[2], weightShape[3])
        let (inputs, outputs) = transposed ? (weightShape[0], weightShape[1]) : (weightShape[1], weightShape[0])
        precondition(shape[1] == inputs, "narrow convolution of \(shape) with \(weightShape)")
        let g = cn_geometry(input_channels: inputs, input_height: shape[2], input_width: shape[3],
                            output_channels: outputs, output_height: outputHeight, output_width: outputWidth,
                            kernel_height: kh, kernel_width: kw, pad_top: padding.top, pad_left: padding.left)
        /// Tap (ky, kx) of the filter from input channel i to output channel o of this convolution.
        func tap(_ o: Int, _ i: Int, _ ky: Int, _ kx: Int) -> Float {
            transposed ? weights[((i * outputs + o) * kh + kh - 1 - ky) * kw + kw - 1 - kx]
                       : weights[((o * inputs + i) * kh + ky) * kw + kx]
        }
        let alongRows = kernel == .fewInputs && kw == 9 && kh <= 64 && winogradRows
            && ConvolutionAccuracy.current == .standard
        var packed = [Float](repeating: 0, count: inputs * outputs * kh * kw)
        for o in 0..<outputs {
            for i in 0..<inputs {
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let index = alongRows ? ((o * inputs + i) * kh + ky) * kw + kx
                                  : kernel.packsOutputsInnermost ? ((i * kh + ky) * kw + kx) * outputs + o
                                  : (((o * inputs / 8 + i / 8) * kh + ky) * kw + kx) * 8 + i % 8
                        packed[index] = tap(o, i, ky, kx)
                    }
                }
            }
        }
        if alongRows {
            let taps = packed
            packed = [Float](repeating: 0, count: withUnsafePointer(to: g) { cn_winograd_rows_packed_count($0) })
            withUnsafePointer(to: g) { cn_winograd_rows_pack($0, taps, &packed) }
        }
        let workspace = alongRows ? withUnsafePointer(to: g) { cn_winograd_rows_workspace_count($0) } : 0
        let (inputSize, outputSize) = (inputs * shape[2] * shape[3], outputs * outputHeight * outputWidth)
        let pieces = min(outputHeight, ProcessInfo.processInfo.activeProcessorCount * 4)
        withUnsafePointer(to: g) { g in packed.withUnsafeBufferPointer { packed in
            parallelTasks(shape[0] * pieces) { task in
                let (image, piece) = (task / pieces, task % pieces)
                let rows = (outputHeight * piece / pieces, outputHeight * (piece + 1) / pieces)
                let (source, target) = (x + image * inputSize, y + image * outputSize)
                switch kernel {
                case .fewInputs where alongRows:
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workspace)
                    defer { scratch.deallocate() }
                    cn_few_inputs_winograd_rows(source, g, packed.baseAddress, bias, applyingReLU ? 1 : 0, rows.0, rows.1,
                                                scratch, target)
                case .fewInputs:
                    cn_few_inputs(source, g, packed.baseAddress, bias, applyingReLU ? 1 : 0, rows.0, rows.1, target)
                case .fewOutputs:
                    cn_few_outputs(source, g, packed.baseAddress, bias, applyingReLU ? 1 : 0, rows.0, rows.1, target)
                case .fewInputsAndOutputs:
                    cn_few_inputs_and_outputs(source, g, packed.baseAddress, bias, applyingReLU ? 1 : 0, rows.0, rows.1,
                                              target)
                }
            }
        } }
    }
}
