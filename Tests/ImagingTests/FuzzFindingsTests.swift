import Foundation
import Imaging
import XCTest

/// Inputs the fuzz harnesses (Fuzz/, scripts/fuzz.sh) found crashing a decoder or making it
/// allocate past its limits, each now refused with one error.
final class FuzzFindingsTests: XCTestCase {
    /// fuzz-png: a 113-byte PNG whose eXIf chunk claims 671,088,668 bytes; libpng allocated a
    /// buffer of that length (640 MB) before finding the data missing.
    func testPNGChunkLongerThanTheFileIsRefusedBeforeLibpngSeesIt() throws {
        let png = try XCTUnwrap(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAQAAABeK7cBKAAAHGVYSWZNTQAoAAAACAABAAACAwAAAAEACAAAAAAAAAAA3CpX/AAAABBJREFUeAEBBQD6/wAK/8gABLoB0t2Uw0wAAAAAAQAAAAAAAAE="))
        XCTAssertThrowsError(try ImageFile.decode([UInt8](png), source: "found.png")) {
            XCTAssertEqual($0 as? ImageError,
                           .corrupt(path: "found.png", detail: "its eXIf chunk claims 671088668 bytes, more than the file has left"))
        }
    }

    /// The same check on a PNG built to say it: an eXIf chunk claiming 2³¹ − 1 bytes.
    func testPNGExifChunkClaimingTwoGigabytesIsRefused() throws {
        let whole = PNGBytes.make(width: 1, height: 1, bitDepth: 8, colourType: 2, scanlines: [[1, 2, 3]])
        let afterHeader = 8 + 25
        let bomb = Array(whole[..<afterHeader]) + [0x7F, 0xFF, 0xFF, 0xFF] + Array("eXIf".utf8) + Array(whole[afterHeader...])
        XCTAssertThrowsError(try ImageFile.decode(bomb, source: "bomb.png")) {
            XCTAssertEqual($0 as? ImageError,
                           .corrupt(path: "bomb.png", detail: "its eXIf chunk claims 2147483647 bytes, more than the file has left"))
        }
        XCTAssertEqual(try ImageFile.decode(whole, source: "whole.png").samples, [1, 2, 3], "the file it was cut into reads")
    }
}
