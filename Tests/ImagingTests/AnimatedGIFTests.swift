import CImageCodecs
import Foundation
import Imaging
import XCTest

final class AnimatedGIFTests: ScratchDirectoryTestCase {
    /// A picture whose left half is one colour and right half another.
    private func halves(width: Int, height: Int, left: [Float], right: [Float]) -> Image {
        var samples: [Float] = []
        for _ in 0..<height { for x in 0..<width { samples += x < width / 2 ? left : right } }
        return Image(width: width, height: height, samples: samples)
    }

    func testFramesColoursDelayAndLoopSurviveGiflibsDecoder() throws {
        let gif = AnimatedGIF(width: 6, height: 4, frameDelay: 0.25)
        gif.append(Image(width: 6, height: 4, red: 200, green: 40, blue: 16))
        gif.append(Image(width: 6, height: 4, red: 10, green: 180, blue: 90))
        // A larger frame is scaled down to the animation's size.
        gif.append(halves(width: 12, height: 8, left: [70, 70, 250], right: [250, 250, 250]))
        XCTAssertEqual(gif.frameCount, 3)
        try gif.write(to: path("run.gif"))

        let data = try Data(contentsOf: URL(fileURLWithPath: path("run.gif")))
        XCTAssertEqual(String(decoding: data.prefix(6), as: UTF8.self), "GIF89a")
        var error: Int32 = 0
        let file = try XCTUnwrap(DGifOpenFileName(path("run.gif"), &error), "open error \(error)")
        defer { DGifCloseFile(file, nil) }
        XCTAssertEqual(DGifSlurp(file), GIF_OK, "slurp error \(file.pointee.Error)")
        XCTAssertEqual([file.pointee.SWidth, file.pointee.SHeight, file.pointee.ImageCount], [6, 4, 3])

        let expected: [(x: Int, y: Int, colour: [Int])] = [
            (5, 3, [200, 40, 16]), (0, 0, [10, 180, 90]), (0, 0, [70, 70, 250]), (5, 3, [250, 250, 250]),
        ]
        for (frame, pixel) in zip([0, 1, 2, 2], expected) {
            let saved = file.pointee.SavedImages[frame]
            XCTAssertEqual([saved.ImageDesc.Width, saved.ImageDesc.Height], [6, 4])
            let map = try XCTUnwrap(saved.ImageDesc.ColorMap ?? file.pointee.SColorMap)
            let index = Int(saved.RasterBits[pixel.y * 6 + pixel.x])
            XCTAssertLessThan(index, Int(map.pointee.ColorCount))
            let colour = map.pointee.Colors[index]
            for (got, want) in zip([colour.Red, colour.Green, colour.Blue], pixel.colour) {
                XCTAssertEqual(Int(got), want, accuracy: 8, "frame \(frame) at (\(pixel.x), \(pixel.y))")
            }
            var control = GraphicsControlBlock()
            XCTAssertEqual(DGifSavedExtensionToGCB(file, Int32(frame), &control), GIF_OK)
            XCTAssertEqual(control.DelayTime, 25)
        }

        // DGifSlurp files extensions before the first image under that image.
        let first = file.pointee.SavedImages[0]
        let blocks = (0..<Int(first.ExtensionBlockCount)).map { first.ExtensionBlocks[$0] }
        let bytes = { (block: ExtensionBlock) in Array(UnsafeBufferPointer(start: block.Bytes, count: Int(block.ByteCount))) }
        let loop = try XCTUnwrap(blocks.firstIndex { $0.Function == APPLICATION_EXT_FUNC_CODE }, "no application extension")
        XCTAssertEqual(bytes(blocks[loop]), Array("NETSCAPE2.0".utf8))
        XCTAssertEqual(blocks[loop + 1].Function, CONTINUE_EXT_FUNC_CODE)
        XCTAssertEqual(bytes(blocks[loop + 1]), [1, 0, 0]) // loop count 0: forever
    }

    func testFailedWritesThrowAndLeaveNoFile() throws {
        XCTAssertThrowsError(try AnimatedGIF(width: 3, height: 3).write(to: path("empty.gif"))) { error in
            guard case .unwritable = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertTrue(String(describing: error).contains("no frames"))
        }
        let gif = AnimatedGIF(width: 3, height: 3)
        gif.append(Image(width: 3, height: 3, red: 1, green: 2, blue: 3))
        XCTAssertThrowsError(try gif.write(to: path("nowhere/out.gif"))) {
            XCTAssertEqual($0 as? ImageError, .missingDirectory(path: path("nowhere")))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
