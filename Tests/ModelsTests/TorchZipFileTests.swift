import Foundation
@testable import Models
import XCTest

/// The zip format of torch.save, on files PyTorch wrote (scripts/pytorch/pth_fixture.py).
final class TorchZipFileTests: XCTestCase {
    func testReadsAStateDictExactlyAsPyTorchWroteIt() throws {
        let tensors = try TorchZipFile.read(try fixtureBytes("torch-zip", "state_dict.pth"))
        let json = try fixtureBytes("torch-zip", "state_dict.json")
        let expected = try JSONDecoder().decode(ExpectedArrays.self, from: Data(json))
        XCTAssertEqual(Set(tensors.keys), Set(expected.arrays.keys))
        for (name, array) in expected.arrays {
            XCTAssertEqual(tensors[name], NamedArray(shape: array.shape, values: array.values.map(Float.init)), name)
        }
        XCTAssertEqual(expected.skipped, ["in1.num_batches_tracked"])
        XCTAssertEqual(tensors["shared.rows"]?.values.first, 2, "a view at storage offset 4 starts at its 5th element")
        XCTAssertEqual(tensors["scale"], NamedArray(shape: [], values: [2.5]))
        XCTAssertEqual(tensors["in1.running_var"]?.values, [1.5, 0.25, 2])
    }

    func testTorchFileTellsTheFormatsApart() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "state_dict", withExtension: "pth",
                                                  subdirectory: "Fixtures/torch-zip"))
        XCTAssertEqual(try TorchFile.read(path: url.path), try TorchZipFile.read(try fixtureBytes("torch-zip", "state_dict.pth")))
        assertRefuses("cannot read /nonexistent/x.pth") { try TorchFile.read(path: "/nonexistent/x.pth") }
    }

    func testRefusesDamagedForeignAndUnsupportedFilesWithOneLine() throws {
        let good = try fixtureBytes("torch-zip", "state_dict.pth")
        assertRefuses("no end-of-central-directory record") { try TorchZipFile.read(Array(good.dropLast(40))) }
        assertRefuses("no end-of-central-directory record") { try TorchZipFile.read(Array(good.prefix(good.count / 2))) }
        assertRefuses("not a zip file") { try TorchZipFile.read(pseudoRandomBytes(4096)) }
        assertRefuses("not a zip file") { try TorchZipFile.read([]) }
        assertRefuses("has no ARCHIVE/data.pkl") { try TorchZipFile.read(try fixtureBytes("torch-zip", "no_pickle.pth")) }
        assertRefuses("refused pickle global os.system") {
            try TorchZipFile.read(try fixtureBytes("torch-zip", "foreign_global.pth"))
        }
        assertRefuses("is compressed (method 8)") { try TorchZipFile.read(try fixtureBytes("torch-zip", "compressed.pth")) }
        assertRefuses("t is not contiguous") { try TorchZipFile.read(try fixtureBytes("torch-zip", "transposed.pth")) }
    }

    func testRefusesAZipWhoseEntriesRunPastTheEnd() throws {
        var damaged = try fixtureBytes("torch-zip", "state_dict.pth")
        // The first local header's compressed size (bytes 18-21) and the central directory's agree;
        // make the central directory's claim more than the file holds.
        let directory = try XCTUnwrap(findSignature([0x50, 0x4B, 0x01, 0x02], in: damaged))
        damaged.replaceSubrange((directory + 20)..<(directory + 24), with: [0xFF, 0xFF, 0xFF, 0x7F])
        assertRefuses("runs past the end of the file") { try TorchZipFile.read(damaged) }
    }

    private func findSignature(_ signature: [UInt8], in bytes: [UInt8]) -> Int? {
        (0...(bytes.count - signature.count)).first { bytes[$0..<($0 + signature.count)].elementsEqual(signature) }
    }
}
