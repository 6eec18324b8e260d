import Imaging
import XCTest

final class ResizeTests: XCTestCase {
    func testLongestSideKeepsAspectAndSkipsWhenEqual() {
        let image = Image(width: 40, height: 30, red: 10, green: 20, blue: 30)
        let small = image.resized(longestSide: 20)
        XCTAssertEqual([small.width, small.height], [20, 15])
        XCTAssertEqual(small.samples.max()!, 30, accuracy: 1e-4) // a flat picture stays flat
        XCTAssertEqual(image.resized(longestSide: 40), image)
    }

    func testHalvingAveragesPairsInsteadOfAliasing() {
        // Alternating black/white columns: sampling would give one colour, averaging gives grey.
        let stripes = Image(width: 8, height: 2, samples: (0..<48).map { ($0 / 3) % 2 == 0 ? 0 : 255 })
        let half = stripes.resized(width: 4, height: 1)
        for sample in half.samples { XCTAssertEqual(sample, 127.5, accuracy: 40) }
    }
}
