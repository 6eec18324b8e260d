/// Spatial parameters of a 2-D convolution or pooling window: its size, step and padding, and
/// for convolutions the channel groups.
public struct WindowGeometry: Hashable, Sendable {
    /// Window height in pixels.
    public var kernelHeight: Int
    /// Window width in pixels.
    public var kernelWidth: Int
    /// Step between windows, the same along both axes.
    public var stride: Int
    /// Zeros added around the input, each side on its own.
    public var padding: Padding2D
    /// Channel groups of a convolution: 1 connects every input channel to every output channel,
    /// the input's channel count makes it depthwise. Pooling windows have 1.
    public var groups: Int

    /// A `kernel`×`kernel` window moving by `stride` over an input padded by `padding` on every side.
    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.init(kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: Padding2D(padding))
    }

    /// A `kernelHeight`×`kernelWidth` window moving by `stride` over an input padded by `padding`,
    /// in `groups` channel groups.
    public init(kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Padding2D = Padding2D(0),
                groups: Int = 1) {
        (self.kernelHeight, self.kernelWidth, self.stride) = (kernelHeight, kernelWidth, stride)
        (self.padding, self.groups) = (padding, groups)
    }

    /// Output height for an input `height` pixels high (floor rounding, as PyTorch).
    public func outputHeight(_ height: Int) -> Int {
        (height + padding.top + padding.bottom - kernelHeight) / stride + 1
    }

    /// Output width for an input `width` pixels wide (floor rounding, as PyTorch).
    public func outputWidth(_ width: Int) -> Int {
        (width + padding.left + padding.right - kernelWidth) / stride + 1
    }
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
    /// `a / b`
    case divide
}

/// Element-wise functions of one tensor every backend provides.
public enum UnaryOperation: Hashable, Sendable {
    /// Hyperbolic tangent.
    case tanh
    /// `1 / (1 + e^−x)`.
    case sigmoid
    /// Square root.
    case sqrt
    /// `x²`.
    case square
    /// `min(max(x, low), high)` (ReLU6 is `clamp(0, 6)`); the gradient passes where `low < x < high`.
    case clamp(low: Float, high: Float)
    /// Integer quantisation and back, as an ONNX QuantizeLinear→DequantizeLinear pair:
    /// `(clamp(round(x / scale) + zeroPoint, low, high) − zeroPoint) · scale`, rounding halves to
    /// even (int8: `low` −128, `high` 127). The gradient passes where the integer was not
    /// clamped (the straight-through estimator, as PyTorch's fake quantisation).
    case fakeQuantize(scale: Float, zeroPoint: Float, low: Float, high: Float)
}

/// Padding added around the two spatial axes of an NCHW tensor, each side on its own.
public struct Padding2D: Hashable, Sendable {
    /// Rows added above and below, columns added left and right.
    public var top: Int, bottom: Int, left: Int, right: Int

    /// Pads each side by its own amount.
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    /// The same amount on every side.
    public init(_ all: Int) { self.init(top: all, bottom: all, left: all, right: all) }
}

/// What padded pixels hold.
public enum PaddingMode: String, Hashable, Sendable {
    /// Zeros.
    case zero
    /// The picture mirrored at its edge, the edge itself not repeated (PyTorch's `ReflectionPad2d`).
    case reflect
    /// The edge pixel repeated (PyTorch's `ReplicationPad2d`).
    case replicate
}

/// The seam between the engine and a device: memory and every kernel the ops need, with no autograd.
///
/// Kernels take and return tensors that do not record gradients; the ops in this module
/// wrap them with their backward rules. A backend may return any `Layout` that the shape
/// supports, and must accept any layout it returned. Memory belongs to the backend: tensors
/// are made by `upload`, read by `download`, and changed in place only by the kernels marked so.
public protocol ComputeBackend: AnyObject {
    // MARK: memory

    /// Bytes its tensors may take at once (the budget of the pool its memory comes from): what
    /// a run's size is checked against before any work.
    var memoryBudget: Int { get }

    /// A plain tensor holding `values` in row-major order.
    func upload(_ values: [Float], shape: [Int]) -> Tensor
    /// The elements of `x` in logical row-major order, whatever its layout.
    func download(_ x: Tensor) -> [Float]
    /// A tensor of `shape` in `layout`, every element `value`.
    func filled(shape: [Int], layout: Layout, value: Float) -> Tensor
    /// A copy of `x` in new memory (same shape and layout).
    func copy(_ x: Tensor) -> Tensor
    /// Overwrites `target`'s elements with `source`'s (same shape; layouts may differ), in place.
    func assign(_ source: Tensor, to target: Tensor)
    /// The same values in another memory order.
    func reorder(_ x: Tensor, to layout: Layout) -> Tensor

    // MARK: convolution and pooling

    /// 2-D cross-correlation of NCHW `x` with OIHW `weight` plus optional bias `[O]`,
    /// followed by `max(·, 0)` when `applyingReLU`.
    func convolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                     applyingReLU: Bool) -> Tensor
    /// `convolution` of `x` reflection-padded by `geometry.padding` (each side below the picture's),
    /// computed without the padded copy, or nil where the backend would rather have the copy
    /// (`pad` then `convolution`). For inference: it has no backward.
    func reflectionPaddedConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                                     applyingReLU: Bool) -> Tensor?
    /// `convolution` (stride 1, one group) of `x` nearest-upsampled by `factor`, the upsampled picture
    /// padded by `geometry.padding` with `paddingMode`, computed from `x` itself without the upsampled
    /// copy, or nil where the backend would rather have the copy (`upsampleNearest` then
    /// `convolution`). For inference: it has no backward.
    func upsampledConvolution(_ x: Tensor, factor: Int, weight: Tensor, bias: Tensor?, geometry: WindowGeometry,
                              paddingMode: PaddingMode, applyingReLU: Bool) -> Tensor?
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

    // MARK: element-wise

    /// `a ∘ b` element by element. Same shapes may come in any (shared) layout; different
    /// shapes are broadcast NumPy-style (equal ranks, each axis equal or 1) and must be plain.
    func binary(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor
    /// `sum += x` in place; both in the same layout and shape.
    func add(_ x: Tensor, into sum: Tensor)
    /// `x · scale + shift`, any layout.
    func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor
    /// `f(x)` element by element, any layout.
    func unary(_ operation: UnaryOperation, _ x: Tensor) -> Tensor
    /// `expression` over `inputs` (shape `shape`, or broadcast as `Tensor.evaluate` says) in one
    /// pass: the result when `keepingResult`, its spatial mean `[N, C, 1, 1]` when `spatialMean`,
    /// each bit for bit what the ops one by one give.
    func elementwise(_ expression: ElementwiseExpression, _ inputs: [Tensor], shape: [Int], keepingResult: Bool,
                     spatialMean: Bool) -> (result: Tensor?, spatialMean: Tensor?)
    /// `dy · f′` for `y = f(x)`, given both (a backend reads whichever it needs); layout of `x`.
    func unaryBackward(_ operation: UnaryOperation, _ dy: Tensor, x: Tensor, y: Tensor) -> Tensor
    /// `max(x, 0)`.
    func relu(_ x: Tensor) -> Tensor
    /// Which elements of a ReLU output `y` are positive, in a compact form of the backend's
    /// choosing: backward keeps this instead of the activation.
    func reluMask(_ y: Tensor) -> AnyObject
    /// `dy` where `mask` is set, else 0.
    func reluBackward(_ dy: Tensor, mask: AnyObject) -> Tensor

    // MARK: reductions and shapes (plain tensors)

    /// Plain `x` summed over every axis where `shape` has 1 (same rank), accumulated in double
    /// precision; a one-element `shape` sums everything.
    func sum(_ x: Tensor, to shape: [Int]) -> Tensor
    /// Plain `x` repeated along every axis where it has 1 to reach `shape` (same rank), in
    /// `layout` (one `shape` supports).
    func broadcast(_ x: Tensor, to shape: [Int], layout: Layout) -> Tensor
    /// `Σ|x|` over all elements, as a one-element tensor.
    func absoluteSum(_ x: Tensor) -> Tensor
    /// Elements `range` of axis `axis` of plain `x`.
    func slice(_ x: Tensor, axis: Int, range: Range<Int>) -> Tensor
    /// Plain tensors joined along `axis` (equal elsewhere).
    func concatenate(_ xs: [Tensor], axis: Int) -> Tensor
    /// Per batch entry of plain `[B, M, K]` `a` and `[B, K, N]` `b` (either transposed in its
    /// last two axes when asked; a batch of 1 is shared by every entry of the other): `a·b`.
    func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool, transposingB: Bool) -> Tensor

    // MARK: images

    /// NCHW `x` padded by `padding` with `mode`, any layout.
    func pad(_ x: Tensor, _ padding: Padding2D, mode: PaddingMode) -> Tensor
    /// Gradient of `pad` with respect to its input (of shape `inputShape`, layout of `dy`).
    func padBackward(_ dy: Tensor, _ padding: Padding2D, mode: PaddingMode, inputShape: [Int]) -> Tensor
    /// NCHW `x` with each pixel repeated `factor`×`factor` times (nearest-neighbour upsampling).
    func upsampleNearest(_ x: Tensor, factor: Int) -> Tensor
    /// Gradient of `upsampleNearest`: each `factor`×`factor` block of `dy` summed.
    func upsampleNearestBackward(_ dy: Tensor, factor: Int) -> Tensor
    /// Instance normalisation of NCHW `x` per sample and channel, `(x − μ)/sqrt(σ² + epsilon)` with
    /// the biased variance, then `· gamma + beta` (shapes `[C]`, or `[N, C]` for one per sample),
    /// then `max(·, 0)` if `applyingReLU`. `context` is what backward needs, made only when
    /// `keepingContext` (inference skips keeping x̂).
    func instanceNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, epsilon: Float,
                      applyingReLU: Bool, keepingContext: Bool) -> (y: Tensor, context: AnyObject?)
    /// Gradients of `instanceNorm` with respect to `x`, `gamma` and `beta` (nil where not given).
    func instanceNormBackward(_ dy: Tensor, context: AnyObject) -> (x: Tensor, gamma: Tensor?, beta: Tensor?)

    /// Per sample of NCHW `x` (any layout): `F Fᵀ · scale` with `F` the C×(H·W) matrix; shape
    /// `[N, C, C]`. `context` is what the backward pass needs of `x`, in a form of the backend's
    /// choosing. (A batched matmul with a layout-aware fast path.)
    func gram(_ x: Tensor, scale: Float) -> (y: Tensor, context: AnyObject)
    /// Gradient of `gram` with respect to its input, laid out like that input.
    func gramBackward(_ dg: Tensor, scale: Float, context: AnyObject) -> Tensor

    // MARK: optimiser updates (in place, so that parameters and state stay on the device)

    /// `y += alpha · x` in place (same shape and layout).
    func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor)
    /// `Σ a·b`, as a one-element tensor (same shape and layout).
    func dot(_ a: Tensor, _ b: Tensor) -> Tensor
    /// One Adam step on `parameter` in place with gradient `gradient` and moments `m`, `v`
    /// (updated in place): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
    /// `p ← p − stepSize · m / (sqrt(v / correction2) + epsilon)`.
    func adamUpdate(_ parameter: Tensor, gradient: Tensor, m: Tensor, v: Tensor, beta1: Float, beta2: Float,
                    stepSize: Float, correction2: Float, epsilon: Float)
}

extension ComputeBackend {
    /// The host pool's budget, for backends whose tensors live in the host's memory.
    public var memoryBudget: Int { BufferPool.shared.budget }
}

/// Where ops run. The caller chooses it once at start-up (e.g. `Backend.current = CPUBackend()`).
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
