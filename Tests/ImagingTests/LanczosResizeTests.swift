import Imaging
import XCTest

/// `resizedLanczos` against Pillow's `Image.resize(size, Image.LANCZOS)` on an 11×9 picture
/// (values printed by Pillow 11 once): shrinking both ways, and only vertically.
final class LanczosResizeTests: XCTestCase {
    private func picture() -> Image {
        var samples = [Float]()
        for y in 0..<9 {
            for x in 0..<11 { samples += [Float((x * 37 + y * 11) % 256), Float((x * x * 5 + y * 29) % 256), Float((x * y * 13 + 7) % 256)] }
        }
        return Image(width: 11, height: 9, samples: samples)
    }

    func testMatchesPillowSampleForSample() {
        let shrunk = picture().resizedLanczos(width: 4, height: 3)
        XCTAssertEqual(shrunk.samples.map { Int($0) }, [
            39, 28, 16, 163, 106, 62, 137, 148, 99, 70, 122, 98, 73, 125, 62, 190, 174, 144, 108, 112, 129, 109, 119, 121,
            118, 219, 96, 179, 136, 125, 65, 117, 123, 156, 134, 114])
        let flattened = picture().resizedLanczos(width: 11, height: 4)
        XCTAssertEqual(flattened.samples.map { Int($0) }, [
            7, 18, 7, 44, 23, 15, 81, 38, 23, 118, 63, 31, 155, 98, 37, 192, 141, 62, 243, 217, 70, 10, 112, 79, 47, 82, 89,
            84, 181, 97, 121, 111, 63, 31, 82, 7, 68, 87, 44, 105, 102, 80, 142, 123, 118, 179, 163, 166, 217, 219, 130, 197,
            93, 172, 34, 55, 113, 71, 147, 140, 108, 174, 182, 145, 54, 79, 57, 150, 7, 94, 155, 74, 131, 170, 142, 168, 211,
            206, 205, 227, 77, 239, 76, 91, 11, 56, 140, 60, 143, 117, 97, 211, 88, 134, 31, 137, 171, 142, 83, 81, 214, 7,
            118, 219, 103, 155, 234, 199, 192, 154, 75, 229, 74, 120, 46, 69, 128, 50, 142, 109, 84, 203, 151, 121, 58, 147,
            158, 109, 128, 195, 202, 76])
        XCTAssertEqual(picture().resizedLanczos(width: 11, height: 9).samples, picture().samples)
    }
}
