import Foundation
import XCTest

/// The bytes of `Fixtures/<folder>/<name>` in the test bundle.
func fixtureBytes(_ folder: String, _ name: String) throws -> [UInt8] {
    let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/\(folder)"),
                            "fixture \(folder)/\(name) missing")
    return [UInt8](try Data(contentsOf: url))
}

/// Arrays as the fixture generators write them: name → shape and values.
struct ExpectedArrays: Decodable {
    struct Array: Decodable { let shape: [Int], values: [Double] }
    let arrays: [String: Array]
    let skipped: [String]?

    private enum CodingKeys: String, CodingKey { case arrays, tensors, skipped }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        arrays = try container.decodeIfPresent([String: Array].self, forKey: .arrays)
            ?? container.decode([String: Array].self, forKey: .tensors)
        skipped = try container.decodeIfPresent([String].self, forKey: .skipped)
    }
}

/// `count` bytes from a fixed-seed generator, for "random file" cases.
func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// Asserts that `body` throws an error whose description is one line containing `text` (if any).
func assertRefuses<T>(_ text: String, file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> T) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        let description = String(describing: error)
        XCTAssertTrue(text.isEmpty || description.contains(text), "'\(description)' should mention '\(text)'", file: file, line: line)
        XCTAssertFalse(description.contains("\n"), "'\(description)' is not one line", file: file, line: line)
    }
}
