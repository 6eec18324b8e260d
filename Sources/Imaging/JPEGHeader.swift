/// What the markers before a JPEG's first scan say that TurboJPEG does not report:
/// the EXIF orientation and the kind of frame. Read by a bounds-checked walk, so any
/// bytes are safe to pass; what cannot be found stays nil.
struct JPEGHeader {
    /// The SOFn marker's n: 0 baseline, 1 extended, 2 progressive, 3 lossless, 5…7 and
    /// 13…15 hierarchical, 9…15 arithmetic-coded.
    var frameType: Int?
    /// Bits per sample (8, or 12 or 16 in files TurboJPEG's 8-bit build cannot decode).
    var precision: Int?
    /// From the first APP1 Exif segment.
    var orientation: ExifOrientation?

    init(_ data: [UInt8]) {
        var offset = 2 // after SOI
        while offset + 4 <= data.count, data[offset] == 0xFF {
            let marker = data[offset + 1]
            if marker == 0xFF { offset += 1; continue } // fill byte
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue } // no length
            if marker == 0xDA || marker == 0xD9 { return } // SOS, EOI
            let length = Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            let start = offset + 4, end = offset + 2 + length
            guard length >= 2, end <= data.count else { return }
            let segment = data[start..<end]
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                if frameType == nil, let bits = segment.first {
                    (frameType, precision) = (Int(marker - 0xC0), Int(bits))
                }
            case 0xE1 where orientation == nil && segment.starts(with: Array("Exif\0\0".utf8)):
                orientation = ExifOrientation.parse(tiff: segment.dropFirst(6))
            default: break
            }
            offset = end
        }
    }

    /// Words for what this frame has that TurboJPEG cannot decode, if anything.
    var unsupportedFeature: String? {
        if let precision, precision != 8 { return "\(precision)-bit JPEG" }
        switch frameType {
        case 3, 11: return "lossless JPEG"
        case 5, 6, 7, 13, 14, 15: return "hierarchical JPEG"
        default: return nil
        }
    }
}
