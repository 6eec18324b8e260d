import Foundation
import Imaging

/// A run's whole state between two iterations: which level, the image being optimised
/// (preprocessed), the best picture evaluated so far at that level, and the optimiser's state.
/// Written atomically; `--resume` continues from it.
///
/// File format: the magic line `neural-style checkpoint 1\n`, a little-endian UInt64 byte
/// count, that many bytes of JSON (everything but the vectors, plus each vector's length),
/// then the vectors' Float32 values, little-endian, in the JSON's order.
public struct Checkpoint: Equatable, Sendable {
    /// The lowest-loss point evaluated at a level: what the level hands on and a run writes.
    public struct Best: Equatable, Sendable {
        /// The point, preprocessed, `3·height·width` values.
        public var image: [Float]
        /// Its total loss.
        public var loss: Float
        /// The iteration (from 1) that evaluated it.
        public var iteration: Int

        /// Collects a best point.
        public init(image: [Float], loss: Float, iteration: Int) {
            (self.image, self.loss, self.iteration) = (image, loss, iteration)
        }
    }

    /// Describes the options and inputs that shape the result; a resume must present the same.
    public var fingerprint: String
    /// Level index, from 0.
    public var level: Int
    /// The level's picture size.
    public var width: Int, height: Int
    /// The current iterate, preprocessed, `3·height·width` values.
    public var image: [Float]
    /// The optimiser's state, including the iterations completed at this level.
    public var optimizer: OptimizerState
    /// The best point evaluated at this level so far, if any.
    public var best: Best?

    /// Collects a checkpoint.
    public init(fingerprint: String, level: Int, width: Int, height: Int, image: [Float], optimizer: OptimizerState,
                best: Best? = nil) {
        self.fingerprint = fingerprint
        self.level = level
        self.width = width
        self.height = height
        self.image = image
        self.optimizer = optimizer
        self.best = best
    }

    private static let magic = Array("neural-style checkpoint 1\n".utf8)

    private struct Header: Codable {
        var fingerprint: String
        var level: Int, width: Int, height: Int
        var optimizer: String, iteration: Int
        var scalars: [String: Float]
        var vectors: [VectorList]
        var bestLoss: Float?, bestIteration: Int?
    }

    private struct VectorList: Codable {
        var name: String
        var lengths: [Int]
    }

    /// Writes the checkpoint to `path`, replacing any earlier one only once it is complete.
    public func write(to path: String) throws {
        var lists = [("image", [image])] + (best.map { [("best", [$0.image])] } ?? [])
        lists += optimizer.vectors.keys.sorted().map { ($0, optimizer.vectors[$0]!) }
        let header = Header(fingerprint: fingerprint, level: level, width: width, height: height,
                            optimizer: optimizer.kind, iteration: optimizer.iteration, scalars: optimizer.scalars,
                            vectors: lists.map { VectorList(name: $0.0, lengths: $0.1.map(\.count)) },
                            bestLoss: best?.loss, bestIteration: best?.iteration)
        let json = try JSONEncoder().encode(header)
        var data = Data(Checkpoint.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, vectors) in lists {
            for vector in vectors {
                vector.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
            }
        }
        try AtomicFile.write(data, to: path)
    }

    /// Reads a checkpoint written by `write(to:)`.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StyleTransferError.badCheckpoint("cannot read \(path)")
        }
        try self.init(bytes: [UInt8](data), source: path)
    }

    /// Reads a checkpoint's bytes as ``init(contentsOf:)`` reads the file; errors name `source`.
    public init(bytes: [UInt8], source path: String) throws {
        let magic = Checkpoint.magic
        guard bytes.count >= magic.count + 8, Array(bytes[0..<magic.count]) == magic else {
            throw StyleTransferError.badCheckpoint("\(path) is not a neural-style checkpoint")
        }
        let length = bytes[magic.count..<(magic.count + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
        var offset = magic.count + 8
        guard length >= 0, length <= bytes.count - offset,
              let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[offset..<(offset + length)])) else {
            throw StyleTransferError.badCheckpoint("\(path) has a damaged header")
        }
        offset += length
        var lists: [String: [[Float]]] = [:]
        for list in header.vectors {
            lists[list.name] = try list.lengths.map { count in
                guard count >= 0, count <= (bytes.count - offset) / 4 else {
                    throw StyleTransferError.badCheckpoint("\(path) is truncated")
                }
                let vector = bytes[offset..<(offset + 4 * count)].withUnsafeBytes { raw in
                    (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0,
                                                                                               as: UInt32.self))) }
                }
                offset += 4 * count
                return vector
            }
        }
        let samples = header.width.multipliedReportingOverflow(by: header.height)
        guard offset == bytes.count, header.width > 0, header.height > 0, header.level >= 0, header.iteration >= 0,
              !samples.overflow, let image = lists.removeValue(forKey: "image")?.first,
              image.count / 3 == samples.partialValue, image.count % 3 == 0 else {
            throw StyleTransferError.badCheckpoint("\(path) is damaged")
        }
        // A corrupted payload must not become a solid picture: every value is checked.
        guard image.allSatisfy(\.isFinite), header.scalars.values.allSatisfy(\.isFinite),
              lists.values.allSatisfy({ $0.allSatisfy { $0.allSatisfy(\.isFinite) } }),
              header.bestLoss?.isFinite ?? true else {
            throw StyleTransferError.badCheckpoint("\(path) holds values that are not finite numbers (NaN or infinity)")
        }
        var best: Best?
        if let vector = lists.removeValue(forKey: "best")?.first, let loss = header.bestLoss,
           let iteration = header.bestIteration {
            guard vector.count == image.count else { throw StyleTransferError.badCheckpoint("\(path) is damaged") }
            best = Best(image: vector, loss: loss, iteration: iteration)
        }
        self.init(fingerprint: header.fingerprint, level: header.level, width: header.width, height: header.height,
                  image: image, optimizer: OptimizerState(kind: header.optimizer, iteration: header.iteration,
                                                          scalars: header.scalars, vectors: lists), best: best)
    }
}
