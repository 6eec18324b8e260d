import Foundation
import XCTest

/// The optimisation command's contract under hostile inputs and long-run faults: options no run
/// can use, divergence, what the written picture is, checkpoints that belong to their run,
/// outputs checked before any work, write failures, signals, sizes past the machine's memory.
final class RunContractTests: CommandLineTestCase {
    private var base: [String] {
        ["--content", picture("content.png"), "--style", picture("style.png"), "--size", "32", "--print-every", "1"]
    }

    private func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    /// A 2×2 picture unlike `picture(_:)`'s, made by the tool itself (random start, one evaluation).
    private func otherPicture(_ name: String) -> String {
        let made = run(base + ["--init", "random", "--seed", "7", "--iterations", "1", "--original-size",
                               "--output", path(name)])
        XCTAssertEqual(made.status, 0, made.stderr)
        return path(name)
    }

    func testNonFiniteAndNegativeOptionsAreRefusedWithOneLine() {
        for (option, value, message) in [
            ("--content-weight", "nan", "--content-weight must be a finite number, not negative (got nan)"),
            ("--style-weight", "-1", "--style-weight must be a finite number, not negative (got -1.0)"),
            ("--tv-weight", "inf", "--tv-weight must be a finite number"),
            ("--learning-rate", "nan", "--learning-rate must be a positive finite number"),
            ("--learning-rate", "-2", "--learning-rate must be a positive finite number (got -2.0)"),
            ("--lr-decay-factor", "0", "--lr-decay-factor must be a positive finite number"),
            ("--style-scale", "inf", "--style-scale must be a positive finite number"),
            ("--style-layers", "relu1_1:nan", "the weight of style layer relu1_1 must be a finite number"),
            ("--lbfgs-history", "0", "--lbfgs-history must be positive"),
        ] {
            assertOneLineError(run(base + ["--output", path("out.png"), option, value]), contains: message)
        }
        let train = ["train", "--style", picture("style.png"), "--dataset", directory.path, "--output", path("m.safetensors")]
        assertOneLineError(run(train + ["--learning-rate", "nan"]), contains: "--learning-rate must be a positive finite")
        assertOneLineError(run(train + ["--style-weight", "-1e10"]), contains: "--style-weight must be a finite number")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")))
    }

    func testDivergenceStopsWithOneLineKeepingTheLastGoodPictureAndState() throws {
        let diverged = run(base + ["--optimizer", "adam", "--learning-rate", "1e30", "--iterations", "3",
                                   "--output", path("diverged.png"), "--checkpoint", path("run.ckpt")])
        assertOneLineError(diverged, contains: "at iteration 2 (lower --learning-rate or the weights); "
                                               + "wrote \(path("diverged.png")) from iteration 1, the best before it")
        XCTAssertTrue(diverged.stderr.contains("the loss became"), diverged.stderr)
        XCTAssertTrue(diverged.stderr.contains("saved that state in \(path("run.ckpt"))"), diverged.stderr)
        // Iteration 1 evaluated the starting point: the same picture a one-iteration run writes.
        XCTAssertEqual(run(base + ["--iterations", "1", "--output", path("one.png")]).status, 0)
        XCTAssertEqual(try bytes("diverged.png"), try bytes("one.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("run.ckpt")))
    }

    func testNonFiniteWeightsAndCheckpointPayloadsAreRefusedAtLoad() throws {
        // One tensor of NaN in a file that otherwise says it is VGG-19.
        var json = Array(#"{"conv1_1.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#.utf8)
            + Array(#""__metadata__":{"architecture":"vgg19","preprocessing":"caffe"}}"#.utf8)
        json += Array(repeating: 0x20, count: (8 - json.count % 8) % 8)
        let file = withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + [0x00, 0x00, 0xC0, 0x7F]
        _ = FileManager.default.createFile(atPath: path("nan.safetensors"), contents: Data(file))
        assertOneLineError(run(base + ["--output", path("out.png"), "--weights", path("nan.safetensors")]),
                           contains: "conv1_1.weight holds values that are not finite numbers")

        let options = base + ["--output", path("out.png"), "--checkpoint", path("run.ckpt")]
        XCTAssertEqual(run(options + ["--iterations", "1"]).status, 0)
        var checkpoint = try bytes("run.ckpt")
        checkpoint.replaceSubrange((checkpoint.count - 4)..., with: [0x00, 0x00, 0xC0, 0x7F])
        try checkpoint.write(to: URL(fileURLWithPath: path("run.ckpt")))
        assertOneLineError(run(options + ["--iterations", "2", "--resume", path("run.ckpt")]),
                           contains: "holds values that are not finite numbers")
    }

    func testTheWrittenPictureIsTheBestEvaluatedOneAndSaysWhich() throws {
        let result = run(base + ["--iterations", "3", "--output", path("out.png"), "--save-every", "1",
                                 "--log", path("log.jsonl")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let totals = try String(contentsOfFile: path("log.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["total"] as? Double)
        }
        let best = totals.indices.min { totals[$0] < totals[$1] }! + 1
        XCTAssertTrue(result.stdout.contains("Wrote \(path("out.png")) (32×32): iteration \(best), the lowest total "
                                             + "loss evaluated"), result.stdout)
        // The picture saved while that iteration was evaluated is the one written.
        XCTAssertEqual(try bytes("out.png"), try bytes("out_\(best).png"))
    }

    func testResumeRefusesACheckpointOfOtherInputPicturesNamingThem() {
        let other = otherPicture("other.png")
        let options = ["--output", path("out.png"), "--checkpoint", path("run.ckpt"), "--iterations", "1"]
        XCTAssertEqual(run(base + options).status, 0)
        let resume = ["--iterations", "2", "--resume", path("run.ckpt")]
        assertOneLineError(run(["--content", other, "--style", picture("style.png"), "--size", "32"] + options + resume),
                           contains: "it belongs to a run with other inputs or options: content picture (2x2 sha256 ")
        assertOneLineError(run(["--content", picture("content.png"), "--style", other, "--size", "32"] + options + resume),
                           contains: "style picture 1 (sha256 ")
        assertOneLineError(run(base + options + resume + ["--init", other]), contains: "init (content there, picture sha256")
    }

    func testAFinishedRunLeavesACheckpointThatExtendsExactly() throws {
        let checkpointed = run(base + ["--iterations", "2", "--output", path("first.png"), "--checkpoint", path("run.ckpt")])
        XCTAssertEqual(checkpointed.status, 0, checkpointed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("run.ckpt")), "no checkpoint at the end")
        let extended = run(base + ["--iterations", "3", "--output", path("extended.png"), "--checkpoint", path("run.ckpt"),
                                   "--resume", path("run.ckpt")])
        XCTAssertEqual(extended.status, 0, extended.stderr)
        XCTAssertTrue(extended.stdout.contains("Iteration 3/3"), extended.stdout)
        XCTAssertFalse(extended.stdout.contains("Iteration 2/3"), extended.stdout)
        XCTAssertEqual(run(base + ["--iterations", "3", "--output", path("straight.png")]).status, 0)
        XCTAssertEqual(try bytes("extended.png"), try bytes("straight.png"))
    }

    func testLBFGSHistoryShrinksCheckpoints() throws {
        for (name, history) in [("full.ckpt", "100"), ("short.ckpt", "1")] {
            let result = run(base + ["--iterations", "4", "--output", path("out.png"), "--checkpoint", path(name),
                                     "--lbfgs-history", history])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let sizes = try ["full.ckpt", "short.ckpt"].map { try bytes($0).count }
        // Three curvature pairs against one: at least two pairs of 3·32·32 floats fewer.
        XCTAssertGreaterThanOrEqual(sizes[0] - sizes[1], 2 * 2 * 3 * 32 * 32 * 4, "\(sizes)")
    }

    func testEveryOutputIsCheckedBeforeAnyWork() throws {
        try FileManager.default.createDirectory(atPath: path("folder.png"), withIntermediateDirectories: true)
        let work = base + ["--iterations", "2"]
        let longName = String(repeating: "n", count: 252) + ".png"
        // root may write anywhere but sysfs, which takes no new files
        let readOnly: String
        if getuid() == 0 {
            readOnly = "/sys/out.png"
        } else {
            try FileManager.default.createDirectory(atPath: path("locked"), withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: path("locked"))
            readOnly = path("locked/out.png")
        }
        for (arguments, message) in [
            (["--output", path("folder.png")], "cannot write \(path("folder.png")): it is a directory"),
            (["--output", readOnly], "cannot write \(readOnly): "),
            (["--output", path(longName)], "the name is longer than the file system's 255 bytes"),
            (["--output", path("out.png"), "--checkpoint", path("folder.png")], "it is a directory"),
            (["--output", path("out.png"), "--loss-plot", readOnly.replacingOccurrences(of: ".png", with: ".svg")],
             "cannot write"),
            (["--output", path("out.png"), "--log", path("folder.png")], "it is a directory"),
            (["--output", path("out.png"), "--log", path("nowhere") + "/"], "it is a directory"),
            (["--output", path(String(repeating: "n", count: 250) + ".png"), "--save-every", "1"],
             "the name is longer than the file system's 255 bytes"),
        ] {
            let result = run(work + arguments)
            assertOneLineError(result, contains: message)
            XCTAssertEqual(result.stdout, "", "work was done before the check")
        }
        // A name that fits only once the temporary file's name is shortened.
        let fits = String(repeating: "f", count: 247) + ".png"
        let written = run(base + ["--iterations", "1", "--output", path(fits)])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path(fits)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".partial") }, [])
    }

    func testWriteFailuresAreOneClearLine() throws {
        let full = run(base + ["--iterations", "2", "--output", path("out.png"), "--log", "/dev/full"])
        assertOneLineError(full, contains: "cannot write /dev/full: No space left on device")
        XCTAssertFalse(full.stderr.contains("NSCocoaErrorDomain"), full.stderr)
        try FileManager.default.createDirectory(atPath: path("weights.safetensors"), withIntermediateDirectories: true)
        let folder = run(base + ["--output", path("out.png"), "--weights", path("weights.safetensors")])
        assertOneLineError(folder, contains: "cannot read \(path("weights.safetensors"))")
        XCTAssertFalse(folder.stderr.contains("NSCocoaErrorDomain"), folder.stderr)
    }

    func testWeightsImportFromAMissingFileFailsEvenWhenTheOutputExists() {
        _ = FileManager.default.createFile(atPath: path("existing.safetensors"), contents: Data("x".utf8))
        assertOneLineError(run(["weights", "import", "--from", path("missing.bin"), "--output", path("existing.safetensors")]),
                           contains: "cannot read \(path("missing.bin"))")
    }

    /// Starts a long run and sends `signal` once it has printed its second iteration.
    private func interrupted(by signal: Int32, extra: [String]) throws -> (status: Int32, reason: Process.TerminationReason,
                                                                            stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = base + ["--size", "24", "--output", path("stopped.png"), "--iterations", "60"] + extra
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var early = Data()
        while !String(decoding: early, as: UTF8.self).contains("Iteration 2/") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            early.append(chunk)
        }
        kill(process.processIdentifier, signal)
        let stdout = String(decoding: early + out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, stdout, stderr)
    }

    func testSIGHUPStopsLikeSIGTERMAndSIGQUITKeepsItsDefault() throws {
        let hangUp = try interrupted(by: SIGHUP, extra: ["--checkpoint", path("run.ckpt"), "--checkpoint-every", "0"])
        XCTAssertEqual(hangUp.reason, .exit, hangUp.stderr)
        XCTAssertEqual(hangUp.status, 128 + SIGHUP, hangUp.stdout + hangUp.stderr)
        XCTAssertTrue(hangUp.stdout.contains("state saved in \(path("run.ckpt"))"), hangUp.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("run.ckpt")))

        let quit = try interrupted(by: SIGQUIT, extra: [])
        XCTAssertEqual(quit.reason, .uncaughtSignal, quit.stdout + quit.stderr)
        XCTAssertEqual(quit.status, SIGQUIT)
        XCTAssertFalse(quit.stderr.contains("Crash"), quit.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("stopped.png")))
    }

    func testVersionNegativeNumbersAndInconsistentControls() {
        let version = run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout.split(separator: "\n").count, 1, version.stdout)
        XCTAssertTrue(version.stdout.first?.isNumber ?? false, version.stdout)
        let output = ["--output", path("out.png")]
        assertOneLineError(run(base + output + ["--seed", "-1"]), contains: "The value '-1' is invalid for '--seed <seed>'")
        assertOneLineError(run(base + output + ["--size", "-1"]), contains: "--size must be positive")
        assertOneLineError(run(["train", "--style", picture("s.png"), "--dataset", directory.path, "--output",
                                path("m.safetensors"), "--batch-size", "-4"]), contains: "--batch-size must be positive")
        assertOneLineError(run(base + output + ["--bogus"]), contains: "Unknown option '--bogus'")
        let noSize = ["--content", picture("content.png"), "--style", picture("style.png")] + output
        assertOneLineError(run(noSize + ["--scales", "64,32"]), contains: "--scales must increase, coarse to fine (64,32 does not)")
        assertOneLineError(run(base + output + ["--scales", "32,64"]), contains: "--size and --scales do not go together")
        assertOneLineError(run(base + output + ["--mask-colors", "#ff0000"]), contains: "--mask-colors needs --masks")
    }

    func testSizesPastTheMachinesMemoryAreRefusedNamingTheLargestThatFits() {
        let output = ["--output", path("out.png"), "--iterations", "1"]
        let huge = run(base + output + ["--size", "100000"])
        assertOneLineError(huge, contains: "--size 100000 makes a 100000×100000 picture that needs about ")
        XCTAssertTrue(huge.stderr.contains("here is about --size "), huge.stderr)
        let style = run(base + output + ["--style-scale", "100000"])
        assertOneLineError(style, contains: "--style-scale 100000.0 makes style pictures of up to 3200000 px a side")
        XCTAssertTrue(style.stderr.contains("here is about --style-scale "), style.stderr)
        let level = run(["--content", picture("content.png"), "--style", picture("style.png")] + output
                        + ["--scales", "32,100000", "--iterations", "1,1"])
        assertOneLineError(level, contains: "the 100000-px level of --scales makes a 100000×100000 picture")
    }
}
