import Foundation
import Imaging
import XCTest

final class JPEGColourTests: ScratchDirectoryTestCase {
    func testCMYKAndYCCKDecodeAsPillowShowsThem() throws {
        for name in ["cmyk", "ycck"] {
            let jpeg = try fixture("\(name).jpg"), pillow = try ImageFile.read(try fixture("\(name)-pillow.png"))
            let image = try ImageFile.read(jpeg)
            XCTAssertEqual(image.width, 8, name)
            assertClose(image.samples, pillow.samples, within: 1, name) // exact here; 1 for another IDCT
        }
    }

    func testTwelveBitJPEGIsCalledUnsupported() throws {
        try ImageFile.write(Image(width: 8, height: 8, red: 10, green: 20, blue: 30), to: path("small.jpg"))
        var jpeg = try bytes(of: "small.jpg")
        let sof = try XCTUnwrap(jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 1] = 0xC1 // extended sequential,
        jpeg[sof + 4] = 12 // 12 bits per sample
        try write(jpeg, as: "deep.jpg")
        XCTAssertThrowsError(try ImageFile.read(path("deep.jpg"))) {
            XCTAssertEqual($0 as? ImageError, .unsupported(path: path("deep.jpg"), feature: "12-bit JPEG"))
            XCTAssertEqual(String(describing: $0), "cannot read \(path("deep.jpg")): 12-bit JPEG is not supported")
        }
    }

    private func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")).path
    }
}
