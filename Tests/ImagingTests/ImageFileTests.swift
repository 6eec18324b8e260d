import Foundation
import Imaging
import XCTest

final class ImageFileTests: ScratchDirectoryTestCase {
    /// A 7×5 gradient with distinct channels.
    private let gradient = Image(width: 7, height: 5, samples: (0..<105).map { Float(($0 * 37) % 256) })

    func testPNGRoundTripIsExact() throws {
        try ImageFile.write(gradient, to: path("a.png"))
        XCTAssertEqual(try ImageFile.read(path("a.png")), gradient)
    }

    func testJPEGRoundTripIsCloseAndFormatComesFromContent() throws {
        let smooth = Image(width: 16, height: 16, samples: (0..<768).map { Float(100 + ($0 / 48) * 4) })
        try ImageFile.write(smooth, to: path("b.jpeg"))
        try FileManager.default.moveItem(atPath: path("b.jpeg"), toPath: path("b.png"))
        let back = try ImageFile.read(path("b.png"))
        XCTAssertEqual(back.width, 16)
        let worst = zip(back.samples, smooth.samples).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 6)
    }

    func testBadInputsGiveOneLineErrors() throws {
        FileManager.default.createFile(atPath: path("empty.png"), contents: Data())
        FileManager.default.createFile(atPath: path("text.jpg"), contents: Data("hello".utf8))
        try ImageFile.write(gradient, to: path("whole.png"))
        try ImageFile.write(gradient, to: path("whole.jpg"))
        for name in ["whole.png", "whole.jpg"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
            FileManager.default.createFile(atPath: path("cut-" + name), contents: data.prefix(data.count / 2))
        }
        let cases: [(String, ImageError)] = [
            ("missing.png", .unreadable(path: path("missing.png"), reason: "no such file")),
            ("empty.png", .unreadable(path: path("empty.png"), reason: "the file is empty")),
            ("text.jpg", .notAnImage(path: path("text.jpg"))),
        ]
        for (name, expected) in cases {
            XCTAssertThrowsError(try ImageFile.read(path(name))) { XCTAssertEqual($0 as? ImageError, expected) }
        }
        for name in ["cut-whole.png", "cut-whole.jpg"] {
            XCTAssertThrowsError(try ImageFile.read(path(name))) { error in
                guard case .corrupt = error as? ImageError else { return XCTFail("\(name): \(error)") }
                XCTAssertFalse(String(describing: error).contains("\n"))
            }
        }
    }

    func testWritingNeverLeavesPartialFiles() throws {
        XCTAssertThrowsError(try ImageFile.write(gradient, to: path("nowhere/out.png"))) {
            XCTAssertEqual($0 as? ImageError, .missingDirectory(path: path("nowhere")))
        }
        XCTAssertThrowsError(try ImageFile.write(gradient, to: path("out.bmp"))) {
            XCTAssertEqual($0 as? ImageError, .unsupportedOutputFormat(path: path("out.bmp")))
        }
        try ImageFile.write(gradient, to: path("out.png"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.png"])
    }
}
