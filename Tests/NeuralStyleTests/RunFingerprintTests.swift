@testable import NeuralStyle
import XCTest

/// The digests and fingerprints that let a resume refuse other inputs, naming them.
final class RunFingerprintTests: XCTestCase {
    func testSHA256GivesTheStandardDigests() {
        // FIPS 180-4's examples: empty, one block, two blocks (the padding spills over), and a
        // message of several whole blocks plus a tail.
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testDifferencesNameEachChangedAddedAndMissingPart() {
        let saved = "trainer: adain; seed: 1; style dataset: 2 pictures sha256 " + String(repeating: "a", count: 64)
        let current = "trainer: adain; seed: 2; style dataset: 2 pictures sha256 " + String(repeating: "b", count: 64)
            + "; tvWeight: 0"
        XCTAssertEqual(RunFingerprint.differences(saved: saved, current: current), [
            "seed (1 there, 2 here)",
            "style dataset (2 pictures sha256 aaaaaaaaaaaa… there, 2 pictures sha256 bbbbbbbbbbbb… here)",
            "tvWeight (absent there, 0 here)",
        ])
        XCTAssertEqual(RunFingerprint.differences(saved: current, current: current), [])
    }

    func testOptionsBecomeOnePartPerSettingWithoutTheStepCounts() {
        var options = TrainingOptions()
        options.iterations = 7
        let parts = RunFingerprint.parts(of: options, ignoring: ["iterations", "epochs"])
        XCTAssertTrue(parts.contains("batchSize: 4"), "\(parts)")
        XCTAssertTrue(parts.contains("styleWeight: 10000000000"), "\(parts)")
        XCTAssertFalse(parts.contains { $0.hasPrefix("iterations") || $0.hasPrefix("epochs") }, "\(parts)")
        XCTAssertEqual(parts, parts.sorted())
    }
}
