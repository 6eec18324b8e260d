import Foundation
import Models
import Tensor

extension VGG19 {
    /// The loss network from the weights file at `path` (default: the cache's converted
    /// weights), or `StyleTransferError.missingWeights` (which names `make weights`) if the
    /// file is absent.
    public static func load(path: String?, pooling: PoolingKind = .max) throws -> VGG19 {
        let url = path.map { URL(fileURLWithPath: $0) } ?? VGG19Weights.defaultURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StyleTransferError.missingWeights(path: url.path)
        }
        return try VGG19(contentsOf: url, pooling: pooling)
    }
}
