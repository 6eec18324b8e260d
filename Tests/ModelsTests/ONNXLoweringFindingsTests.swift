import Foundation
import Models
import XCTest

/// Graphs the importer's lowering trapped on, found by fuzz-onnx (Fuzz/, scripts/fuzz.sh).
final class ONNXLoweringFindingsTests: XCTestCase {
    /// fuzz-onnx: the seed graph with its Transpose's input field turned into a name field. The
    /// lowering read `inputs[0]` of a node without inputs (an index out of range).
    func testFoundGraphWithATransposeOfNothingIsRefused() throws {
        let bytes = try XCTUnwrap(Data(base64Encoded:
            "CAgSCWZ1enotc2VlZDq2BwotGgF4EgF0Ggl0cmFuc3Bvc2UiCVRyYW5zcG9zZSoPCgRwZXJtQgQAAwECoAEHCmAKAXQKAXcKAWIS" +
            "AWMaBGNvbnYiBENvbnYqEAoHc3RyaWRlc0ICAQGgAQcqDwoEcGFkc0IEAQEBAaABByoMCgVncm91cBgBoAECKhUKDGtlcm5lbF9z" +
            "aGFwZUICAwOgAQcKMRIBcxoIY29uc3RhbnQiCENvbnN0YW50KhgKBXZhbHVlKgwKABABIgQAAAA/QgCgAQQKLAoBYwoBcwoBehIB" +
            "cRoOcXVhbnRpemVsaW5lYXIiDlF1YW50aXplTGluZWFyCjAKAXEKAXMKAXoSAWQaEGRlcXVhbnRpemVsaW5lYXIiEERlcXVhbnRp" +
            "emVMaW5lYXIKEgoBZBIBchoEcmVsdSIEUmVsdQoqCgFyCgRwYWRzEgFwGgNwYWQiA1BhZCoSCgRtb2RlIgdyZWZsZWN0oAEDCpgB" +
            "CgFwCgAKBnNjYWxlcxIBdRoGcmVzaXplIgZSZXNpemUqEgoEbW9kZSIHbmVhcmVAdKABAyovCh5jb29yZGluYXRlX3RyYW5zZm9y" +
            "bWF0aW9uX21vZGUiCmFzeW1tZXRyaWOgAQMqGAoMbmVhcmVzdF9tb2RlIgVmbG9vcqABAyoXCg1jdWJpY19jb2VmZl9hFQAAQL+g" +
            "AQEKLAoBdRIBeRoRZ2xvYmFsYWV2cmFnZXBvb2wiEUdsb2JhbEF2ZXJhZ2VQb29sEgRzZWVkKuYBCgQCAwMDEAFCAXdK2AEAAAAA" +
            "AACAPAAAAD0AAEA9AACAPQAAoD0AAMA9AADgPQAAAD4AABA+AAAgPgAAMD4AAEA+AABQPgAAYD4AAHA+AACAPgAAiD4AAJA+AACY" +
            "PgAAoD4AAKg+AACwPgAAuD4AAMA+AADIPgBPcHRpb9g+AADgPgAA6D4AAPA+AAD4PgAAAD8AAAQ/AAAIPwAADD8AABA/AAAUPwAA" +
            "GD8AABw/AAAgPwAAJD8AACg/AAAsPwAAMD8AADQ/AAA4PwAAPD8AAEA/AABEPwAASD8AAEw/AABQPwAAVD8qEgoBAhABIggAAAA/" +
            "AAAAv0IBYioKCgAQA0IBekoB/ioVCgEIEAc6CAAAAQEAAAEBQgRwYWRzKh8KAQQQASIQAACAPwAAgD8AAABAAAAAQEIGc2NhbGVz" +
            "KhQKAQIQAkIJdW51c2VkLXU4SgIB/yobCgECEAZCCnVudXNlZC1pMzJKCP3///8HAAAAWgMKAXhaAwoBd2IDCgF5QgQKABAN"))
        let model = try ONNXModel(bytes: [UInt8](bytes))
        assertRefuses("node 'transpose' (Transpose) reads nothing") {
            try MagentaImport.arbitraryStyle(predictor: model, transformer: model, source: ("p.onnx", "t.onnx"))
        }
    }

    /// Each operator that read `inputs[0]` unchecked, as the only node of a graph.
    func testNodesWithoutInputsAreRefused() throws {
        for operation in ["Transpose", "Reshape", "DequantizeLinear", "Relu", "GlobalAveragePool"] {
            let node = ONNXBytes.node(operation, inputs: [], outputs: ["y"])
            let model = try ONNXModel(bytes: ONNXBytes.model(nodes: [node], initializers: [], inputs: ["x"], output: "y"))
            assertRefuses("reads nothing") {
                try MagentaImport.arbitraryStyle(predictor: model, transformer: model, source: ("p.onnx", "t.onnx"))
            }
        }
    }
}
