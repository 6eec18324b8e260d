import CDNNL
import Tensor

/// oneDNN's execution-argument indices (C macros that Swift does not import).
enum DNNLArgument {
    static let src: Int32 = 1, dst: Int32 = 17, weights: Int32 = 33, bias: Int32 = 41
    static let workspace: Int32 = 64
    static let diffSrc: Int32 = 129, diffDst: Int32 = 145, diffWeights: Int32 = 161, diffBias: Int32 = 169
    static let scratchpad: Int32 = 80
}

/// Stops with a message naming the oneDNN call that failed; these are programming errors.
func dnnlCheck(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
    if status != dnnl_success { fatalError("oneDNN \(what()) failed with status \(status.rawValue)") }
}

/// A created primitive with its descriptor; destroys both when released.
///
/// Every primitive takes its scratch memory from the caller (`scratchpad`), which `DNNLContext`
/// lends from the buffer pool for each execution: oneDNN's own global scratchpad would hold its
/// largest size (about 70 MB for VGG's Winograd layers) for the life of the process, where pool
/// buffers serve activations whenever no primitive runs.
final class DNNLPrimitive {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    /// The scratch memory each execution needs, and its size.
    let scratchpad: dnnl_memory_desc_t
    let scratchpadBytes: Int

    /// Creates the primitive described by `opDescriptor`, or nil if oneDNN has no implementation.
    convenience init?(_ opDescriptor: UnsafeRawPointer, engine: dnnl_engine_t, hint: DNNLPrimitive? = nil,
                      attributes: DNNLAttributes = DNNLAttributes()) {
        var pd: dnnl_primitive_desc_t?
        guard dnnl_primitive_desc_create(&pd, opDescriptor, attributes.attributes, engine,
                                         hint?.descriptor) == dnnl_success,
              let pd else { return nil }
        self.init(pd)
    }

    /// Wraps a primitive descriptor made by one of oneDNN's `…_primitive_desc_create` functions.
    init(_ pd: dnnl_primitive_desc_t) {
        var primitive: dnnl_primitive_t?
        dnnlCheck(dnnl_primitive_create(&primitive, pd), "primitive_create")
        descriptor = pd
        self.primitive = primitive!
        var scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
        scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
        self.scratchpad = scratchpad
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// oneDNN's name for the kernel it chose, e.g. `brgconv:avx512_core_amx_bf16`.
    var implementation: String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success,
              let name else { return "" }
        return String(cString: name)
    }

    /// The memory descriptor the primitive expects for `query` (e.g. its weights).
    func memoryDescriptor(_ query: dnnl_query_t) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(descriptor, query, 0).pointee
    }
}

/// Primitive attributes: scratch memory supplied by the caller, and optionally a fused ReLU.
final class DNNLAttributes {
    let attributes: dnnl_primitive_attr_t

    /// Attributes with no post-op.
    init() {
        var attributes: dnnl_primitive_attr_t?
        dnnlCheck(dnnl_primitive_attr_create(&attributes), "primitive_attr_create")
        dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
                  "primitive_attr_set_scratchpad_mode")
        self.attributes = attributes!
    }

    /// Attributes that apply `max(·, 0)` to a primitive's output.
    static func relu() -> DNNLAttributes {
        var postOps: dnnl_post_ops_t?
        dnnlCheck(dnnl_post_ops_create(&postOps), "post_ops_create")
        defer { dnnl_post_ops_destroy(postOps) }
        dnnlCheck(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "post_ops_append_eltwise")
        let relu = DNNLAttributes()
        dnnlCheck(dnnl_primitive_attr_set_post_ops(relu.attributes, postOps), "primitive_attr_set_post_ops")
        return relu
    }

    deinit { dnnl_primitive_attr_destroy(attributes) }
}

/// The CPU engine and stream, and the few helpers every primitive needs.
final class DNNLContext {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    init() {
        var engine: dnnl_engine_t?
        dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
        var stream: dnnl_stream_t?
        dnnlCheck(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
        self.engine = engine!
        self.stream = stream!
    }

    deinit {
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }

    /// Reorders between arbitrary descriptors (weights, padded gradients), created once each.
    private var reorderCache: [(from: dnnl_memory_desc_t, to: dnnl_memory_desc_t, primitive: DNNLPrimitive)] = []

    /// Descriptor of an f32 tensor of `shape` in `layout`.
    func descriptor(_ shape: [Int], _ layout: Layout) -> dnnl_memory_desc_t {
        descriptor(shape, tag: DNNLContext.tag(for: layout, rank: shape.count))
    }

    /// Descriptor of a tensor of `shape` with an explicit format `tag` (or `dnnl_format_tag_any`).
    func descriptor(_ shape: [Int], tag: dnnl_format_tag_t,
                    dataType: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims = shape.map(Int64.init)
        dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(shape.count), dims, dataType, tag),
                  "memory_desc_init_by_tag(\(shape))")
        return md
    }

    /// Descriptor of a tensor of `shape` whose elements are `strides` elements apart per axis.
    func descriptor(_ shape: [Int], strides: [Int], dataType: dnnl_data_type_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(shape.count), shape.map(Int64.init),
                                                   dataType, strides.map(Int64.init)),
                  "memory_desc_init_by_strides(\(shape))")
        return md
    }

    /// A matrix product `destination = source · weights`, or nil if oneDNN has none for these operands.
    func matmul(_ source: dnnl_memory_desc_t, _ weights: dnnl_memory_desc_t,
                _ destination: dnnl_memory_desc_t) -> DNNLPrimitive? {
        var (src, wei, dst) = (source, weights, destination)
        var desc = dnnl_matmul_desc_t()
        guard dnnl_matmul_desc_init(&desc, &src, &wei, nil, &dst) == dnnl_success else { return nil }
        return DNNLPrimitive(&desc, engine: engine)
    }

    /// The blocked layout this CPU's convolution kernels want: 16 channels for AVX-512, else 8
    /// (AVX2 kernels only read nChw8c; given nChw16c oneDNN falls back to its reference code).
    static let blockedLayout: Layout = dnnl_get_effective_cpu_isa().rawValue >= dnnl_cpu_isa_avx512_core.rawValue
        ? .channelsBlocked16 : .channelsBlocked8

    static func tag(for layout: Layout, rank: Int) -> dnnl_format_tag_t {
        switch (layout, rank) {
        case (.channelsBlocked16, _): return dnnl_nChw16c
        case (.channelsBlocked8, _): return dnnl_nChw8c
        case (.plain, 1): return dnnl_a
        case (.plain, 2): return dnnl_ab
        case (.plain, 3): return dnnl_abc
        case (.plain, 4): return dnnl_abcd
        case (.plain, 5): return dnnl_abcde
        default: fatalError("no oneDNN format for rank \(rank)")
        }
    }

    /// Runs `primitive` on raw buffers described by `(argument, descriptor, pointer)`.
    func execute(_ primitive: DNNLPrimitive,
                 _ arguments: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)]) {
        var memories: [dnnl_exec_arg_t] = []
        for (argument, descriptor, pointer) in arguments {
            var md = descriptor
            var memory: dnnl_memory_t?
            dnnlCheck(dnnl_memory_create(&memory, &md, engine, pointer), "memory_create")
            memories.append(dnnl_exec_arg_t(arg: argument, memory: memory))
        }
        var scratchpad = primitive.scratchpad
        let scratchBytes = primitive.scratchpadBytes
        let scratch = scratchBytes > 0 ? BufferPool.shared.take(scratchBytes) : nil
        if let scratch {
            var memory: dnnl_memory_t?
            dnnlCheck(dnnl_memory_create(&memory, &scratchpad, engine, scratch), "memory_create(scratchpad)")
            memories.append(dnnl_exec_arg_t(arg: DNNLArgument.scratchpad, memory: memory))
        }
        defer {
            for argument in memories { dnnl_memory_destroy(argument.memory) }
            if let scratch { BufferPool.shared.give(scratch, bytes: scratchBytes) }
        }
        dnnlCheck(dnnl_primitive_execute(primitive.primitive, stream, Int32(memories.count), memories),
                  "primitive_execute")
        dnnlCheck(dnnl_stream_wait(stream), "stream_wait")
    }

    /// A reorder between two descriptors of the same logical tensor.
    func reorder(from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t) -> DNNLPrimitive {
        var (src, dst) = (source, destination)
        var pd: dnnl_primitive_desc_t?
        let attributes = DNNLAttributes()
        withExtendedLifetime(attributes) {
            dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, attributes.attributes),
                      "reorder_primitive_desc")
        }
        return DNNLPrimitive(pd!)
    }

    /// Copies `source` (described by `from`) into a new buffer laid out as `to`.
    func reordered(_ source: UnsafeMutableRawPointer, from: dnnl_memory_desc_t,
                   to: dnnl_memory_desc_t) -> Storage {
        var (a, b) = (from, to)
        let result = Storage(bytes: dnnl_memory_desc_get_size(&b))
        if dnnl_memory_desc_equal(&a, &b) != 0 {
            result.raw.copyMemory(from: source, byteCount: dnnl_memory_desc_get_size(&b))
        } else {
            let primitive: DNNLPrimitive
            if let cached = reorderCache.first(where: { sameLayout($0.from, a) && sameLayout($0.to, b) }) {
                primitive = cached.primitive
            } else {
                primitive = reorder(from: a, to: b)
                reorderCache.append((a, b, primitive))
            }
            execute(primitive, [(DNNLArgument.src, a, source), (DNNLArgument.dst, b, result.raw)])
        }
        return result
    }
}

/// Whether two descriptors describe the same memory layout.
func sameLayout(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
    var (a, b) = (a, b)
    return dnnl_memory_desc_equal(&a, &b) != 0
}

extension Storage {
    /// The elements as an untyped pointer, as oneDNN takes them.
    var raw: UnsafeMutableRawPointer { UnsafeMutableRawPointer(pointer) }

    /// Room for at least `bytes` bytes of any element type (e.g. bfloat16 copies).
    convenience init(bytes: Int) {
        self.init(count: (bytes + MemoryLayout<Float>.stride - 1) / MemoryLayout<Float>.stride)
    }
}

extension WindowGeometry {
    /// oneDNN's per-axis (height, width) strides.
    var dnnlStrides: [Int64] { [Int64(stride), Int64(stride)] }
    /// oneDNN's per-axis window size.
    var dnnlKernel: [Int64] { [Int64(kernelHeight), Int64(kernelWidth)] }
    /// oneDNN's padding before the first row and column.
    var dnnlPaddingBefore: [Int64] { [Int64(padding.top), Int64(padding.left)] }
    /// oneDNN's padding after the last row and column.
    var dnnlPaddingAfter: [Int64] { [Int64(padding.bottom), Int64(padding.right)] }

    /// The dimensions oneDNN gives an OIHW `weightShape`: grouped convolutions split the output
    /// channels into a leading group axis (the same memory, read as GOIHW).
    func dnnlWeightShape(_ weightShape: [Int]) -> [Int] {
        guard groups > 1 else { return weightShape }
        return [groups, weightShape[0] / groups] + weightShape.dropFirst()
    }
}
