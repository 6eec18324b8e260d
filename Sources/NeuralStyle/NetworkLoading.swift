import Foundation
import Models
import Tensor

extension VGG {
    /// The loss network `architecture` from the weights file at `path` (default: the cache's
    /// converted weights for it), or `StyleTransferError.missingWeights` (which names
    /// `make weights`) if the file is absent. A file holding another architecture is refused.
    public static func load(architecture: Architecture = .vgg19, path: String?,
                            pooling: PoolingKind = .max) throws -> VGG {
        let url = path.map { URL(fileURLWithPath: $0) } ?? VGGWeights.defaultURL(for: architecture)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StyleTransferError.missingWeights(architecture, path: url.path)
        }
        return try VGG(contentsOf: url, expecting: architecture, pooling: pooling)
    }
}
