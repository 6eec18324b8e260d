/// An n-dimensional array of `Float` with an optional gradient, the engine's only data type.
///
/// A tensor's contents are fixed once an op has produced it, except for leaves that an
/// optimiser updates in place (`update(_:)`). Tensors computed from a tensor that
/// `requiresGrad` carry the tape entry that `backward()` follows.
public final class Tensor {
    /// Logical dimensions, outermost first (NCHW for images).
    public let shape: [Int]
    /// Memory order of the elements.
    public let layout: Layout
    /// The elements. Never replaced: `var` only so that the tape can ask whether it holds the sole
    /// reference (it then sums gradients in place).
    public internal(set) var storage: Storage
    /// The gradient accumulated by the last `backward()`, for leaves that require one.
    public internal(set) var grad: Tensor?
    /// This tensor's vertex on the tape; nil when no gradient flows through it.
    var gradNode: GradNode?

    /// Whether `backward()` computes a gradient for (or through) this tensor.
    public var requiresGrad: Bool { gradNode != nil }

    /// Wraps `storage` as a tensor of `shape` in `layout`.
    public init(shape: [Int], layout: Layout = .plain, storage: Storage, requiresGrad: Bool = false) {
        precondition(storage.count == shape.reduce(1, *), "storage of \(storage.count) elements for shape \(shape)")
        precondition(layout.supports(shape), "layout \(layout) cannot hold shape \(shape)")
        self.shape = shape
        self.layout = layout
        self.storage = storage
        if requiresGrad { gradNode = GradNode(leaf: self) }
    }

    /// A plain tensor holding `values` in row-major order, in the current backend's memory.
    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        let uploaded = Backend.current.upload(values, shape: shape)
        self.init(shape: shape, layout: uploaded.layout, storage: uploaded.storage, requiresGrad: requiresGrad)
    }

    /// A one-element tensor of shape `[]`.
    public convenience init(scalar: Float) {
        self.init(shape: [], values: [scalar])
    }

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], value: Float, layout: Layout = .plain) -> Tensor {
        Backend.current.filled(shape: shape, layout: layout, value: value)
    }

    /// Number of elements.
    public var count: Int { storage.count }

    /// The single element of a one-element tensor, copied to the host (a device waits for it).
    public func item() -> Float {
        precondition(count == 1, "item() of a tensor with \(count) elements")
        return Backend.current.download(self)[0]
    }

    /// The elements in logical row-major order, whatever the layout, copied to the host.
    public func toArray() -> [Float] { Backend.current.download(self) }

    /// The same values, cut from the tape: gradients will not flow through the result.
    public func detached() -> Tensor {
        Tensor(shape: shape, layout: layout, storage: storage)
    }

    /// A leaf copy of this tensor that records the ops applied to it, for `backward()`.
    public func variable() -> Tensor {
        let copy = Backend.current.copy(self)
        return Tensor(shape: shape, layout: layout, storage: copy.storage, requiresGrad: true)
    }

    /// Whether this leaf is a variable (trainable); switching it off freezes it. Only leaves
    /// (tensors no op produced) may be switched.
    public var isTrainable: Bool {
        get { gradNode?.isLeaf ?? false }
        set {
            precondition(gradNode == nil || gradNode!.isLeaf, "only leaves can be made trainable or frozen")
            gradNode = newValue ? (gradNode ?? GradNode(leaf: self)) : nil
            if !newValue { grad = nil }
        }
    }

    /// Overwrites a leaf's elements with `values`' (an optimiser step, a loaded checkpoint);
    /// forgets any stale gradient.
    public func assign(_ values: Tensor) {
        precondition(gradNode == nil || gradNode?.leaf === self, "only leaves can be updated in place")
        precondition(values.shape == shape, "assign \(values.shape) to \(shape)")
        Backend.current.assign(values, to: self)
        grad = nil
    }

    /// Forgets the gradient of the last `backward()`.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    /// Shape and layout, for messages.
    public var description: String { "Tensor(\(shape), \(layout))" }
}
