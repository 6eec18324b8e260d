/// A tensor in a `torch.save` pickle: `torch._utils._rebuild_tensor_v2(storage, offset,
/// size, stride, …)`, whose storage is the persistent id `('storage', type, key, location, numel)`.
struct TorchTensorReference {
    /// The storage class, e.g. `torch.FloatStorage`.
    let storageType: String
    /// The storage's name in the file.
    let storageKey: String
    /// Where the tensor starts in its storage, in elements.
    let offset: Int
    /// Dimensions, outermost first.
    let shape: [Int]
    /// Elements between neighbours along each dimension.
    let strides: [Int]

    /// Reads the reference out of a pickled value named `name`.
    init(_ value: PickleValue, name: String) throws {
        guard case .reduce(.global("torch._utils._rebuild_tensor_v2"), .tuple(let arguments)) = value,
              arguments.count >= 4,
              case .persistent(.tuple(let storage)) = arguments[0], storage.count >= 5,
              case .global(let type) = storage[1], case .string(let key) = storage[2],
              case .int(let offset) = arguments[1],
              case .tuple(let sizes) = arguments[2], case .tuple(let strides) = arguments[3]
        else { throw WeightsFormatError("\(name) is not a plain tensor") }
        func integers(_ values: [PickleValue], _ what: String) throws -> [Int] {
            try values.map {
                guard case .int(let v) = $0, v >= 0, v < 1 << 31 else { throw WeightsFormatError("\(name) has a bad \(what)") }
                return v
            }
        }
        // Bounded so that no element count or byte offset computed from them can overflow.
        guard offset >= 0, offset < 1 << 40 else { throw WeightsFormatError("\(name) has a bad storage offset") }
        storageType = type
        storageKey = key
        self.offset = offset
        shape = try integers(sizes, "size")
        self.strides = try integers(strides, "stride")
        guard shape.count == self.strides.count else { throw WeightsFormatError("\(name) has a bad stride") }
        var elements = 1 // of the shape with empty dimensions counted as 1, which bounds every partial product
        for size in shape {
            let product = elements.multipliedReportingOverflow(by: max(size, 1))
            guard !product.overflow, product.partialValue < 1 << 40 else {
                throw WeightsFormatError("\(name) has a size of more elements than any weights file holds")
            }
            elements = product.partialValue
        }
        count = shape.contains(0) ? 0 : elements
    }

    /// Elements in the tensor.
    let count: Int

    /// Whether the elements lie in row-major order without gaps (size-1 dimensions may have any stride).
    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() {
            guard size == 1 || stride == expected else { return false }
            expected *= size
        }
        return true
    }
}
