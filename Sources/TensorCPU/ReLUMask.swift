import Tensor

/// One byte per element of a ReLU output: 1 where it was positive. A quarter of the
/// activation's size, which is all the backward pass needs of layers nobody else reads.
final class ReLUMask {
    let shape: [Int]
    let layout: Layout
    let count: Int
    let bytes: UnsafeMutablePointer<UInt8>

    init(shape: [Int], layout: Layout) {
        self.shape = shape
        self.layout = layout
        count = shape.reduce(1, *)
        bytes = BufferPool.shared.take(count).bindMemory(to: UInt8.self, capacity: count)
    }

    deinit { BufferPool.shared.give(UnsafeMutableRawPointer(bytes), bytes: count) }
}
