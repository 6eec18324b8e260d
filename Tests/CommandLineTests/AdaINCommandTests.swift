import Foundation
import XCTest

/// `train --arbitrary adain` and `stylize` with an AdaIN decoder as users drive them: style
/// pictures, α, masks and CORAL colours; refusals in one line with nothing written.
final class AdaINCommandTests: CommandLineTestCase {
    private var cache: String {
        ProcessInfo.processInfo.environment["NEURAL_STYLE_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/neural-style").path
    }

    func testTrainADecoderThenPaintWithAlphaMasksAndCORAL() throws {
        let photo = cache + "/pictures/building.jpg", painting = cache + "/pictures/starry_night.jpg"
        guard FileManager.default.fileExists(atPath: cache + "/vgg19.safetensors"),
              FileManager.default.fileExists(atPath: photo) else {
            throw XCTSkip("needs the cache's VGG-19 and pictures: run 'make weights pictures' (make test does)")
        }
        for folder in ["photos", "paintings"] {
            try FileManager.default.createDirectory(atPath: path(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: photo, toPath: path("photos/a.jpg"))
        try FileManager.default.copyItem(atPath: painting, toPath: path("paintings/b.jpg"))
        let model = path("adain.safetensors")
        let trained = run(["train", "--arbitrary", "adain", "--dataset", path("photos"), "--style-dataset", path("paintings"),
                           "--output", model, "--iterations", "1", "--batch-size", "1", "--image-size", "16",
                           "--load-size", "24", "--log", path("log.jsonl"), "--exact-convolutions"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("Training an AdaIN decoder on 1 photographs and 1 style pictures"), trained.stdout)
        let base = ["stylize", "--model", model, "--input", photo, "--size", "40"]
        for (name, extra) in [("alpha.png", ["--style-image", painting, "--alpha", "0.5"]),
                              ("masks.png", ["--style-image", painting + "," + photo, "--masks", photo + "," + painting]),
                              ("coral.png", ["--style-image", painting, "--preserve-colors", "coral"])] {
            let result = run(base + ["--output", path(name)] + extra)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("40×"), result.stdout)
        }
        assertOneLineError(run(base + ["--output", path("bad.png"), "--style-image", painting, "--masks", photo + "," + photo]),
                           contains: "one mask for each")
        assertOneLineError(run(base + ["--output", path("bad.png"), "--style-image", painting, "--alpha", "2"]),
                           contains: "between 0 and 1")
        assertOneLineError(run(base + ["--output", path("bad.png"), "--style-index", "1"]), contains: "--style-image")
        assertOneLineError(run(["train", "--arbitrary", "adain", "--style", painting, "--dataset", path("photos"),
                                "--output", path("bad.safetensors")]), contains: "--style-dataset")
        assertOneLineError(run(["train", "--arbitrary", "adain", "--dataset", path("photos"), "--style-dataset",
                                path("paintings"), "--output", path("bad.safetensors"), "--exact-convolutions",
                                "--fast-convolutions"]), contains: "not both")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.png")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.safetensors")))
    }
}
