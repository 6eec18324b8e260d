import CDNNL
import Tensor

/// What identifies a pooling for primitive reuse.
struct PoolingKey: Hashable {
    let inputShape: [Int]
    let layout: Layout
    let kind: PoolingKind
    let geometry: WindowGeometry
}

/// The workspace a max-pooling forward leaves for its backward (argmax positions).
final class PoolingWorkspace {
    let storage: Storage
    init(storage: Storage) { self.storage = storage }
}

/// The oneDNN primitives of one pooling shape, created on first use and kept.
final class PoolingPlan {
    let key: PoolingKey
    let outputShape: [Int]
    let forward: DNNLPrimitive
    let workspaceDescriptor: dnnl_memory_desc_t?
    private let context: DNNLContext
    private var backwardPrimitive: DNNLPrimitive?

    init(_ key: PoolingKey, context: DNNLContext) {
        self.key = key
        self.context = context
        let g = key.geometry
        outputShape = [key.inputShape[0], key.inputShape[1],
                       g.outputHeight(key.inputShape[2]), g.outputWidth(key.inputShape[3])]
        var src = context.descriptor(key.inputShape, key.layout)
        var dst = context.descriptor(outputShape, key.layout)
        var desc = dnnl_pooling_desc_t()
        dnnlCheck(dnnl_pooling_forward_desc_init(&desc, dnnl_forward_training, PoolingPlan.algorithm(key.kind),
                                                 &src, &dst, g.dnnlStrides, g.dnnlKernel, g.dnnlPaddingBefore,
                                                 PoolingPlan.padRight(key, outputShape)),
                  "pooling_forward_desc_init(\(key))")
        guard let primitive = DNNLPrimitive(&desc, engine: context.engine) else {
            fatalError("oneDNN has no pooling for \(key)")
        }
        forward = primitive
        var workspace = primitive.memoryDescriptor(dnnl_query_workspace_md)
        workspaceDescriptor = dnnl_memory_desc_get_size(&workspace) > 0 ? workspace : nil
    }

    var backward: DNNLPrimitive {
        if let backwardPrimitive { return backwardPrimitive }
        let g = key.geometry
        var diffSrc = context.descriptor(key.inputShape, key.layout)
        var diffDst = context.descriptor(outputShape, key.layout)
        var desc = dnnl_pooling_desc_t()
        dnnlCheck(dnnl_pooling_backward_desc_init(&desc, PoolingPlan.algorithm(key.kind), &diffSrc, &diffDst,
                                                  g.dnnlStrides, g.dnnlKernel, g.dnnlPaddingBefore,
                                                  PoolingPlan.padRight(key, outputShape)),
                  "pooling_backward_desc_init(\(key))")
        guard let primitive = DNNLPrimitive(&desc, engine: context.engine, hint: forward) else {
            fatalError("oneDNN has no pooling backward for \(key)")
        }
        backwardPrimitive = primitive
        return primitive
    }

    private static func algorithm(_ kind: PoolingKind) -> dnnl_alg_kind_t {
        kind == .max ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding
    }

    /// Right/bottom padding that makes oneDNN's window count equal PyTorch's floor rounding.
    private static func padRight(_ key: PoolingKey, _ output: [Int]) -> [Int64] {
        let g = key.geometry
        let (kernel, before) = ([g.kernelHeight, g.kernelWidth], [g.padding.top, g.padding.left])
        return (0...1).map { axis in
            Int64((output[axis + 2] - 1) * g.stride + kernel[axis] - key.inputShape[axis + 2] - before[axis])
        }
    }
}
