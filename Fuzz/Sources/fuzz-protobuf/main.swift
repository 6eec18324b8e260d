// ProtobufReader on any message: every field, each length-delimited one read again as a
// message, as packed integers and as packed floats, to a depth of 8.
import Foundation
import FuzzSupport
import Models

private func walk(_ message: ArraySlice<UInt8>, depth: Int) throws {
    var reader = ProtobufReader(message)
    for (_, value) in try reader.fields() {
        _ = (value.integer, value.string, value.float)
        _ = try? value.integers()
        _ = try? value.floats()
        if depth < 8, let nested = value.message { try? walk(nested, depth: depth + 1) }
    }
}

Harness.main(seeds: { directory in
    try directory.write("model.onnx", ONNXSeed.model())
    try directory.write("wire-types.pb", [0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69, 0x1d, 0x00, 0x00, 0xc0, 0x3f,
                                          0x21, 7, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0x03, 0x01, 0xac, 0x02])
}) { bytes in
    Harness.run { try walk(bytes[...], depth: 0) }
    return true
}
