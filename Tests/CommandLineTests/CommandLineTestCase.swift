import Foundation
import XCTest

/// What every test of the `neural-style` executable needs: a scratch directory, a way to run the
/// tool, a tiny picture, and the check that a failure is one line.
class CommandLineTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The built executable, beside the test bundle.
    var executable: URL {
        var url = Bundle(for: CommandLineTestCase.self).bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("neural-style").path) {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("neural-style")
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:])
        -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try! process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// A 2×2 RGB PNG (red, blue / green, white), assembled byte by byte, at `name`.
    func picture(_ name: String) -> String {
        let bytes: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD, 0xD4, 0x9A,
            0x73, 0x00, 0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0x00, 0x04,
            0xFF, 0x41, 0xE8, 0xFF, 0xFF, 0xFF, 0x00, 0x1F, 0xEE, 0x05, 0xFB, 0x6D, 0xDC, 0xCE, 0xAD, 0x00,
            0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        FileManager.default.createFile(atPath: path(name), contents: Data(bytes))
        return path(name)
    }

    func assertOneLineError(_ result: (status: Int32, stdout: String, stderr: String), contains text: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("neural-style: error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(text), "\(result.stderr) should contain \(text)", file: file, line: line)
    }
}
