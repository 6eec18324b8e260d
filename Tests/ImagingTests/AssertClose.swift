import XCTest

/// Fails unless `actual` and `expected` have the same length and differ by at most `within` everywhere.
func assertClose(_ actual: [Float], _ expected: [Float], within tolerance: Float, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "largest difference \(message)", file: file, line: line)
}
