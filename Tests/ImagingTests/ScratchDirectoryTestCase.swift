import Foundation
import XCTest

/// A test case that gets a fresh empty directory before each test and loses it after.
class ScratchDirectoryTestCase: XCTestCase {
    /// This test's directory.
    private(set) var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// `name` inside this test's directory.
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `bytes` as `name` in this test's directory.
    func write(_ bytes: [UInt8], as name: String) throws { try Data(bytes).write(to: directory.appendingPathComponent(name)) }

    /// The bytes of `name` in this test's directory.
    func bytes(of name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))) }
}
