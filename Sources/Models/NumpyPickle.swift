/// Reads a pickle (protocol 3) of nested dicts of float32 numpy arrays, as `pickle.dump`
/// writes flax parameters, without executing anything: the only globals accepted are numpy's
/// array reconstructor, `ndarray` and `dtype`, and each is interpreted, never called.
public enum NumpyPickle {
    private static let reconstructors: Set<String> = ["numpy.core.multiarray._reconstruct",
                                                      "numpy._core.multiarray._reconstruct"]
    private static let acceptedGlobals = reconstructors.union(["numpy.ndarray", "numpy.dtype"])

    /// Every array in `data`, keyed by its dict keys joined with `/` (e.g. `VGG16_0/Conv_0/kernel`).
    public static func arrays(in data: [UInt8]) throws -> [String: NamedArray] {
        var reader = PickleReader(data, acceptedGlobals: acceptedGlobals)
        let root = try reader.next()
        guard case .dict = root else { throw WeightsFormatError("the pickle does not hold a dict of numpy arrays") }
        var arrays: [String: NamedArray] = [:]
        // Every dict entry of a tree written out costs at least one byte; the memo lets a small
        // pickle name one dict twice in the next, and so on, with 2ⁿ entries to visit after n steps.
        var visits = data.count
        try collect(root, path: "", into: &arrays, visits: &visits)
        return arrays
    }

    private static func collect(_ value: PickleValue, path: String, into arrays: inout [String: NamedArray],
                                visits: inout Int) throws {
        visits -= 1
        guard visits >= 0 else {
            throw WeightsFormatError("the pickle's dicts refer to each other more often than a file of its size can hold")
        }
        guard case .dict(let entries) = value else {
            arrays[path] = try array(value, at: path)
            return
        }
        for (key, child) in entries {
            guard case .string(let key) = key else { throw WeightsFormatError("a dict key under '\(path)' is not a string") }
            try collect(child, path: path.isEmpty ? key : path + "/" + key, into: &arrays, visits: &visits)
        }
    }

    /// Interprets `_reconstruct(ndarray, (0,), b'b')` built with `(1, shape, dtype, fortran, bytes)`.
    private static func array(_ value: PickleValue, at path: String) throws -> NamedArray {
        guard case .build(.reduce(.global(let reconstruct), .tuple(let arguments)), .tuple(let state)) = value,
              reconstructors.contains(reconstruct), arguments.count == 3, case .global("numpy.ndarray") = arguments[0],
              state.count == 5, case .int(1) = state[0], case .tuple(let dimensions) = state[1],
              case .bool(let fortranOrder) = state[3], case .bytes(let raw) = state[4]
        else { throw WeightsFormatError("'\(path)' is not a plain numpy array") }
        try checkFloat32(state[2], at: path)
        let shape = try dimensions.map { dimension -> Int in
            guard case .int(let size) = dimension, size >= 0, size < 1 << 31 else {
                throw WeightsFormatError("'\(path)' has a bad shape")
            }
            return size
        }
        guard !fortranOrder || shape.filter({ $0 > 1 }).count <= 1 else {
            throw WeightsFormatError("'\(path)' is stored in Fortran order; only C order is accepted")
        }
        guard raw.count == shape.reduce(4, *) else {
            throw WeightsFormatError("'\(path)' holds \(raw.count) bytes for shape \(shape)")
        }
        return NamedArray(shape: shape, values: littleEndianFloats(raw[...]))
    }

    /// Accepts `dtype('f4', False, True)` built with little-endian byte order only.
    private static func checkFloat32(_ dtype: PickleValue, at path: String) throws {
        guard case .build(.reduce(.global("numpy.dtype"), .tuple(let arguments)), .tuple(let state)) = dtype,
              case .string(let kind)? = arguments.first, state.count >= 2, case .string(let order) = state[1]
        else { throw WeightsFormatError("'\(path)' has no readable dtype") }
        guard kind == "f4", order == "<" else {
            throw WeightsFormatError("'\(path)' has dtype \(order)\(kind); only little-endian float32 (<f4) is accepted")
        }
    }
}
