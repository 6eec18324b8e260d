import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw data. We write `F32` or `F16` and read
/// both, with free-form string metadata (architecture, preprocessing, provenance).
public enum SafeTensors {
    /// Serialises `tensors` (sorted by name) and `metadata`, as half-precision floats when
    /// `halfPrecision` (half the size; about 3 significant digits).
    public static func encode(_ tensors: [String: NamedArray], metadata: [String: String] = [:],
                              halfPrecision: Bool = false) throws -> Data {
        let width = halfPrecision ? 2 : 4
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let array = tensors[name]!
            header[name] = ["dtype": halfPrecision ? "F16" : "F32", "shape": array.shape,
                            "data_offsets": [offset, offset + array.values.count * width]]
            offset += array.values.count * width
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            if halfPrecision {
                tensors[name]!.values.map { Float16($0) }.withUnsafeBytes { data.append(contentsOf: $0) }
            } else {
                tensors[name]!.values.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Parses a safetensors file's tensors and metadata, rejecting anything malformed.
    public static func decode(_ data: Data) throws -> (tensors: [String: NamedArray], metadata: [String: String]) {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw WeightsFormatError("safetensors file is shorter than its header") }
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength > 0, headerLength <= bytes.count - 8,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any]
        else { throw WeightsFormatError("safetensors header is damaged") }
        let body = 8 + headerLength
        var tensors: [String: NamedArray] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                metadata = entry as? [String: String] ?? [:]
                continue
            }
            guard let entry = entry as? [String: Any], let dtype = entry["dtype"] as? String, ["F32", "F16"].contains(dtype),
                  let shape = entry["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }),
                  shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) < 1 << 40,
                  let range = entry["data_offsets"] as? [Int], range.count == 2, range[0] >= 0, range[1] >= range[0],
                  range[1] <= bytes.count - body, range[1] - range[0] == shape.reduce(1, *) * (dtype == "F16" ? 2 : 4)
            else { throw WeightsFormatError("safetensors entry \(name) is not a well-formed F32 or F16 tensor") }
            let count = shape.reduce(1, *)
            let values = bytes.withUnsafeBytes { source -> [Float] in
                let raw = UnsafeRawBufferPointer(rebasing: source[(body + range[0])..<(body + range[1])])
                guard dtype == "F16" else {
                    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                        initialized = count
                    }
                }
                let halves = [Float16](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                    initialized = count
                }
                return halves.map(Float.init)
            }
            guard values.allSatisfy(\.isFinite) else {
                throw WeightsFormatError("safetensors entry \(name) holds values that are not finite numbers")
            }
            tensors[name] = NamedArray(shape: shape, values: values)
        }
        return (tensors, metadata)
    }
}
