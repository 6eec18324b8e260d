import Foundation
import Imaging
import Tensor

/// A folder of training photographs (PNG/JPEG/WebP, searched recursively), each decoded once,
/// resized so its shorter side is `imageSize` and centre-cropped to a square (pytorch/examples'
/// `Resize` + `CenterCrop`), and kept in memory as bytes.
public final class TrainingDataset {
    /// Side of every training picture.
    public let imageSize: Int
    /// The pictures used, as paths relative to the folder, in a fixed (sorted) order.
    public let names: [String]
    /// Files that looked like pictures but could not be decoded.
    public let skipped: [String]
    private let pictures: [[UInt8]]

    /// Reads every picture under `directory`; `progress(done, total)` is called as they load.
    /// Throws when the folder does not exist or holds no usable picture.
    public init(directory: String, imageSize: Int, progress: (Int, Int) -> Void = { _, _ in }) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StyleTransferError.badOption("the dataset '\(directory)' is not a folder")
        }
        guard imageSize >= 16 else { throw StyleTransferError.badOption("--image-size must be at least 16") }
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter(ImageFile.hasImageExtension).sorted()
        var names: [String] = [], skipped: [String] = [], pictures: [[UInt8]] = []
        for (index, file) in files.enumerated() {
            progress(index, files.count)
            do {
                let picture = try ImageFile.read((directory as NSString).appendingPathComponent(file))
                pictures.append(picture.centerSquare(side: imageSize).bytes)
                names.append(file)
            } catch {
                skipped.append(file)
            }
        }
        guard !pictures.isEmpty else {
            throw StyleTransferError.badOption("the dataset '\(directory)' holds no readable PNG, JPEG or WebP picture"
                                               + (skipped.isEmpty ? "" : " (\(skipped.count) could not be decoded)"))
        }
        (self.imageSize, self.names, self.skipped, self.pictures) = (imageSize, names, skipped, pictures)
    }

    /// Picture `index` as loaded (an `imageSize` square).
    public func picture(_ index: Int) -> Image {
        Image(width: imageSize, height: imageSize, samples: pictures[index].map(Float.init))
    }

    /// Number of usable pictures.
    public var count: Int { pictures.count }

    /// SHA-256 of the pictures as used (their names, then each one's digest): a resumed run
    /// must train on the same ones.
    public private(set) lazy var sha256: String = SHA256.hex(
        Array((names.joined(separator: "\n") + "\n" + pictures.map(SHA256.hex).joined(separator: "\n")).utf8))

    /// The pictures at `indices` as a `[B, 3, S, S]` tensor of RGB values in 0…255.
    public func batch(_ indices: [Int]) -> Tensor {
        let plane = imageSize * imageSize
        var values = [Float](repeating: 0, count: indices.count * 3 * plane)
        for (b, index) in indices.enumerated() {
            let bytes = pictures[index]
            for i in 0..<plane {
                for c in 0..<3 { values[(b * 3 + c) * plane + i] = Float(bytes[i * 3 + c]) }
            }
        }
        return Tensor(shape: [indices.count, 3, imageSize, imageSize], values: values)
    }

    /// Which pictures make up step `step` (from 0) of a run with `batchSize` and `seed`: each
    /// epoch visits every picture once in an order drawn from the seed and the epoch number,
    /// so a resumed run sees exactly what an uninterrupted one would.
    public func batchIndices(step: Int, batchSize: Int, seed: UInt64) -> [Int] {
        let perEpoch = stepsPerEpoch(batchSize: batchSize)
        let (epoch, position) = (step / perEpoch, step % perEpoch)
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        let order = Array(0..<count).shuffled(using: &generator)
        return Array(order[(position * batchSize)..<min(count, (position + 1) * batchSize)])
    }

    /// Optimiser steps in one epoch (the last batch may be smaller).
    public func stepsPerEpoch(batchSize: Int) -> Int { (count + batchSize - 1) / batchSize }
}
