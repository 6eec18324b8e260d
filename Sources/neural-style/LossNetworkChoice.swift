import ArgumentParser
import Models
import NeuralStyle
import Tensor

/// The VGG a command computes its losses with, as the user names it.
enum LossNetworkChoice: String, ExpressibleByArgument, CaseIterable {
    case vgg16, vgg19

    /// The frozen network, from `path` or the cache's default file.
    func load(path: String?, pooling: PoolingKind = .max) throws -> VGG19 {
        try VGG19.load(path: path, pooling: pooling)
    }

    /// Its layer names, for checking `--content-layers` and `--style-layers`.
    var layerNames: [String] { VGG19.layerNames }
}
