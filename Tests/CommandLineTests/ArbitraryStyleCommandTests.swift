import Foundation
import XCTest

/// `stylize` with a model that takes its style from pictures (Magenta's arbitrary-style pair,
/// installed by 'make magenta'): style pictures, strength and blends; style options given to
/// the wrong kind of model, unreadable pictures and bad weights are one line, exit 1, nothing
/// written.
final class ArbitraryStyleCommandTests: CommandLineTestCase {
    private var models: String {
        (ProcessInfo.processInfo.environment["NEURAL_STYLE_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/neural-style").path) + "/models"
    }

    func testArbitraryStyleModelPaintsStylePicturesAndRefusesWrongOptions() throws {
        guard FileManager.default.fileExists(atPath: models + "/magenta-arbitrary.safetensors") else {
            throw XCTSkip("Magenta's arbitrary-style model is not installed: run 'make magenta' (make test does)")
        }
        let (input, style) = (picture("in.png"), picture("style.png"))
        let listed = run(["model", "list"])
        XCTAssertTrue(listed.stdout.contains("magenta-arbitrary: magenta-arbitrary, any style (--style-image)"), listed.stdout)
        let stylize = ["stylize", "--model", "magenta-arbitrary", "--input", input, "--size", "16"]
        for (name, options) in [("full.png", ["--style-image", style]),
                                ("half.png", ["--style-image", style, "--strength", "0.5"]),
                                ("blend.png", ["--style-image", "\(style),\(input)", "--style-blend-weights", "1,3"])] {
            let result = run(stylize + ["--output", path(name)] + options)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let (full, half) = (try Data(contentsOf: URL(fileURLWithPath: path("full.png"))),
                            try Data(contentsOf: URL(fileURLWithPath: path("half.png"))))
        XCTAssertNotEqual(full, half, "half strength moves towards the photograph's own style")

        let bad = ["--output", path("bad.png")]
        assertOneLineError(run(stylize + bad + ["--style-image", path("missing.png")]), contains: "missing.png")
        assertOneLineError(run(stylize + bad), contains: "give --style-image")
        assertOneLineError(run(stylize + bad + ["--style-image", style, "--style-index", "3"]),
                           contains: "--style-index and --style-mix are for multi-style models")
        assertOneLineError(run(stylize + bad + ["--style-image", "\(style),\(input)", "--style-blend-weights", "1"]),
                           contains: "one number for each of the 2 style pictures")
        assertOneLineError(run(stylize + bad + ["--style-image", style, "--style-blend-weights", "0"]),
                           contains: "positive sum")
        assertOneLineError(run(stylize + bad + ["--style-image", style, "--strength", "1.5"]), contains: "between 0 and 1")
        assertOneLineError(run(stylize + bad + ["--style-image", style, "--batch-size", "2"]),
                           contains: "--batch-size is for models that paint their own styles")
        if FileManager.default.fileExists(atPath: models + "/magenta-26.safetensors") {
            assertOneLineError(run(["stylize", "--model", "magenta-26", "--input", input, "--style-image", style] + bad),
                               contains: "paints its own styles")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.png")))
    }
}
