import Foundation
import Imaging
import XCTest

final class PNGDecodingTests: ScratchDirectoryTestCase {
    func test16BitGreyKeepsItsValues() throws {
        // No gAMA or sRGB chunk: the samples are sRGB like everyone else's, not linear light.
        let levels: [Int] = [0x7474, 0x7474, 0x7474, 0x7474, 0x0000, 0x8080, 0xFFFF, 0x7474]
        let samples = levels.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let png = PNGBytes.make(width: 4, height: 2, bitDepth: 16, colourType: 0,
                                scanlines: [Array(samples.prefix(8)), Array(samples.suffix(8))])
        try write(png, as: "grey16.png")
        let image = try ImageFile.read(path("grey16.png"))
        let grey = stride(from: 0, to: image.samples.count, by: 3).map { image.samples[$0] }
        XCTAssertEqual(grey, [116, 116, 116, 116, 0, 128, 255, 116])
        let mean = image.samples.reduce(0, +) / Float(image.samples.count)
        XCTAssertEqual(mean, Float(116 * 5 + 128 + 255) / 8, accuracy: 0.01)
    }

    func testTransparencyIsCompositedOnWhite() throws {
        let pixels: [UInt8] = [0, 0, 0, 0, /**/ 0, 0, 0, 128, /**/ 200, 100, 0, 128, /**/ 10, 20, 30, 255]
        let png = PNGBytes.make(width: 4, height: 1, bitDepth: 8, colourType: 6, scanlines: [pixels])
        try write(png, as: "alpha.png")
        let image = try ImageFile.read(path("alpha.png"))
        let half: Float = 128 / 255
        assertClose(image.samples, [255, 255, 255,
                                    255 * (1 - half), 255 * (1 - half), 255 * (1 - half),
                                    200 * half + 255 * (1 - half), 100 * half + 255 * (1 - half), 255 * (1 - half),
                                    10, 20, 30], within: 1e-3)
    }
}
