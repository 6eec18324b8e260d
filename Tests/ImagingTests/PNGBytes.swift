/// PNG files built byte by byte, so that tests can say exactly what a header claims
/// (sizes, bit depths, chunks) without going through an encoder.
enum PNGBytes {
    /// A PNG of `scanlines` (each row's raw samples, without its filter byte) with `chunks`
    /// (type, data) between IHDR and IDAT.
    static func make(width: Int, height: Int, bitDepth: UInt8, colourType: UInt8,
                     scanlines: [[UInt8]], chunks: [(String, [UInt8])] = []) -> [UInt8] {
        let header = bigEndian32(width) + bigEndian32(height) + [bitDepth, colourType, 0, 0, 0]
        let raw: [UInt8] = scanlines.flatMap { [0] + $0 } // filter type 0 on every row
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", header)
        for (type, data) in chunks { png += chunk(type, data) }
        return png + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
    }

    /// One chunk: length, type, data and the CRC of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian32(data.count) + body + bigEndian32(Int(crc32(body)))
    }

    static func bigEndian32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

    /// A zlib stream of uncompressed (stored) deflate blocks.
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
        return out + bigEndian32(Int(b << 16 | a))
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
