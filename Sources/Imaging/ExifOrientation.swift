/// The EXIF orientation tag (0x0112): how a stored picture must be turned to appear as
/// cameras and viewers show it. Case names follow Apple's `CGImagePropertyOrientation`.
public enum ExifOrientation: Int, CaseIterable, Sendable {
    /// 1: stored upright.
    case up = 1
    /// 2: mirrored left to right.
    case upMirrored
    /// 3: upside down (turn 180°).
    case down
    /// 4: mirrored top to bottom.
    case downMirrored
    /// 5: mirrored across the main diagonal (transposed).
    case leftMirrored
    /// 6: turn 90° clockwise to show.
    case right
    /// 7: mirrored across the anti-diagonal (transversed).
    case rightMirrored
    /// 8: turn 90° counter-clockwise to show.
    case left

    /// The orientation in a TIFF structure (an Exif payload after its "Exif\0\0" header, or
    /// a PNG eXIf chunk), from tag 0x0112 of the first directory; nil when absent or malformed.
    /// Every offset is bounds-checked, so any bytes are safe to pass.
    static func parse(tiff: ArraySlice<UInt8>) -> ExifOrientation? {
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func read(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, size <= bytes.count, offset <= bytes.count - size else { return nil }
            let range = offset..<(offset + size)
            let ordered = littleEndian ? Array(bytes[range].reversed()) : Array(bytes[range])
            return ordered.reduce(0) { $0 << 8 | Int($1) }
        }
        guard read(2, 2) == 42, let directory = read(4, 4), let count = read(directory, 2) else { return nil }
        for entry in 0..<count {
            let start = directory + 2 + 12 * entry
            guard let tag = read(start, 2) else { return nil }
            guard tag == 0x0112 else { continue }
            // Type SHORT (3), one value, left-justified in the 4-byte value field.
            guard read(start + 2, 2) == 3, read(start + 4, 4) == 1, let value = read(start + 8, 2) else { return nil }
            return ExifOrientation(rawValue: value)
        }
        return nil
    }
}

extension Image {
    /// The picture as a viewer shows a file stored as `self` and tagged `orientation`:
    /// mirrored and/or turned so that it is upright (width and height swap for 5…8).
    public func oriented(_ orientation: ExifOrientation) -> Image {
        guard orientation != .up else { return self }
        let (w, h) = (width, height)
        let swaps = orientation.rawValue >= 5
        let (outWidth, outHeight) = swaps ? (h, w) : (w, h)
        var out = [Float](repeating: 0, count: samples.count)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                // The stored pixel that lands at (x, y).
                let (sx, sy): (Int, Int)
                switch orientation {
                case .up: (sx, sy) = (x, y)
                case .upMirrored: (sx, sy) = (w - 1 - x, y)
                case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                case .downMirrored: (sx, sy) = (x, h - 1 - y)
                case .leftMirrored: (sx, sy) = (y, x)
                case .right: (sx, sy) = (y, h - 1 - x)
                case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                case .left: (sx, sy) = (w - 1 - y, x)
                }
                let (to, from) = (3 * (y * outWidth + x), 3 * (sy * w + sx))
                out[to] = samples[from]
                out[to + 1] = samples[from + 1]
                out[to + 2] = samples[from + 2]
            }
        }
        return Image(width: outWidth, height: outHeight, samples: out)
    }
}
