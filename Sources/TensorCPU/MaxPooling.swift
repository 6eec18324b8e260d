import CKernels
import Foundation
import Tensor

/// 2×2 max pooling with stride 2 (VGG's) over 8-channel-blocked activations, on `CKernels`'
/// AVX2 loops: one pass that writes the maxima and, per output, one byte naming the window
/// position it came from, which is all the backward pass reads. oneDNN's AVX2 pooling took 3–4
/// times as long here for the same bytes moved.
///
/// Ties go to the first position (row by row) and a NaN wins, as in PyTorch; after a ReLU a
/// tie is almost always among zeros, whose gradient the ReLU then stops anyway.
enum MaxPooling {
    /// Whether pooling runs here where it can (the CPU has AVX2; tests turn it off to compare
    /// with oneDNN).
    nonisolated(unsafe) static var enabled = ck_available() != 0

    /// The window positions of a pooling's maxima, one byte per output element: its backward context.
    final class Choices {
        let storage: Storage
        init(count: Int) { storage = Storage(bytes: count) }
        var bytes: UnsafeMutablePointer<UInt8> { storage.raw.assumingMemoryBound(to: UInt8.self) }
    }

    /// Whether a `kind` pooling of `geometry` over a `shape` tensor laid out as `layout` runs here.
    static func runs(_ kind: PoolingKind, shape: [Int], layout: Layout, geometry: WindowGeometry) -> Bool {
        let p = geometry.padding
        return enabled && kind == .max && layout == .channelsBlocked8 && shape.count == 4 && shape[2] >= 2 && shape[3] >= 2
            && geometry.kernelHeight == 2 && geometry.kernelWidth == 2 && geometry.stride == 2
            && [p.top, p.bottom, p.left, p.right].allSatisfy { $0 == 0 }
    }

    /// The pooled tensor and the positions its maxima came from.
    static func forward(_ x: Tensor) -> (y: Tensor, choices: Choices) {
        let (height, width) = (x.shape[2], x.shape[3])
        let shape = [x.shape[0], x.shape[1], height / 2, width / 2]
        let y = Tensor(shape: shape, layout: x.layout, storage: Storage(count: shape.reduce(1, *)))
        let choices = Choices(count: y.count)
        forEachPlaneRange(x.shape) { begin, end in
            ck_max_pool_2x2(x.storage.pointer, height, width, begin, end, y.storage.pointer, choices.bytes)
        }
        return (y, choices)
    }

    /// The gradient of the pooling's input (`inputShape`, blocked) for `dy`, its output's gradient.
    static func backward(_ dy: Tensor, choices: Choices, inputShape: [Int]) -> Tensor {
        let dx = Tensor(shape: inputShape, layout: dy.layout, storage: Storage(count: inputShape.reduce(1, *)))
        forEachPlaneRange(inputShape) { begin, end in
            ck_max_pool_2x2_backward(dy.storage.pointer, choices.bytes, inputShape[2], inputShape[3], begin, end,
                                     dx.storage.pointer)
        }
        return dx
    }

    /// Calls `body(begin, end)` on ranges of the planes (images × channel blocks) of `shape`, in parallel.
    private static func forEachPlaneRange(_ shape: [Int], _ body: (Int, Int) -> Void) {
        let planes = shape[0] * shape[1] / 8
        let pieces = min(planes, ProcessInfo.processInfo.activeProcessorCount * 4)
        parallelTasks(pieces) { piece in body(planes * piece / pieces, planes * (piece + 1) / pieces) }
    }
}
