import Foundation
@testable import Imaging
import XCTest

final class ExifOrientationTests: ScratchDirectoryTestCase {
    /// A 3×2 picture whose pixel i is (i, 10 + i, 20 + i).
    private let indexed = Image(width: 3, height: 2, samples: (0..<18).map { (j: Int) -> Float in Float(j % 3 * 10 + j / 3) })

    /// The pixel indices of `indexed` after each orientation, as Pillow's `ImageOps.exif_transpose` gives them.
    private let pillow: [ExifOrientation: (width: Int, indices: [Int])] = [
        .up: (3, [0, 1, 2, 3, 4, 5]), .upMirrored: (3, [2, 1, 0, 5, 4, 3]),
        .down: (3, [5, 4, 3, 2, 1, 0]), .downMirrored: (3, [3, 4, 5, 0, 1, 2]),
        .leftMirrored: (2, [0, 3, 1, 4, 2, 5]), .right: (2, [3, 0, 4, 1, 5, 2]),
        .rightMirrored: (2, [5, 2, 4, 1, 3, 0]), .left: (2, [2, 5, 1, 4, 0, 3]),
    ]

    func testAllEightOrientationsTurnLikePillow() {
        for orientation in ExifOrientation.allCases {
            let turned = indexed.oriented(orientation)
            let expected = pillow[orientation]!
            XCTAssertEqual(turned.width, expected.width, "\(orientation)")
            XCTAssertEqual(turned.height, 6 / expected.width, "\(orientation)")
            XCTAssertEqual(stride(from: 0, to: turned.samples.count, by: 3).map { Int(turned.samples[$0]) },
                           expected.indices, "\(orientation)")
            XCTAssertEqual(stride(from: 2, to: turned.samples.count, by: 3).map { Int(turned.samples[$0]) - 20 },
                           expected.indices, "\(orientation): channels stay together")
        }
    }

    func testTagIsFoundInEitherByteOrderAndGarbageIsIgnored() {
        for orientation in ExifOrientation.allCases {
            for littleEndian in [true, false] {
                XCTAssertEqual(ExifOrientation.parse(tiff: tiff(orientation.rawValue, littleEndian: littleEndian)[...]),
                               orientation)
            }
        }
        let good = tiff(6, littleEndian: false)
        XCTAssertNil(ExifOrientation.parse(tiff: tiff(9, littleEndian: true)[...]), "out of range")
        for cut in 0..<20 { XCTAssertNil(ExifOrientation.parse(tiff: good.prefix(cut)), "cut at \(cut)") } // value ends at 20
        var farOffset = good
        farOffset[4...7] = [0x7F, 0xFF, 0xFF, 0xFF]
        XCTAssertNil(ExifOrientation.parse(tiff: farOffset[...]))
        var manyEntries = good
        manyEntries[8...9] = [0xFF, 0xFF]
        XCTAssertEqual(ExifOrientation.parse(tiff: manyEntries[...]), .right, "found before the count runs out")
        manyEntries[10...11] = [0x01, 0x00]
        XCTAssertNil(ExifOrientation.parse(tiff: manyEntries[...]), "entries past the end are not read")
    }

    func testJPEGTaggedOrientation6IsTurnedClockwise() throws {
        // A 32×16 grey picture with a red 8×8 block in its top-left corner.
        var samples = [Float](repeating: 128, count: 32 * 16 * 3)
        for y in 0..<8 { for x in 0..<8 { samples.replaceSubrange((3 * (y * 32 + x))..<(3 * (y * 32 + x) + 3), with: [255, 0, 0]) } }
        try ImageFile.write(Image(width: 32, height: 16, samples: samples), to: path("plain.jpg"), jpegQuality: 100)
        let plain = try bytes(of: "plain.jpg")
        let exif = Array("Exif\0\0".utf8) + tiff(6, littleEndian: false)
        let app1: [UInt8] = [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif
        try write(Array(plain.prefix(2)) + app1 + plain.dropFirst(2), as: "phone.jpg")

        let upright = try ImageFile.read(path("phone.jpg"))
        XCTAssertEqual(upright.width, 16)
        XCTAssertEqual(upright.height, 32)
        XCTAssertEqual(upright, try ImageFile.read(path("plain.jpg")).oriented(.right))
        let topRight = Array(upright.samples[(3 * 15)..<(3 * 15 + 3)])
        assertClose(topRight, [255, 0, 0], within: 3, "the stored top-left corner")
        assertClose(Array(upright.samples[0..<3]), [128, 128, 128], within: 3)
    }

    func testPNGeXIfChunkIsApplied() throws {
        let rows = [Array(indexed.bytes.prefix(9)), Array(indexed.bytes.suffix(9))]
        let png = PNGBytes.make(width: 3, height: 2, bitDepth: 8, colourType: 2, scanlines: rows,
                                chunks: [("eXIf", tiff(8, littleEndian: true))])
        try write(png, as: "tagged.png")
        XCTAssertEqual(try ImageFile.read(path("tagged.png")), indexed.oriented(.left))
    }

    /// A TIFF structure whose first directory holds only the orientation tag.
    private func tiff(_ orientation: Int, littleEndian: Bool) -> [UInt8] {
        func bytes(_ value: Int, _ count: Int) -> [UInt8] {
            let big = (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * (count - 1 - $0))) }
            return littleEndian ? big.reversed() : big
        }
        return (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + bytes(42, 2) + bytes(8, 4)
            + bytes(1, 2) + bytes(0x0112, 2) + bytes(3, 2) + bytes(1, 4) + bytes(orientation, 2) + [0, 0]
            + bytes(0, 4)
    }
}
