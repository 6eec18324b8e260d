import Tensor

/// How a network wants its input pixels: channel order, value range and normalisation.
/// It belongs to the weights (Caffe-trained and torchvision-trained VGGs differ).
public struct Preprocessing: Equatable, Sendable {
    /// Whether the first input channel is blue (Caffe) rather than red.
    public var bgr: Bool
    /// Multiplier from 0…255 pixel values to the network's range (1 for Caffe, 1/255 for torchvision).
    public var scale: Float
    /// Per-channel mean subtracted after scaling, in the network's channel order.
    public var mean: [Float]
    /// Per-channel divisor applied after subtracting the mean.
    public var std: [Float]

    /// Caffe's VGG convention: BGR, 0…255, minus the ImageNet mean pixel.
    public static let caffe = Preprocessing(bgr: true, scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1])
    /// torchvision's convention: RGB, 0…1, ImageNet mean and standard deviation.
    public static let torchvision = Preprocessing(bgr: false, scale: 1 / 255, mean: [0.485, 0.456, 0.406],
                                                  std: [0.229, 0.224, 0.225])

    /// RGB pixels in 0…255 as they are: what TransformerNet reads and writes.
    public static let rgb255 = Preprocessing(bgr: false, scale: 1, mean: [0, 0, 0], std: [1, 1, 1])
    /// RGB pixels in 0…1: what Magenta's networks read and write.
    public static let rgb01 = Preprocessing(bgr: false, scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1])

    /// Name stored in model files.
    public var name: String { self == .caffe ? "caffe" : self == .torchvision ? "torchvision" : "custom" }

    /// The convention named `name` in a model file.
    public init?(named name: String) {
        switch name {
        case "caffe": self = .caffe
        case "torchvision": self = .torchvision
        default: return nil
        }
    }

    /// A custom convention (see the properties for what each value means).
    public init(bgr: Bool, scale: Float, mean: [Float], std: [Float]) {
        self.bgr = bgr
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// A `[1, 3, height, width]` network input from interleaved RGB samples in 0…255.
    public func tensor(rgb samples: [Float], width: Int, height: Int) -> Tensor {
        let plane = width * height
        var values = [Float](repeating: 0, count: 3 * plane)
        for channel in 0..<3 {
            let source = bgr ? 2 - channel : channel
            for i in 0..<plane {
                values[channel * plane + i] = (samples[i * 3 + source] * scale - mean[channel]) / std[channel]
            }
        }
        return Tensor(shape: [1, 3, height, width], values: values)
    }

    /// Interleaved RGB samples in 0…255 (unclamped) from a `[1, 3, H, W]` network input.
    public func rgbSamples(from tensor: Tensor) -> [Float] {
        let (height, width) = (tensor.shape[2], tensor.shape[3])
        let plane = width * height
        let values = tensor.toArray()
        var samples = [Float](repeating: 0, count: 3 * plane)
        for channel in 0..<3 {
            let target = bgr ? 2 - channel : channel
            for i in 0..<plane {
                samples[i * 3 + target] = (values[channel * plane + i] * std[channel] + mean[channel]) / scale
            }
        }
        return samples
    }
}
