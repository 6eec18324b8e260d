/// cuDNN (libcudnn.so.9), looked up at run time: the CUDA backend's convolutions, forward and
/// both gradients, on NCHW float32 tensors, each shape's algorithm found once by timing them
/// (`cudnnFind…`) and kept.
final class CUDNN {
    private typealias Status = Int32
    private typealias Handle = OpaquePointer
    private typealias Descriptor = OpaquePointer

    /// One convolution's sizes: input `[n, c, h, w]`, filters `[k, c / groups, r, s]`, symmetric
    /// zero padding, one stride for both axes.
    struct Convolution: Hashable {
        var input: [Int], filters: [Int], padding: (height: Int, width: Int), stride: Int, groups: Int
        var tf32: Bool

        static func == (a: Self, b: Self) -> Bool {
            a.input == b.input && a.filters == b.filters && a.padding == b.padding && a.stride == b.stride
                && a.groups == b.groups && a.tf32 == b.tf32
        }
        func hash(into hasher: inout Hasher) {
            hasher.combine(input); hasher.combine(filters); hasher.combine(padding.height)
            hasher.combine(padding.width); hasher.combine(stride); hasher.combine(groups); hasher.combine(tf32)
        }

        /// The output's shape.
        var output: [Int] {
            [input[0], filters[0], (input[2] + 2 * padding.height - filters[2]) / stride + 1,
             (input[3] + 2 * padding.width - filters[3]) / stride + 1]
        }
    }

    /// What runs one convolution shape: its descriptors and each direction's algorithm and workspace.
    private struct Plan {
        let input: Descriptor, filters: Descriptor, output: Descriptor, convolution: Descriptor
        var algorithms: [Direction: (algorithm: Int32, workspace: Int, mathType: Int32)] = [:]
    }

    private let library: SharedLibrary
    private let handle: Handle
    private var plans: [Convolution: Plan] = [:]

    private typealias Find = @convention(c) (Handle, Descriptor, Descriptor, Descriptor, Descriptor, Int32,
                                             UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer) -> Status
    private typealias Run = @convention(c) (Handle, UnsafeRawPointer, Descriptor, UnsafeRawPointer, Descriptor,
                                            UnsafeRawPointer, Descriptor, Int32, UnsafeMutableRawPointer?, Int,
                                            UnsafeRawPointer, Descriptor, UnsafeMutableRawPointer) -> Status
    private let errorString: @convention(c) (Status) -> UnsafePointer<CChar>?
    private let createTensor, createFilter, createConvolution: @convention(c) (UnsafeMutablePointer<Descriptor?>) -> Status
    private let setTensor: @convention(c) (Descriptor, Int32, Int32, Int32, Int32, Int32, Int32) -> Status
    private let setFilter: @convention(c) (Descriptor, Int32, Int32, Int32, Int32, Int32, Int32) -> Status
    private let setConvolution: @convention(c) (Descriptor, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) -> Status
    private let setGroups, setMathType: @convention(c) (Descriptor, Int32) -> Status
    private let findForward, findBackwardData, findBackwardFilters: Find
    private let forward, backwardData, backwardFilters: Run

    /// cuDNN's numbers: NCHW, float32, cross-correlation (PyTorch's convolution), and the math
    /// types that allow TF32 tensor cores (default) or keep float32 multiply-adds.
    private static let nchw: Int32 = 0, float32: Int32 = 0, crossCorrelation: Int32 = 1
    private static let defaultMath: Int32 = 0, tensorOpMath: Int32 = 1, tensorOpMathAllowingConversion: Int32 = 2
    private static let fmaMath: Int32 = 3
    /// Bytes of one `cudnnConvolution…AlgoPerf_t` (algo, status, time, memory at 16, …, 48 in all).
    private static let performanceBytes = 48

    /// A cuDNN handle on the current context (a `CUDADevice` made it current).
    init() throws {
        library = try SharedLibrary(CUDALibraryNames.cudnn, what: "cuDNN")
        errorString = try library.function("cudnnGetErrorString")
        createTensor = try library.function("cudnnCreateTensorDescriptor")
        createFilter = try library.function("cudnnCreateFilterDescriptor")
        createConvolution = try library.function("cudnnCreateConvolutionDescriptor")
        setTensor = try library.function("cudnnSetTensor4dDescriptor")
        setFilter = try library.function("cudnnSetFilter4dDescriptor")
        setConvolution = try library.function("cudnnSetConvolution2dDescriptor")
        setGroups = try library.function("cudnnSetConvolutionGroupCount")
        setMathType = try library.function("cudnnSetConvolutionMathType")
        findForward = try library.function("cudnnFindConvolutionForwardAlgorithm")
        findBackwardData = try library.function("cudnnFindConvolutionBackwardDataAlgorithm")
        findBackwardFilters = try library.function("cudnnFindConvolutionBackwardFilterAlgorithm")
        forward = try library.function("cudnnConvolutionForward")
        backwardData = try library.function("cudnnConvolutionBackwardData")
        backwardFilters = try library.function("cudnnConvolutionBackwardFilter")
        let create: @convention(c) (UnsafeMutablePointer<Handle?>) -> Status = try library.function("cudnnCreate")
        var handle: Handle?
        let status = create(&handle)
        guard status == 0, let handle else { throw CUDAError("cudnnCreate failed: cuDNN status \(status)") }
        self.handle = handle
    }

    /// `y = x ⋆ w` (cross-correlation, no bias). Pointers are device addresses; `workspace` gives
    /// device scratch of at least the bytes asked.
    func convolve(_ shape: Convolution, x: UnsafeRawPointer, w: UnsafeRawPointer, y: UnsafeMutableRawPointer,
                  workspace: (Int) -> UnsafeMutableRawPointer?) throws {
        try execute(.forward, shape, x, w, into: y, workspace: workspace)
    }

    /// `dx` of `convolve` from `dy`.
    func inputGradient(_ shape: Convolution, dy: UnsafeRawPointer, w: UnsafeRawPointer, dx: UnsafeMutableRawPointer,
                       workspace: (Int) -> UnsafeMutableRawPointer?) throws {
        try execute(.inputGradient, shape, w, dy, into: dx, workspace: workspace)
    }

    /// `dw` of `convolve` from `x` and `dy`.
    func filterGradient(_ shape: Convolution, x: UnsafeRawPointer, dy: UnsafeRawPointer, dw: UnsafeMutableRawPointer,
                        workspace: (Int) -> UnsafeMutableRawPointer?) throws {
        try execute(.filterGradient, shape, x, dy, into: dw, workspace: workspace)
    }

    /// The three things cuDNN computes of a convolution.
    private enum Direction: Hashable { case forward, inputGradient, filterGradient }

    /// `out` of `direction` from `a` and `b`, in cuDNN's order for it (forward: x, w → y; input
    /// gradient: w, dy → dx; filter gradient: x, dy → dw), its algorithm found on first use.
    private func execute(_ direction: Direction, _ shape: Convolution, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer,
                         into out: UnsafeMutableRawPointer, workspace: (Int) -> UnsafeMutableRawPointer?) throws {
        var plan = try self.plan(shape)
        let (descriptors, find, function, name) = switch direction {
        case .forward: ((plan.input, plan.filters, plan.output), findForward, forward, "forward")
        case .inputGradient: ((plan.filters, plan.output, plan.input), findBackwardData, backwardData, "backward data")
        case .filterGradient: ((plan.input, plan.output, plan.filters), findBackwardFilters, backwardFilters,
                               "backward filter")
        }
        if plan.algorithms[direction] == nil {
            plan.algorithms[direction] = try fastest(find, descriptors.0, descriptors.1, plan.convolution, descriptors.2,
                                                     tf32: shape.tf32, name)
            plans[shape] = plan
        }
        let (algorithm, bytes, mathType) = plan.algorithms[direction]!
        // Each algorithm runs with the math type it was timed with (one descriptor serves all three directions).
        try check(setMathType(plan.convolution, mathType), "cudnnSetConvolutionMathType")
        try run(function, descriptors.0, a, descriptors.1, b, plan.convolution, algorithm, workspace(bytes), bytes,
                descriptors.2, out, "cudnnConvolution (\(name))")
    }

    private func plan(_ shape: Convolution) throws -> Plan {
        if let plan = plans[shape] { return plan }
        func made(_ create: @convention(c) (UnsafeMutablePointer<Descriptor?>) -> Status) throws -> Descriptor {
            var descriptor: Descriptor?
            try check(create(&descriptor), "cudnnCreate…Descriptor")
            return descriptor!
        }
        let (input, filters, output, convolution) = (try made(createTensor), try made(createFilter),
                                                     try made(createTensor), try made(createConvolution))
        let (x, w, y) = (shape.input.map(Int32.init), shape.filters.map(Int32.init), shape.output.map(Int32.init))
        try check(setTensor(input, Self.nchw, Self.float32, x[0], x[1], x[2], x[3]), "cudnnSetTensor4dDescriptor")
        try check(setFilter(filters, Self.float32, Self.nchw, w[0], w[1], w[2], w[3]), "cudnnSetFilter4dDescriptor")
        try check(setTensor(output, Self.nchw, Self.float32, y[0], y[1], y[2], y[3]), "cudnnSetTensor4dDescriptor")
        try check(setConvolution(convolution, Int32(shape.padding.height), Int32(shape.padding.width),
                                 Int32(shape.stride), Int32(shape.stride), 1, 1, Self.crossCorrelation, Self.float32),
                  "cudnnSetConvolution2dDescriptor")
        try check(setGroups(convolution, Int32(shape.groups)), "cudnnSetConvolutionGroupCount")
        try check(setMathType(convolution, shape.tf32 ? Self.defaultMath : Self.fmaMath), "cudnnSetConvolutionMathType")
        let plan = Plan(input: input, filters: filters, output: output, convolution: convolution)
        plans[shape] = plan
        return plan
    }

    /// The fastest algorithm that `find` timed and that succeeded, with its workspace bytes and
    /// math type; for float32 convolutions only one without tensor-core math (TF32 inputs), run
    /// with float32 multiply-adds.
    private func fastest(_ find: Find, _ a: Descriptor, _ b: Descriptor, _ c: Descriptor, _ d: Descriptor,
                         tf32: Bool, _ what: String) throws -> (algorithm: Int32, workspace: Int, mathType: Int32) {
        let requested: Int32 = 8
        let results = UnsafeMutableRawPointer.allocate(byteCount: Int(requested) * Self.performanceBytes, alignment: 8)
        defer { results.deallocate() }
        var returned: Int32 = 0
        try check(find(handle, a, b, c, d, requested, &returned, results), "cudnnFindConvolution (\(what))")
        // Sorted fastest first; the first whose status is success (and math type, at offset 28, allowed).
        for index in 0..<Int(returned) {
            let result = results + index * Self.performanceBytes
            let mathType = result.load(fromByteOffset: 28, as: Int32.self)
            let tensorOps = [Self.tensorOpMath, Self.tensorOpMathAllowingConversion].contains(mathType)
            if result.load(fromByteOffset: 4, as: Int32.self) == 0 && (tf32 || !tensorOps) {
                return (result.load(as: Int32.self), Int(result.load(fromByteOffset: 16, as: UInt64.self)),
                        tf32 ? mathType : Self.fmaMath)
            }
        }
        throw CUDAError("cuDNN has no \(what) convolution algorithm for this shape")
    }

    private func run(_ function: Run, _ aDescriptor: Descriptor, _ a: UnsafeRawPointer, _ bDescriptor: Descriptor,
                     _ b: UnsafeRawPointer, _ convolution: Descriptor, _ algorithm: Int32,
                     _ workspace: UnsafeMutableRawPointer?, _ bytes: Int, _ outDescriptor: Descriptor,
                     _ out: UnsafeMutableRawPointer, _ call: String) throws {
        var (one, zero): (Float, Float) = (1, 0)
        try check(function(handle, &one, aDescriptor, a, bDescriptor, b, convolution, algorithm, workspace, bytes,
                           &zero, outDescriptor, out), call)
    }

    private func check(_ status: Status, _ call: String) throws {
        guard status != 0 else { return }
        throw CUDAError("\(call) failed: \(errorString(status).map { String(cString: $0) } ?? "cuDNN status \(status)")")
    }
}
