/// Spatial parameters of a 2-D convolution or pooling window (square, same on both axes).
public struct WindowGeometry: Hashable, Sendable {
    /// Window side in pixels.
    public var kernel: Int
    /// Step between windows.
    public var stride: Int
    /// Zero padding added on each side.
    public var padding: Int

    /// Describes a `kernel`×`kernel` window moving by `stride` over an input padded by `padding`.
    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// Output extent along one axis for an input extent `size` (floor rounding, as PyTorch).
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }
}

/// Which reduction a pooling window applies.
public enum PoolingKind: String, Hashable, Sendable, CaseIterable {
    /// The window's largest value.
    case max
    /// The window's mean.
    case average
}

/// Element-wise binary operations every backend provides.
public enum BinaryOperation: Hashable, Sendable {
    /// `a + b`
    case add
    /// `a − b`
    case subtract
    /// `a · b`
    case multiply
}

/// The seam between the engine and a device: every kernel the ops need, with no autograd.
///
/// Kernels take and return tensors that do not record gradients; the ops in this module
/// wrap them with their backward rules. A backend may return any `Layout` that the shape
/// supports, and must accept any layout it returned.
public protocol ComputeBackend: AnyObject {
    /// A tensor of `shape` in `layout`, every element `value`.
    func filled(shape: [Int], layout: Layout, value: Float) -> Tensor
    /// The same values in another memory order.
    func reorder(_ x: Tensor, to layout: Layout) -> Tensor

    /// 2-D cross-correlation of NCHW `x` with OIHW `weight` plus optional bias `[O]`,
    /// followed by `max(·, 0)` when `applyingReLU`.
    func convolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                     applyingReLU: Bool) -> Tensor
    /// Gradient of `convolution` with respect to its input, laid out like `inputLayout`;
    /// `dy` is first masked by `reluMask` (from `reluMask(_:)` of a fused ReLU's output) if given,
    /// which a backend may fold into its own pass over `dy`.
    func convolutionBackwardData(_ dy: Tensor, reluMask: AnyObject?, weight: Tensor, inputShape: [Int],
                                 inputLayout: Layout, geometry: WindowGeometry) -> Tensor
    /// Gradients of `convolution` with respect to the (plain OIHW) weight and the bias.
    func convolutionBackwardWeights(_ dy: Tensor, input x: Tensor, weightShape: [Int], withBias: Bool,
                                    geometry: WindowGeometry) -> (weight: Tensor, bias: Tensor?)

    /// Pooling forward; `context` is whatever the backward pass needs besides the shapes.
    func pooling(_ x: Tensor, kind: PoolingKind, geometry: WindowGeometry) -> (y: Tensor, context: AnyObject?)
    /// Gradient of `pooling` with respect to its input.
    func poolingBackward(_ dy: Tensor, inputShape: [Int], inputLayout: Layout, kind: PoolingKind,
                         geometry: WindowGeometry, context: AnyObject?) -> Tensor

    /// `a ∘ b` element by element; both in the same layout and shape.
    func binary(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor
    /// `sum += x` in place; both in the same layout and shape.
    func add(_ x: Tensor, into sum: Tensor)
    /// `x · factor`.
    func scaled(_ x: Tensor, by factor: Float) -> Tensor
    /// `max(x, 0)`.
    func relu(_ x: Tensor) -> Tensor
    /// Which elements of a ReLU output `y` are positive, in a compact form of the backend's
    /// choosing: backward keeps this instead of the activation.
    func reluMask(_ y: Tensor) -> AnyObject
    /// `dy` where `mask` is set, else 0.
    func reluBackward(_ dy: Tensor, mask: AnyObject) -> Tensor
    /// Sum of all elements, accumulated in double precision.
    func sum(_ x: Tensor) -> Float
    /// `Σ|x|` over all elements.
    func absoluteSum(_ x: Tensor) -> Float

    /// Per sample of NCHW `x` (any layout): `F Fᵀ · scale` with `F` the C×(H·W) matrix; shape
    /// `[N, C, C]`. `context` is what the backward pass needs of `x`, in a form of the backend's choosing.
    func gram(_ x: Tensor, scale: Float) -> (y: Tensor, context: AnyObject)
    /// Gradient of `gram` with respect to its input, laid out like that input.
    func gramBackward(_ dg: Tensor, scale: Float, context: AnyObject) -> Tensor

    /// `Σ_{n,c,i<H−1,j<W−1} (x[i,j]−x[i,j+1])² + (x[i,j]−x[i+1,j])²` over plain NCHW `x`.
    func totalVariation(_ x: Tensor) -> Float
    /// Gradient of `totalVariation` times `scale`.
    func totalVariationBackward(_ x: Tensor, scale: Float) -> Tensor
}

/// Where ops run. Set once at start-up (e.g. `Backend.current = CPUBackend()`).
public enum Backend {
    nonisolated(unsafe) private static var installed: ComputeBackend?

    /// The backend every op uses.
    public static var current: ComputeBackend {
        get {
            guard let installed else { fatalError("no compute backend installed: set Backend.current first") }
            return installed
        }
        set { installed = newValue }
    }

    /// Whether a backend has been installed.
    public static var isInstalled: Bool { installed != nil }
}
