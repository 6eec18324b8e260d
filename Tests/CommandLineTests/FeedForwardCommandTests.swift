import Foundation
import XCTest

/// `train`, `stylize` and `model import` as users drive them: bad inputs are one line, exit 1,
/// nothing written; a short training run yields a model that `stylize` uses.
final class FeedForwardCommandTests: CommandLineTestCase {
    private var cache: String {
        ProcessInfo.processInfo.environment["NEURAL_STYLE_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/neural-style").path
    }

    func testTrainRefusesEmptyAndMissingDatasetsWithOneLine() throws {
        try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path("empty/notes.txt"), contents: Data("x".utf8))
        let style = picture("style.png")
        assertOneLineError(run(["train", "--style", style, "--dataset", path("empty"), "--output", path("m.safetensors")]),
                           contains: "holds no readable PNG, JPEG or WebP")
        assertOneLineError(run(["train", "--style", style, "--dataset", path("nowhere"), "--output", path("m.safetensors")]),
                           contains: "is not a folder")
        assertOneLineError(run(["train", "--style", style, "--dataset", path("empty"), "--output", path("m.png")]),
                           contains: ".safetensors")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")))
    }

    func testStylizeAndImportRefuseFilesThatAreNotModels() throws {
        let input = picture("in.png")
        FileManager.default.createFile(atPath: path("random.safetensors"), contents: Data((0..<500).map { UInt8($0 % 251) }))
        assertOneLineError(run(["stylize", "--model", path("random.safetensors"), "--input", input, "--output", path("out.png")]),
                           contains: "not a neural-style model")
        assertOneLineError(run(["stylize", "--model", path("missing.safetensors"), "--input", input, "--output", path("out.png")]),
                           contains: "cannot read")
        let notTransformer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ModelsTests/Fixtures/torch-zip/state_dict.pth").standardized.path
        assertOneLineError(run(["model", "import", notTransformer, "--output", path("m.safetensors")]),
                           contains: "does not hold a TransformerNet")
        FileManager.default.createFile(atPath: path("junk.pth"), contents: Data("PK junk".utf8))
        let junk = run(["model", "import", path("junk.pth"), "--output", path("m.safetensors")])
        XCTAssertEqual(junk.status, 1)
        XCTAssertEqual(junk.stderr.filter { $0 == "\n" }.count, 1, junk.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")))
    }

    func testMagentaModelByNameWithAStyleIndexAMixAndBadChoicesRefused() throws {
        guard FileManager.default.fileExists(atPath: cache + "/models/magenta-26.safetensors") else {
            throw XCTSkip("Magenta's model is not installed: run 'make magenta' (make test does)")
        }
        let input = picture("in.png")
        let listed = run(["model", "list"])
        XCTAssertTrue(listed.stdout.contains("magenta-26: magenta-multistyle, 26 styles"), listed.stdout)
        for (name, choice) in [("seven.png", ["--style-index", "7"]), ("mix.png", ["--style-mix", "3:0.5,12:0.5"])] {
            let result = run(["stylize", "--model", "magenta-26", "--input", input, "--output", path(name), "--size", "16"] + choice)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let (seven, mix) = (try Data(contentsOf: URL(fileURLWithPath: path("seven.png"))),
                            try Data(contentsOf: URL(fileURLWithPath: path("mix.png"))))
        XCTAssertNotEqual(seven, mix, "a mix of styles 3 and 12 paints differently from style 7")
        assertOneLineError(run(["stylize", "--model", "magenta-26", "--input", input, "--output", path("bad.png"),
                                "--size", "16", "--style-index", "26"]), contains: "26 styles (0-25)")
        assertOneLineError(run(["stylize", "--model", "no-such-model", "--input", input, "--output", path("bad.png")]),
                           contains: "no installed model")
        let zeroMix = run(["stylize", "--model", "magenta-26", "--input", input, "--output", path("bad.png"),
                           "--style-mix", "3:0,4:0"])
        XCTAssertNotEqual(zeroMix.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.png")))
    }

    func testStylizeBatchesAFolderOfMixedSizesAsOneByOne() throws {
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../models/starry-night.safetensors").standardized.path
        try FileManager.default.createDirectory(atPath: path("photos"), withIntermediateDirectories: true)
        // Three pictures of one size (a full batch of 2 and one left over), two of another, then
        // four more sizes: the fourth of those sends d's batch off alone, as at most four sizes wait.
        let sizes = [("a", 12, 9), ("b", 9, 12), ("c", 12, 9), ("d", 12, 9), ("e", 9, 12),
                     ("f", 10, 10), ("g", 11, 10), ("h", 10, 11), ("i", 12, 12), ("j", 10, 10)]
        for (index, (name, width, height)) in sizes.enumerated() {
            _ = png("photos/\(name).png", width: width, height: height) { x, y in
                (UInt8((x * 20 + index * 40) % 256), UInt8((y * 25) % 256), UInt8((x * y * 7 + index * 90) % 256))
            }
        }
        let single = run(["stylize", "--model", model, "--input", path("photos"), "--output", path("single")])
        XCTAssertEqual(single.status, 0, single.stderr)
        let batched = run(["stylize", "--model", model, "--input", path("photos"), "--output", path("batched"),
                           "--batch-size", "2"])
        XCTAssertEqual(batched.status, 0, batched.stderr)
        let lines = batched.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 10, batched.stdout)
        for (line, (counter, name)) in zip(lines, ["a", "c", "b", "e", "d", "f", "j", "g", "h", "i"].enumerated()) {
            XCTAssertTrue(line.hasPrefix("[\(counter + 1)/10] Wrote \(path("batched/\(name).png"))"), line)
        }
        XCTAssertEqual(lines.filter { $0.contains("for a batch of 2") }.count, 6, batched.stdout)
        for (name, width, height) in sizes {
            let output = try Data(contentsOf: URL(fileURLWithPath: path("batched/\(name).png")))
            XCTAssertEqual(output, try Data(contentsOf: URL(fileURLWithPath: path("single/\(name).png"))), name)
            let header = [UInt8](output.prefix(24))
            let (writtenWidth, writtenHeight) = (header[16..<20].reduce(0) { $0 << 8 | Int($1) },
                                                 header[20..<24].reduce(0) { $0 << 8 | Int($1) })
            XCTAssertEqual([writtenWidth, writtenHeight], [width, height], name)
        }
        assertOneLineError(run(["stylize", "--model", model, "--input", path("photos"), "--output", path("bad"),
                                "--batch-size", "0"]), contains: "--batch-size must be positive")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad")))
    }

    func testShortTrainingRunWritesAModelLogAndCheckpointThatStylizeUses() throws {
        let photo = cache + "/pictures/building.jpg", painting = cache + "/pictures/starry_night.jpg"
        guard FileManager.default.fileExists(atPath: cache + "/vgg16.safetensors"),
              FileManager.default.fileExists(atPath: photo) else {
            throw XCTSkip("needs the cache's VGG-16 and pictures: run 'make weights pictures' (make test does)")
        }
        try FileManager.default.createDirectory(atPath: path("photos/sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: photo, toPath: path("photos/sub/a.jpg"))
        try FileManager.default.copyItem(atPath: painting, toPath: path("photos/b.jpg"))
        let model = path("model.safetensors")
        let result = run(["train", "--style", painting, "--style-size", "32", "--dataset", path("photos"), "--output", model,
                          "--image-size", "32", "--batch-size", "2", "--iterations", "2", "--channels", "4",
                          "--log", path("log.jsonl"), "--checkpoint", path("run.ckpt"), "--preview", photo,
                          "--preview-every", "1", "--progress-gif", path("p.gif"), "--loss-plot", path("l.svg")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOfFile: path("log.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let record = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in ["iteration", "total", "content", "style", "tv", "elapsed"] { XCTAssertNotNil(record[key], key) }
        for file in ["run.ckpt", "p.gif", "l.svg", "model-preview-000002.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path(file)), file)
        }
        let stylized = run(["stylize", "--model", model, "--input", photo, "--size", "37", "--output", path("out.png")])
        XCTAssertEqual(stylized.status, 0, stylized.stderr)
        XCTAssertTrue(stylized.stdout.contains("37×"), stylized.stdout)
        let extended = run(["train", "--style", painting, "--style-size", "32", "--dataset", path("photos"), "--output", model,
                            "--image-size", "32", "--batch-size", "2", "--iterations", "3", "--channels", "4",
                            "--checkpoint", path("run.ckpt"), "--resume", path("run.ckpt")])
        XCTAssertEqual(extended.status, 0, extended.stderr)
        XCTAssertTrue(extended.stdout.contains("(2 done)"), extended.stdout)
        let twoStyles = path("two.safetensors")
        let multi = run(["train", "--style", painting + "," + photo, "--style-size", "32", "--dataset", path("photos"),
                         "--output", twoStyles, "--image-size", "32", "--batch-size", "1", "--iterations", "2",
                         "--channels", "4"])
        XCTAssertEqual(multi.status, 0, multi.stderr)
        XCTAssertTrue(multi.stdout.contains("2 styles in turn"), multi.stdout)
        let second = run(["stylize", "--model", twoStyles, "--style-index", "1", "--input", photo, "--size", "24",
                          "--output", path("second.png")])
        XCTAssertEqual(second.status, 0, second.stderr)
        assertOneLineError(run(["stylize", "--model", twoStyles, "--style-index", "2", "--input", photo, "--size", "24",
                                "--output", path("third.png")]), contains: "2 styles (0-1)")
    }

    /// The `style-names` a model file's safetensors header records.
    private func styleNames(_ file: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let length = data.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        let metadata = header["__metadata__"] as? [String: String] ?? [:]
        return metadata["style-names"]?.split(separator: "\n").map(String.init) ?? []
    }

    func testNewStylesAddToATrainedModelWhoseOldStylesPaintExactlyAsBefore() throws {
        let photo = cache + "/pictures/building.jpg", painting = cache + "/pictures/starry_night.jpg"
        guard FileManager.default.fileExists(atPath: cache + "/vgg16.safetensors"),
              FileManager.default.fileExists(atPath: photo) else {
            throw XCTSkip("needs the cache's VGG-16 and pictures: run 'make weights pictures' (make test does)")
        }
        try FileManager.default.createDirectory(atPath: path("photos"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: photo, toPath: path("photos/a.jpg"))
        let third = png("stripes.png", width: 32, height: 32) { x, y in
            (UInt8((x * 40) % 256), UInt8((y * 8) % 256), UInt8(((x + y) * 16) % 256))
        }
        let two = path("two.safetensors"), three = path("three.safetensors")
        let common = ["--style-size", "32", "--dataset", path("photos"), "--image-size", "32", "--batch-size", "1",
                      "--channels", "4"]
        let trained = run(["train", "--style", painting + "," + photo, "--output", two, "--iterations", "2"] + common)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let added = run(["train", "--init-model", two, "--new-styles", third, "--output", three, "--iterations", "1",
                         "--checkpoint", path("add.ckpt")] + common)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stdout.contains("added to the 2 of"), added.stdout)
        XCTAssertEqual(try styleNames(three), ["starry_night.jpg", "building.jpg", "stripes.png"])
        func paint(_ model: String, _ index: Int, _ name: String) throws -> Data {
            let result = run(["stylize", "--model", model, "--style-index", String(index), "--input", photo, "--size", "24",
                              "--output", path(name)])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try Data(contentsOf: URL(fileURLWithPath: path(name)))
        }
        let newStyle = try paint(three, 2, "new.png")
        for index in 0..<2 {
            let before = try paint(two, index, "before\(index).png")
            XCTAssertEqual(try paint(three, index, "after\(index).png"), before, "style \(index) paints as before")
            XCTAssertNotEqual(newStyle, before)
        }
        let resumed = run(["train", "--init-model", two, "--new-styles", third, "--output", three, "--iterations", "2",
                           "--checkpoint", path("add.ckpt"), "--resume", path("add.ckpt")] + common)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("(1 done)"), resumed.stdout)
        XCTAssertEqual(try paint(three, 0, "resumed0.png"), try paint(two, 0, "again0.png"))

        // An "AdaIN decoder" model file of one tensor: a neural-style model, but not a TransformerNet.
        let header = Data(#"{"__metadata__":{"format":"neural-style model 1","architecture":"adain-decoder"},"#.utf8)
            + Data(#""x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        FileManager.default.createFile(atPath: path("adain.safetensors"), contents:
            Data((0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }) + header + Data(count: 4))
        var foreign = [path("adain.safetensors")]
        if FileManager.default.fileExists(atPath: cache + "/models/magenta-arbitrary.safetensors") {
            foreign.append(cache + "/models/magenta-arbitrary.safetensors")
        }
        let out = path("refused.safetensors"), checkpoint = path("refused.ckpt")
        let refusals: [([String], String)] = [
            (["--new-styles", third], "--new-styles needs --init-model"),
            (["--init-model", two, "--new-styles", third, "--style", painting], "give --style or --new-styles, not both"),
        ] + foreign.map { (["--init-model", $0, "--new-styles", third], "does not hold a TransformerNet") }
        for (arguments, message) in refusals {
            assertOneLineError(run(["train", "--output", out, "--checkpoint", checkpoint, "--iterations", "1"] + arguments + common),
                               contains: message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), message)
        }
    }
}
