import CImageCodecs
import Foundation

/// Collects frames and writes them as an endlessly looping animated GIF, never a
/// half-written file.
///
/// Each frame is quantised to its own palette of at most 256 colours as it is appended,
/// so the animation holds one byte per pixel per frame rather than float pictures.
public final class AnimatedGIF {
    /// Seconds each frame stays on screen (stored in the file as hundredths).
    public let frameDelay: Double
    /// Columns of every frame.
    public let width: Int
    /// Rows of every frame.
    public let height: Int
    private var frames: [Frame] = []

    private struct Frame {
        /// One palette index per pixel, row by row.
        var indices: [GifByteType]
        /// A power-of-two number of colours, 2…256, as a GIF colour table needs.
        var palette: [GifColorType]
    }

    /// An empty animation of `width`×`height` frames, each shown for `frameDelay` seconds.
    public init(width: Int, height: Int, frameDelay: Double = 0.2) {
        precondition(width > 0 && height > 0, "frame size \(width)×\(height)")
        precondition(frameDelay.isFinite && frameDelay >= 0, "frame delay \(frameDelay) s")
        (self.width, self.height, self.frameDelay) = (width, height, frameDelay)
    }

    /// Frames appended so far.
    public var frameCount: Int { frames.count }

    /// Adds `image` as the next frame, resampled to the animation's size if it differs
    /// (a multi-scale run's frames grow).
    public func append(_ image: Image) {
        let bytes = image.resized(width: width, height: height).bytes
        let count = width * height
        var red = [GifByteType](repeating: 0, count: count)
        var green = red, blue = red, indices = red
        for i in 0..<count {
            (red[i], green[i], blue[i]) = (bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2])
        }
        var palette = [GifColorType](repeating: GifColorType(), count: 256)
        var colours: Int32 = 256
        let status = GifQuantizeBuffer(UInt32(width), UInt32(height), &colours, &red, &green, &blue,
                                       &indices, &palette)
        // Its only failure is malloc failing, which Swift itself treats as fatal.
        precondition(status == GIF_OK, "GifQuantizeBuffer ran out of memory")
        // The quantiser may report fewer colours; tables come in powers of two, at least 2.
        let tableSize = 1 << Int(GifBitSize(max(2, min(256, colours))))
        frames.append(Frame(indices: indices, palette: Array(palette.prefix(tableSize))))
    }

    /// Encodes every frame and replaces `path` atomically.
    public func write(to path: String) throws {
        guard !frames.isEmpty else { throw ImageError.unwritable(path: path, reason: "the animation has no frames") }
        guard width <= 0xFFFF, height <= 0xFFFF else {
            throw ImageError.unwritable(path: path, reason: "GIF frames are at most 65535 pixels a side")
        }
        try AtomicFile.checkDirectory(of: path) // before the encoding work
        try AtomicFile.write(Data(try encode(path: path)), to: path)
    }

    /// The whole GIF stream, built in memory through giflib's output callback.
    private func encode(path: String) throws -> [UInt8] {
        let sink = ByteSink()
        return try withExtendedLifetime(sink) {
            var error: Int32 = 0
            guard let gif = EGifOpen(Unmanaged.passUnretained(sink).toOpaque(), { gif, bytes, count in
                guard let gif, let bytes, count >= 0 else { return 0 }
                let sink = Unmanaged<ByteSink>.fromOpaque(gif.pointee.UserData).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: Int(count)))
                return count
            }, &error) else { throw ImageError.unwritable(path: path, reason: Self.message(error)) }
            var open = true
            defer { if open { EGifCloseFile(gif, nil) } }
            func check(_ status: Int32) throws {
                guard status == GIF_OK else { throw ImageError.unwritable(path: path, reason: Self.message(gif.pointee.Error)) }
            }

            // The version must be set before the screen descriptor writes the signature.
            EGifSetGifVersion(gif, true)
            try check(EGifPutScreenDesc(gif, Int32(width), Int32(height), 8, 0, nil))
            // NETSCAPE2.0 application extension: sub-block 1, loop count 0 = forever.
            try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE))
            try check(EGifPutExtensionBlock(gif, 11, Array("NETSCAPE2.0".utf8)))
            try check(EGifPutExtensionBlock(gif, 3, [1, 0, 0] as [UInt8]))
            try check(EGifPutExtensionTrailer(gif))

            var control = GraphicsControlBlock(DisposalMode: DISPOSE_DO_NOT, UserInputFlag: false,
                                               DelayTime: Int32(min(0xFFFF, (frameDelay * 100).rounded())),
                                               TransparentColor: NO_TRANSPARENT_COLOR)
            var controlBytes = [GifByteType](repeating: 0, count: 4)
            let controlLength = EGifGCBToExtension(&control, &controlBytes)
            for index in frames.indices {
                try check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, Int32(controlLength), controlBytes))
                try frames[index].palette.withUnsafeMutableBufferPointer { colours in
                    var table = ColorMapObject(ColorCount: Int32(colours.count), BitsPerPixel: GifBitSize(Int32(colours.count)),
                                               SortFlag: false, Colors: colours.baseAddress)
                    try check(EGifPutImageDesc(gif, 0, 0, Int32(width), Int32(height), false, &table))
                }
                // EGifPutLine masks the indices in place, hence the mutable borrow.
                try frames[index].indices.withUnsafeMutableBufferPointer { indices in
                    for row in 0..<height {
                        try check(EGifPutLine(gif, indices.baseAddress! + row * width, Int32(width)))
                    }
                }
            }
            open = false
            guard EGifCloseFile(gif, &error) == GIF_OK else {
                throw ImageError.unwritable(path: path, reason: Self.message(error))
            }
            return sink.bytes
        }
    }

    private static func message(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
    }
}

/// Where giflib's output callback appends, reached through the handle's user-data pointer.
private final class ByteSink {
    var bytes: [UInt8] = []
}
