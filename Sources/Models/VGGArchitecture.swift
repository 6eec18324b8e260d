extension VGG {
    /// Which VGG network: both share the layer pattern (3×3 convolutions, each followed by a
    /// ReLU, five blocks ending in a 2×2 pooling) and differ in convolutions per block.
    public enum Architecture: String, CaseIterable, Sendable {
        /// VGG-16 (configuration D): 13 convolutions.
        case vgg16
        /// VGG-19 (configuration E): 16 convolutions, the network of Gatys et al.
        case vgg19

        /// Convolutions per block, and their output channels.
        public var blocks: [(convolutions: Int, channels: Int)] {
            switch self {
            case .vgg16: return [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
            case .vgg19: return [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]
            }
        }

        /// The name people write, e.g. `VGG-19`.
        public var displayName: String { self == .vgg16 ? "VGG-16" : "VGG-19" }

        /// Every layer name in forward order: `conv1_1`, `relu1_1`, …, `pool5`.
        public var layerNames: [String] {
            blocks.enumerated().flatMap { index, block in
                (1...block.convolutions).flatMap { ["conv\(index + 1)_\($0)", "relu\(index + 1)_\($0)"] }
                    + ["pool\(index + 1)"]
            }
        }

        /// The smallest height and width that still leave at least one pixel at every one of
        /// `layers` (each pooling halves the picture, rounding down).
        public func minimumInputSide(for layers: Set<String>) -> Int {
            let names = layerNames
            let deepest = names.lastIndex(where: layers.contains) ?? 0
            let pools = names.prefix(deepest).filter { $0.hasPrefix("pool") }.count
            return 1 << (pools + (names[deepest].hasPrefix("pool") ? 1 : 0))
        }
    }
}
