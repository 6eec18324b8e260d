// ONNXModel(bytes:): the ModelProto, its graph, nodes, attributes and tensors; then the importer's
// lowering of the graph (as the arbitrary-style pair's predictor and transformer, and as the
// multi-style network), which is what `neural-style` does with an ONNX file.
import Foundation
import FuzzSupport
import Models
import Tensor
import TensorCPU

Backend.current = CPUBackend()

func importAll(_ model: ONNXModel) throws {
    for tensor in model.constants.values { _ = tensor.integers }
    Harness.run { _ = try MagentaImport.multiStyle(model, source: "input.onnx") }
    _ = try MagentaImport.arbitraryStyle(predictor: model, transformer: model, source: ("input.onnx", "input.onnx"))
}

Harness.main(seeds: { directory in
    let seed = ONNXSeed.model()
    try directory.write("model.onnx", seed)
    // The seed is only useful if the lowering gets past it: say how far it gets.
    do { try importAll(try ONNXModel(bytes: seed)) } catch {
        FileHandle.standardError.write(Data("fuzz-onnx seed model.onnx: \(error)\n".utf8))
    }
}) { bytes in
    Harness.run { try importAll(try ONNXModel(bytes: bytes)) }
    return true
}
