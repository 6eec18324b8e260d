import Foundation
import Imaging
import XCTest

/// Headers claiming huge pictures are refused before any pixel memory is allocated.
final class PixelLimitTests: ScratchDirectoryTestCase {
    private let limit = ImageFile.maximumPixels

    func testPNGClaiming100000By100000FailsFast() throws {
        // About 80 bytes of file claiming 30 GB of pixels: one tiny row of image data is all there is.
        let png = PNGBytes.make(width: 100_000, height: 100_000, bitDepth: 8, colourType: 2, scanlines: [[0, 0, 0]])
        try assertRefused(png, name: "bomb.png", width: 100_000, height: 100_000)
    }

    func testJPEGClaiming65000By65000FailsFast() throws {
        try ImageFile.write(Image(width: 8, height: 8, red: 10, green: 20, blue: 30), to: path("small.jpg"))
        var jpeg = try bytes(of: "small.jpg")
        let sof = try XCTUnwrap(jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xFD, 0xE8, 0xFD, 0xE8]) // height, width: 65000
        try assertRefused(jpeg, name: "bomb.jpg", width: 65_000, height: 65_000)
    }

    func testWebPClaiming16383By16383FailsFast() throws {
        // A lossless (VP8L) header alone: signature 0x2F, then 14-bit width − 1 and height − 1.
        let bits = 16_382 | 16_382 << 14
        let vp8l: [UInt8] = [0x2F] + (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) } + [0] // padded
        let webp = Array("RIFF".utf8) + [UInt8(4 + 8 + vp8l.count), 0, 0, 0] + Array("WEBPVP8L".utf8) + [5, 0, 0, 0] + vp8l
        try assertRefused(webp, name: "bomb.webp", width: 16_383, height: 16_383)
    }

    func testTheLimitIsConfigurable() throws {
        defer { ImageFile.maximumPixels = limit }
        try ImageFile.write(Image(width: 7, height: 5, red: 1, green: 2, blue: 3), to: path("small.png"))
        ImageFile.maximumPixels = 34
        XCTAssertThrowsError(try ImageFile.read(path("small.png"))) {
            XCTAssertEqual($0 as? ImageError, .tooLarge(path: path("small.png"), width: 7, height: 5, limit: 34))
            XCTAssertEqual(String(describing: $0),
                           "cannot read \(path("small.png")): 7×5 is 35 pixels, more than the limit of 34")
        }
        ImageFile.maximumPixels = 35
        XCTAssertEqual(try ImageFile.read(path("small.png")).width, 7)
    }

    private func assertRefused(_ bytes: [UInt8], name: String, width: Int, height: Int,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        try write(bytes, as: name)
        let start = Date()
        XCTAssertThrowsError(try ImageFile.read(path(name)), file: file, line: line) {
            XCTAssertEqual($0 as? ImageError, .tooLarge(path: path(name), width: width, height: height, limit: limit),
                           file: file, line: line)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "refused from the header alone", file: file, line: line)
    }
}
