import Foundation
import Imaging
import XCTest

final class WebPTests: ScratchDirectoryTestCase {
    func testRoundTripIsCloseAndFormatComesFromContent() throws {
        let smooth = Image(width: 16, height: 12, samples: (0..<576).map { (i: Int) -> Float in Float(60 + i / 48 * 8 + i % 3 * 20) })
        try ImageFile.write(smooth, to: path("a.webp"))
        let written = try bytes(of: "a.webp")
        XCTAssertEqual(Array(written[8..<16]), Array("WEBPVP8 ".utf8), "lossy")
        try FileManager.default.moveItem(atPath: path("a.webp"), toPath: path("a.png"))
        let back = try ImageFile.read(path("a.png"))
        XCTAssertEqual([back.width, back.height], [16, 12])
        assertClose(back.samples, smooth.samples, within: 8)
        XCTAssertTrue(ImageFile.hasImageExtension("x.WebP"))
    }

    func testTruncatedWebPIsCorrupt() throws {
        try ImageFile.write(Image(width: 16, height: 16, red: 10, green: 200, blue: 30), to: path("whole.webp"))
        let whole = try bytes(of: "whole.webp")
        try write(Array(whole.prefix(whole.count / 2)), as: "cut.webp")
        XCTAssertThrowsError(try ImageFile.read(path("cut.webp"))) { error in
            guard case .corrupt = error as? ImageError else { return XCTFail("\(error)") }
        }
    }
}
