// StyleModelFile(bytes:source:): safetensors, then the header's architecture, the networks' shapes
// and the arbitrary-style network's stored programs.
import Foundation
import FuzzSupport
import Models
import Tensor
import TensorCPU

Backend.current = CPUBackend()
Harness.main(seeds: { directory in
    let net = TransformerNet(channels: 1)
    try StyleModelFile.write(net, metadata: StyleModelFile.baseMetadata(channels: 1), to: directory.appendingPathComponent("transformer-net-1.safetensors").path, halfPrecision: true)
    let predictor = "inputs 1\nmean %0\nreturn %1"
    let transformer = "inputs 2\nconstant index=0\nconv %0 weight=2 stride=1 pad=0,0,0,0 groups=1\nadd %3 %1\nsigmoid %4\nreturn %5"
    var metadata = ["format": StyleModelFile.format, "architecture": "magenta-arbitrary", "style-code-size": "3",
                    "predictor-program": predictor, "transformer-program": transformer]
    let arrays = ["transformer.0": NamedArray(shape: [3, 3, 1, 1], values: [1, 0, 0, 0, 1, 0, 0, 0, 1])]
    try directory.write("arbitrary.safetensors", try SafeTensors.encode(arrays, metadata: metadata))
    metadata["architecture"] = "magenta-multistyle"
    metadata["styles"] = "2"
    try directory.write("multistyle.safetensors", try SafeTensors.encode(arrays, metadata: metadata))
}) { bytes in
    let bytes = Data(bytes)
    Harness.run {
        let model = try StyleModelFile(bytes: bytes, source: "input.safetensors")
        _ = model.styleNames
    }
    return true
}
