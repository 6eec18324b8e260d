/// Little helpers for writing seed files byte by byte.
public enum Bytes {
    public static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    public static func bigEndian32(_ value: Int) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
    }

    public static func floats(_ values: [Float]) -> [UInt8] { values.flatMap { littleEndian($0.bitPattern) } }

    /// A TIFF structure (as in EXIF) holding only the orientation tag, big-endian.
    public static func exifOrientation(_ value: UInt16) -> [UInt8] {
        [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
         UInt8(value >> 8), UInt8(value & 0xFF), 0, 0, 0, 0, 0, 0, 0, 0]
    }
}

/// PNG files built chunk by chunk (grey, palette, 16-bit and alpha, which our encoder never writes).
public enum PNGBytes {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func make(width: Int, height: Int, bitDepth: UInt8, colourType: UInt8,
                            scanlines: [[UInt8]], chunks: [(String, [UInt8])] = []) -> [UInt8] {
        let header = Bytes.bigEndian32(width) + Bytes.bigEndian32(height) + [bitDepth, colourType, 0, 0, 0]
        let raw: [UInt8] = scanlines.flatMap { [0] + $0 }
        var png = signature + chunk("IHDR", header)
        for (type, data) in chunks { png += chunk(type, data) }
        return png + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
    }

    /// `png` with `extra` chunk inserted after IHDR.
    public static func inserting(_ extra: (String, [UInt8]), into png: [UInt8]) -> [UInt8] {
        let afterHeader = 8 + 8 + 13 + 4
        return Array(png[..<afterHeader]) + chunk(extra.0, extra.1) + Array(png[afterHeader...])
    }

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return Bytes.bigEndian32(data.count) + body + Bytes.bigEndian32(Int(crc32(body)))
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let count = min(0xFFFF, data.count - start)
            let last: UInt8 = start + count == data.count ? 1 : 0
            out += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += data[start..<(start + count)]
            start += count
        } while start < data.count
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + Bytes.bigEndian32(Int(b << 16 | a))
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }
}

/// Protocol-buffer messages written field by field (for ONNX seeds).
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 { bytes.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
        bytes.append(UInt8(value))
    }

    public mutating func integer(_ field: Int, _ value: Int) {
        varint(UInt64(field << 3)); varint(UInt64(bitPattern: Int64(value)))
    }

    public mutating func bytes(_ field: Int, _ data: [UInt8]) {
        varint(UInt64(field << 3 | 2)); varint(UInt64(data.count)); bytes += data
    }

    public mutating func string(_ field: Int, _ text: String) { bytes(field, Array(text.utf8)) }

    public mutating func float(_ field: Int, _ value: Float) {
        varint(UInt64(field << 3 | 5)); bytes += Bytes.littleEndian(value.bitPattern)
    }

    public mutating func packedIntegers(_ field: Int, _ values: [Int]) {
        var inner = ProtobufWriter()
        for value in values { inner.varint(UInt64(bitPattern: Int64(value))) }
        bytes(field, inner.bytes)
    }

    public mutating func packedFloats(_ field: Int, _ values: [Float]) { bytes(field, Bytes.floats(values)) }
}
