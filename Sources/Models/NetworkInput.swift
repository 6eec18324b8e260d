import Tensor

extension Preprocessing {
    /// `[N, 3, H, W]` RGB pixels in 0…255 prepared for a network with these conventions, as ops
    /// on the tape (gradients flow back to the pixels): channel order, scale, mean and deviation.
    public func networkInput(_ rgb: Tensor) -> Tensor {
        let ordered = bgr ? Tensor.concatenate((0..<3).reversed().map { rgb.slice(axis: 1, $0..<($0 + 1)) }, axis: 1) : rgb
        let factors = Tensor(shape: [1, 3, 1, 1], values: (0..<3).map { scale / std[$0] })
        let offsets = Tensor(shape: [1, 3, 1, 1], values: (0..<3).map { -mean[$0] / std[$0] })
        return ordered * factors + offsets
    }
}
