// SafeTensors.decode: the header length, the JSON header, each entry's dtype, shape and range.
import Foundation
import FuzzSupport
import Models

Harness.main(seeds: { directory in
    let arrays = ["b": NamedArray(shape: [2], values: [1, -2]),
                  "a": NamedArray(shape: [2, 1, 3], values: [0, 1, 2, 3, 4, 5.5]),
                  "scalar": NamedArray(shape: [], values: [7])]
    try directory.write("f32.safetensors", try SafeTensors.encode(arrays, metadata: ["architecture": "test"]))
    try directory.write("f16.safetensors", try SafeTensors.encode(arrays, halfPrecision: true))
    try directory.write("empty.safetensors", try SafeTensors.encode([:]))
}) { bytes in
    let bytes = Data(bytes)
    Harness.run { _ = try SafeTensors.decode(bytes) }
    return true
}
