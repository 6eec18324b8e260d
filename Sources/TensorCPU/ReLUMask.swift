import Tensor

/// One byte per element of a ReLU output: 1 where it was positive. A quarter of the
/// activation's size, which is all the backward pass needs of layers nobody else reads.
final class ReLUMask {
    let shape: [Int]
    let layout: Layout
    let count: Int
    private let storage: Storage
    /// The mask's bytes, valid while the mask is alive.
    var bytes: UnsafeMutablePointer<UInt8> { storage.raw.assumingMemoryBound(to: UInt8.self) }

    init(shape: [Int], layout: Layout) {
        self.shape = shape
        self.layout = layout
        count = shape.reduce(1, *)
        storage = Storage(bytes: count)
    }

    /// `object` as a CPU mask; anything else is a programming error (a mask from another backend).
    static func from(_ object: AnyObject) -> ReLUMask {
        guard let mask = object as? ReLUMask else { fatalError("not a CPU ReLU mask") }
        return mask
    }
}
