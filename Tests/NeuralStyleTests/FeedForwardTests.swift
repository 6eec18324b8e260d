import Foundation
import Imaging
import Models
import NeuralStyle
import Tensor
import XCTest

/// TransformerNet, its model file, and the trainer's exact resume.
final class FeedForwardTests: XCTestCase {
    override func setUp() { prepareComputeBackend() }

    func testTransformerNetHasPyTorchsParameterNamesAndCounts() {
        let names = TransformerNet(channels: 32).namedParameters()
        XCTAssertEqual(names.reduce(0) { $0 + $1.tensor.count }, 1_679_235)
        XCTAssertEqual(TransformerNet(channels: 16).parameters().reduce(0) { $0 + $1.count }, 424_899)
        for key in ["conv1.conv2d.weight", "in1.weight", "in3.bias", "res1.conv1.conv2d.weight", "res5.in2.bias",
                    "deconv1.conv2d.weight", "in5.weight", "deconv3.conv2d.bias"] {
            XCTAssertTrue(names.contains { $0.name == key }, key)
        }
        XCTAssertEqual(names.first?.name, "conv1.conv2d.weight")
        XCTAssertEqual(names.count, 62)
    }

    func testOutputHasExactlyTheInputsSizeEvenWhenNotAMultipleOfFour() throws {
        let network = TransformerNet(channels: 4, seed: 3)
        network.freeze()
        for (width, height) in [(13, 10), (8, 8), (5, 7)] {
            let result = try Stylizer(network: network).stylize(syntheticImage(width: width, height: height, phase: 1))
            XCTAssertEqual([result.width, result.height], [width, height])
        }
        XCTAssertThrowsError(try Stylizer(network: network).stylize(syntheticImage(width: 4, height: 9, phase: 1)))
    }

    func testABatchedForwardEqualsEachPicturesOwnForward() throws {
        // Two styles whose instance-norm rows differ, so that each sample's row of the mix matters.
        let network = TransformerNet(channels: 4, styles: 2, seed: 7)
        var generator = SeededGenerator(seed: 11)
        var changed: [String: Tensor] = [:]
        for (name, tensor) in network.namedParameters() {
            let norm = name.hasPrefix("in") || name.contains(".in")
            changed[name] = Tensor(shape: tensor.shape, values: tensor.toArray().map {
                norm ? $0 + Float.random(in: -0.5...0.5, using: &generator) : $0
            })
        }
        try network.load(changed)
        network.freeze()
        let pictures = (0..<3).map { syntheticImage(width: 13, height: 10, phase: Double($0) * 1.7) }
        let inputs = pictures.map { network.pixels.tensor(rgb: $0.samples, width: 13, height: 10) }
        let rows: [[Float]] = [[1, 0], [0, 1], [0.3, 0.7]]
        withoutGradients {
            let batched = network.stylize(Tensor.concatenate(inputs, axis: 0),
                                          style: .mix(Tensor(shape: [3, 2], values: rows.flatMap { $0 })))
            XCTAssertEqual(batched.shape, [3, 3, 10, 13])
            for index in 0..<3 {
                let alone = network.stylize(inputs[index], style: .mix(Tensor(shape: [1, 2], values: rows[index]))).toArray()
                let sample = batched.slice(axis: 0, index..<(index + 1)).toArray()
                XCTAssertEqual(sample.count, alone.count)
                let worst = zip(sample, alone).map { abs($0 - $1) / max(1, abs($1)) }.max()!
                XCTAssertLessThanOrEqual(worst, 1e-5, "picture \(index)")
            }
        }
        let stylizer = try Stylizer(network: network, styleWeights: [0.3, 0.7])
        XCTAssertTrue(stylizer.paintsBatches)
        let painted = try stylizer.stylize(batch: pictures)
        for (batched, picture) in zip(painted, pictures) {
            let alone = try stylizer.stylize(picture)
            XCTAssertEqual([batched.width, batched.height], [13, 10])
            XCTAssertLessThanOrEqual(zip(batched.samples, alone.samples).map { abs($0 - $1) }.max()!, 255e-5)
        }
        XCTAssertThrowsError(try stylizer.stylize(batch: [syntheticImage(width: 4, height: 9, phase: 0),
                                                          syntheticImage(width: 4, height: 9, phase: 1)]))
    }

    func testModelFileRoundTripsAndRefusesForeignFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = TransformerNet(channels: 4, seed: 5)
        let model = StyleModelFile(network: network, metadata: StyleModelFile.baseMetadata(channels: 4).merging(["style": "x"]) { $1 })
        let full = directory.appendingPathComponent("full.safetensors").path
        let half = directory.appendingPathComponent("half.safetensors").path
        try model.write(to: full)
        try model.write(to: half, halfPrecision: true)
        let original = network.parameters().flatMap { $0.toArray() }
        let (readFull, readHalf) = (try StyleModelFile(contentsOf: full), try StyleModelFile(contentsOf: half))
        XCTAssertEqual(readFull.network.parameters().flatMap { $0.toArray() }, original)
        XCTAssertEqual(readFull.metadata["style"], "x")
        for (a, b) in zip(readHalf.network.parameters().flatMap { $0.toArray() }, original) {
            XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b)))
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let damaged = directory.appendingPathComponent("damaged.safetensors").path
        for contents in [bytes.prefix(bytes.count / 2), Data((0..<300).map { UInt8(truncatingIfNeeded: $0 * 37) })] {
            try contents.write(to: URL(fileURLWithPath: damaged))
            XCTAssertThrowsError(try StyleModelFile(contentsOf: damaged)) { XCTAssertTrue("\($0)".contains("not a neural-style model")) }
        }
        let vgg = VGGWeights.defaultURL(for: .vgg19).path
        if FileManager.default.fileExists(atPath: vgg) {
            XCTAssertThrowsError(try StyleModelFile(contentsOf: vgg)) { XCTAssertTrue("\($0)".contains("not a neural-style model")) }
        }
    }

    /// Four steps in one go equal two, a checkpoint written to disk, and two more.
    func testResumedTrainingEqualsAnUninterruptedRun() throws {
        let url = VGGWeights.defaultURL(for: .vgg16)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingWeights(description: "VGG-16 weights missing at \(url.path): run 'make weights' (make test does)")
        }
        let vgg = try VGG(contentsOf: url, expecting: .vgg16)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<3 {
            try ImageFile.write(syntheticImage(width: 24, height: 20, phase: Double(index)),
                                to: directory.appendingPathComponent("\(index).png").path)
        }
        try Data("not a picture".utf8).write(to: directory.appendingPathComponent("broken.png"))
        var options = TrainingOptions()
        (options.batchSize, options.imageSize, options.channels, options.iterations) = (2, 16, 4, 4)
        let dataset = try TrainingDataset(directory: directory.path, imageSize: 16)
        XCTAssertEqual(dataset.count, 3)
        XCTAssertEqual(dataset.skipped, ["broken.png"])
        let style = syntheticImage(width: 20, height: 20, phase: 7)
        func trainer() throws -> FeedForwardTrainer {
            try FeedForwardTrainer(lossNetwork: vgg, options: options, styles: [style], dataset: dataset)
        }
        let straight = try trainer()
        let records = (0..<4).map { _ in straight.trainStep() }
        XCTAssertLessThan(records[3].total, records[0].total, "training lowers the loss")
        let first = try trainer()
        first.trainStep()
        first.trainStep()
        let checkpoint = directory.appendingPathComponent("run.ckpt").path
        try first.checkpoint().write(to: checkpoint)
        let resumed = try trainer()
        try resumed.resume(from: try TrainingCheckpoint(contentsOf: checkpoint))
        let resumedRecords = (0..<2).map { _ in resumed.trainStep() }
        XCTAssertEqual(resumedRecords.map(\.total), records[2...].map(\.total))
        XCTAssertEqual(resumed.network.parameters().flatMap { $0.toArray() },
                       straight.network.parameters().flatMap { $0.toArray() })
        // Other settings, another style picture of the same size, other photographs: refused, naming each.
        var other = options
        other.styleWeight = 1
        let otherPhotos = directory.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: otherPhotos, withIntermediateDirectories: true)
        for index in 0..<3 {
            try ImageFile.write(syntheticImage(width: 24, height: 20, phase: Double(index) + 0.5),
                                to: otherPhotos.appendingPathComponent("\(index).png").path)
        }
        let mismatches = [
            ("styleWeight (10000000000 there, 1 here)", try FeedForwardTrainer(lossNetwork: vgg, options: other, styles: [style],
                                                                                dataset: dataset)),
            ("style picture 1 (20x20 sha256", try FeedForwardTrainer(lossNetwork: vgg, options: options,
                                                                     styles: [syntheticImage(width: 20, height: 20, phase: 8)],
                                                                     dataset: dataset)),
            ("dataset (3 pictures sha256", try FeedForwardTrainer(lossNetwork: vgg, options: options, styles: [style],
                                                                  dataset: try TrainingDataset(directory: otherPhotos.path,
                                                                                               imageSize: 16))),
        ]
        for (named, mismatched) in mismatches {
            XCTAssertThrowsError(try mismatched.resume(from: try TrainingCheckpoint(contentsOf: checkpoint))) { error in
                XCTAssertTrue("\(error)".contains(named), "\(error)")
            }
        }
    }

    /// Two styles in one network: each step trains its style's γ/β row only, the styles paint
    /// differently and a mix differs from both, and the model file keeps styles and names.
    func testConditionalNetworkTrainsOneStyleRowPerStepAndPaintsEachStyleAndMixes() throws {
        let url = VGGWeights.defaultURL(for: .vgg16)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingWeights(description: "VGG-16 weights missing at \(url.path): run 'make weights' (make test does)")
        }
        let vgg = try VGG(contentsOf: url, expecting: .vgg16)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<2 {
            try ImageFile.write(syntheticImage(width: 20, height: 20, phase: Double(index)),
                                to: directory.appendingPathComponent("\(index).png").path)
        }
        var options = TrainingOptions()
        (options.batchSize, options.imageSize, options.channels, options.iterations, options.learningRate) = (2, 16, 4, 4, 0.05)
        let styles = [syntheticImage(width: 20, height: 20, phase: 5), syntheticImage(width: 20, height: 20, phase: 9)]
        let trainer = try FeedForwardTrainer(lossNetwork: vgg, options: options, styles: styles,
                                             dataset: try TrainingDataset(directory: directory.path, imageSize: 16))
        XCTAssertEqual(trainer.network.styles, 2)
        let gamma = try XCTUnwrap(trainer.network.stateDictionary()["in1.weight"])
        XCTAssertEqual(gamma.shape, [2, 4])
        trainer.trainStep() // style 0
        let rows = gamma.toArray()
        XCTAssertTrue(rows[0..<4].contains { $0 != 1 }, "the first step trains style 0's row")
        XCTAssertEqual(Array(rows[4..<8]), [1, 1, 1, 1], "and leaves style 1's row alone")
        for _ in 0..<3 { trainer.trainStep() }
        let photo = syntheticImage(width: 16, height: 12, phase: 3)
        let painted = try [[Float(1), 0], [0, 1], [0.5, 0.5]].map {
            try Stylizer(network: trainer.network, styleWeights: $0).stylize(photo).samples
        }
        XCTAssertNotEqual(painted[0], painted[1])
        XCTAssertNotEqual(painted[2], painted[0])
        XCTAssertNotEqual(painted[2], painted[1])
        let file = directory.appendingPathComponent("two.safetensors").path
        var metadata = StyleModelFile.baseMetadata(channels: 4, styles: 2)
        metadata["style-names"] = "a.jpg\nb.jpg"
        try StyleModelFile(network: trainer.network, metadata: metadata).write(to: file)
        let read = try StyleModelFile(contentsOf: file)
        XCTAssertEqual(read.network.styleCount, 2)
        XCTAssertEqual(read.styleNames, ["a.jpg", "b.jpg"])
        XCTAssertEqual(try Stylizer(network: read.network, styleWeights: [0.5, 0.5]).stylize(photo).samples, painted[2])
    }

    func testAddingStylesCopiesTheNetworkAndStartsTheNewRowsAtTheMeanOfTheOld() {
        for styles in [1, 3] {
            let network = TransformerNet(channels: 4, styles: styles, seed: 2)
            for norm in network.instanceNorms {
                norm.weight.assign(Tensor(shape: norm.weight.shape, values: (0..<norm.weight.count).map { Float($0 % 7) / 4 }))
            }
            let extended = network.addingStyles(2)
            XCTAssertEqual(extended.styles, styles + 2)
            let old = network.stateDictionary()
            for (name, tensor) in extended.namedParameters() {
                let source = old[name]!.toArray(), values = tensor.toArray()
                guard name.hasPrefix("in") || name.contains(".in") else {
                    XCTAssertEqual(values, source, name)
                    continue
                }
                let width = tensor.shape[1]
                XCTAssertEqual(Array(values[0..<source.count]), source, name)
                let mean = (0..<width).map { c in (0..<styles).reduce(Float(0)) { $0 + source[$1 * width + c] } / Float(styles) }
                XCTAssertEqual(Array(values[source.count...]), mean + mean, name)
            }
        }
    }

    /// `--new-styles`: two styles added to a trained two-style network train only their own γ/β
    /// rows, one per step; every convolution and the old rows stay bit for bit, so the old styles
    /// paint exactly as before; a resumed run ends where an uninterrupted one does.
    func testAddedStylesTrainOnlyTheirRowsAndTheOldStylesPaintExactlyAsBefore() throws {
        let url = VGGWeights.defaultURL(for: .vgg16)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingWeights(description: "VGG-16 weights missing at \(url.path): run 'make weights' (make test does)")
        }
        let vgg = try VGG(contentsOf: url, expecting: .vgg16)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("add-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<2 {
            try ImageFile.write(syntheticImage(width: 20, height: 20, phase: Double(index)),
                                to: directory.appendingPathComponent("\(index).png").path)
        }
        let dataset = try TrainingDataset(directory: directory.path, imageSize: 16)
        // A trained-looking two-style network: its own convolutions and distinct γ/β rows.
        let base = TransformerNet(channels: 4, styles: 2, seed: 13)
        var generator = SeededGenerator(seed: 17)
        for norm in base.instanceNorms {
            for parameter in [norm.weight, norm.bias] {
                parameter.assign(Tensor(shape: parameter.shape, values: parameter.toArray().map {
                    $0 + Float.random(in: -0.5...0.5, using: &generator)
                }))
            }
        }
        base.freeze()
        let initial = Dictionary(uniqueKeysWithValues: base.namedParameters().map {
            ($0.name, NamedArray(shape: $0.tensor.shape, values: $0.tensor.toArray()))
        })
        var options = TrainingOptions()
        (options.batchSize, options.imageSize, options.channels, options.iterations, options.learningRate) = (2, 16, 8, 3, 0.05)
        let newStyles = [syntheticImage(width: 20, height: 20, phase: 5), syntheticImage(width: 20, height: 20, phase: 9)]
        func trainer() throws -> FeedForwardTrainer {
            try FeedForwardTrainer(lossNetwork: vgg, options: options, styles: newStyles, dataset: dataset,
                                   initialWeights: initial, addingStyles: true)
        }
        let adding = try trainer()
        XCTAssertEqual(adding.network.styles, 4)
        XCTAssertEqual(adding.network.channels, 4, "the width is the initial model's")
        XCTAssertEqual(adding.trainedStyles, 2..<4)
        let started = adding.network.stateDictionary().mapValues { $0.toArray() }
        let gamma = try XCTUnwrap(adding.network.stateDictionary()["in1.weight"])
        adding.trainStep() // style 2
        let afterOne = gamma.toArray()
        XCTAssertNotEqual(Array(afterOne[8..<12]), Array(started["in1.weight"]![8..<12]), "the first step trains style 2's row")
        XCTAssertEqual(Array(afterOne[12..<16]), Array(started["in1.weight"]![12..<16]), "and leaves style 3's alone")
        adding.trainStep() // style 3
        adding.trainStep() // style 2
        for (name, tensor) in adding.network.namedParameters() {
            let old = initial[name]!.values, values = tensor.toArray()
            XCTAssertEqual(Array(values[0..<old.count]), old, "\(name): what the initial model had stays bit for bit")
            if values.count > old.count {
                let width = tensor.shape[1], start = started[name]!
                for row in 2..<4 {
                    XCTAssertNotEqual(Array(values[(row * width)..<((row + 1) * width)]),
                                      Array(start[(row * width)..<((row + 1) * width)]), "\(name): new row \(row) trained")
                }
            }
        }
        let photo = syntheticImage(width: 16, height: 12, phase: 3)
        for (before, after) in [([Float(1), 0], [Float(1), 0, 0, 0]), ([0, 1], [0, 1, 0, 0]), ([0.3, 0.7], [0.3, 0.7, 0, 0])] {
            XCTAssertEqual(try Stylizer(network: adding.network, styleWeights: after).stylize(photo).samples,
                           try Stylizer(network: base, styleWeights: before).stylize(photo).samples, "style mix \(before)")
        }
        XCTAssertNotEqual(try Stylizer(network: adding.network, styleWeights: [0, 0, 1, 0]).stylize(photo).samples,
                          try Stylizer(network: base, styleWeights: [0.5, 0.5]).stylize(photo).samples)

        let first = try trainer()
        first.trainStep()
        let checkpoint = directory.appendingPathComponent("add.ckpt").path
        try first.checkpoint().write(to: checkpoint)
        let resumed = try trainer()
        try resumed.resume(from: try TrainingCheckpoint(contentsOf: checkpoint))
        resumed.trainStep()
        resumed.trainStep()
        XCTAssertEqual(resumed.network.parameters().flatMap { $0.toArray() }, adding.network.parameters().flatMap { $0.toArray() })
        XCTAssertThrowsError(try FeedForwardTrainer(lossNetwork: vgg, options: options, styles: newStyles, dataset: dataset,
                                                    addingStyles: true))
    }
}

/// A pytorch/examples checkpoint as PyTorch wrote it (width 2, with 2017's running statistics).
final class TransformerNetCheckpointTests: XCTestCase {
    func testImportedCheckpointReproducesPyTorchsForward() throws {
        prepareComputeBackend()
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ModelsTests/Fixtures/torch-zip").standardized
        let arrays = try TorchFile.read(path: fixtures.appendingPathComponent("transformer_net_2017.pth").path)
        XCTAssertNotNil(arrays["in1.running_mean"], "the fixture carries 2017's running statistics")
        XCTAssertThrowsError(try StyleModelFile.network(from: arrays, source: "x"), "running statistics are not parameters")
        let parameters = arrays.filter { !$0.key.hasSuffix("running_mean") && !$0.key.hasSuffix("running_var") }
        let network = try StyleModelFile.network(from: parameters, source: "fixture")
        XCTAssertEqual(network.channels, 2)
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixtures.appendingPathComponent("transformer_net_2017.json"))) as! [String: Any]
        let input = Tensor(shape: [1, 3, 12, 8], values: (0..<288).map { Float($0) * 255 / 288 })
        let output = network(input).toArray()
        let reference = (expected["output"] as! [Double]).map(Float.init)
        XCTAssertEqual(output.count, reference.count)
        let worst = zip(output, reference).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
        // Planes of 6 pixels after two strided convolutions make instance norm amplify f32 rounding;
        // a wrong op is off by whole units.
        XCTAssertLessThan(worst, 5e-4, "largest relative difference from PyTorch")
    }
}
