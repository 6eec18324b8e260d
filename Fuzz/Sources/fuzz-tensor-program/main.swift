// TensorProgram(text:): the stored programs of arbitrary-style model files, then their shapes
// for a small picture (what loading such a model does).
import Foundation
import FuzzSupport
import Models

Harness.main(seeds: { directory in
    let programs = [
        "inputs 1\nmean %0\nreturn %1",
        "inputs 2\nconstant index=0\nconstant index=1\nconv %0 weight=2 bias=3 stride=2 pad=1,1,1,1 groups=1\n"
            + "quantize %4 scale=0.0235 zero=-128 range=int8\nclamp %5 low=0 high=6\nrelu %6\nreflect %7 pad=1,0,1,0\n"
            + "upsample %8 factor=2\nsqrt %9\nreciprocal %10\nmultiply %11 %1\nsubtract %12 %1\nadd %13 %1\nsigmoid %14\n"
            + "quantize %15 scale=1e-3 zero=0 range=uint8\nreturn %16",
    ]
    for (index, program) in programs.enumerated() { try directory.write("program-\(index).txt", Array(program.utf8)) }
}) { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    Harness.run {
        let program = try TensorProgram(text: text)
        _ = program.text
        // As the arbitrary-style network's loader does: a picture, then a style code.
        let inputs = Array([[1, 3, 16, 16], [1, 3, 1, 1]].prefix(program.inputCount))
        _ = try program.shapes(inputs: inputs, constants: [[3, 3, 3, 3], [3], [3, 3, 1, 1]])
    }
    return true
}
