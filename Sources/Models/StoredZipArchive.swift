/// A zip archive whose entries are stored uncompressed, as `torch.save` writes them: entries
/// are found through the central directory (zip64 included) and handed out as byte ranges.
struct StoredZipArchive {
    private let bytes: [UInt8]
    /// Each entry's data range, by name.
    private var ranges: [String: Range<Int>] = [:]
    /// Entry names in central-directory order.
    private(set) var names: [String] = []

    /// Indexes `bytes`, refusing compressed or encrypted entries and ranges outside the file.
    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let (count, offset) = try Self.centralDirectory(in: bytes)
        var directory = offset
        for _ in 0..<count {
            guard try Self.uint32(bytes, directory) == 0x0201_4B50 else {
                throw WeightsFormatError("zip central directory is damaged at byte \(directory)")
            }
            let flags = try Self.uint16(bytes, directory + 8), method = try Self.uint16(bytes, directory + 10)
            var size = try Self.uint32(bytes, directory + 20)
            let uncompressedSize = try Self.uint32(bytes, directory + 24)
            let nameLength = try Self.uint16(bytes, directory + 28), extraLength = try Self.uint16(bytes, directory + 30)
            let commentLength = try Self.uint16(bytes, directory + 32)
            var localHeader = try Self.uint32(bytes, directory + 42)
            let name = String(decoding: try Self.slice(bytes, directory + 46, nameLength), as: UTF8.self)
            guard method == 0 else {
                throw WeightsFormatError("zip entry \(name) is compressed (method \(method)); torch.save stores entries uncompressed")
            }
            guard flags & 1 == 0 else { throw WeightsFormatError("zip entry \(name) is encrypted") }
            try Self.applyZip64(extra: Self.slice(bytes, directory + 46 + nameLength, extraLength),
                                uncompressedSize: uncompressedSize, size: &size, offset: &localHeader)
            guard try Self.uint32(bytes, localHeader) == 0x0403_4B50 else {
                throw WeightsFormatError("zip entry \(name) has no local header")
            }
            let start = localHeader + 30 + (try Self.uint16(bytes, localHeader + 26)) + (try Self.uint16(bytes, localHeader + 28))
            guard start <= bytes.count, size <= bytes.count - start else {
                throw WeightsFormatError("zip entry \(name) runs past the end of the file")
            }
            ranges[name] = start..<(start + size)
            names.append(name)
            directory += 46 + nameLength + extraLength + commentLength
        }
    }

    /// The stored bytes of the entry `name`, if there is one.
    func entry(_ name: String) -> ArraySlice<UInt8>? { ranges[name].map { bytes[$0] } }

    /// The entry count and offset of the central directory, from the end-of-central-directory
    /// record (the last one in the file's final 64 KiB) or its zip64 counterpart.
    private static func centralDirectory(in bytes: [UInt8]) throws -> (count: Int, offset: Int) {
        let earliest = max(0, bytes.count - 22 - 0xFFFF)
        guard bytes.count >= 22,
              let end = stride(from: bytes.count - 22, through: earliest, by: -1).first(where: {
                  (try? uint32(bytes, $0)) == 0x0605_4B50 })
        else { throw WeightsFormatError("not a zip file, or a truncated one (no end-of-central-directory record)") }
        let count = try uint16(bytes, end + 10), offset = try uint32(bytes, end + 16)
        guard count == 0xFFFF || offset == 0xFFFF_FFFF else { return (count, offset) }
        guard end >= 20, try uint32(bytes, end - 20) == 0x0706_4B50 else {
            throw WeightsFormatError("zip64 end-of-central-directory locator missing")
        }
        let record = try uint64(bytes, end - 12)
        guard try uint32(bytes, record) == 0x0606_4B50 else {
            throw WeightsFormatError("zip64 end-of-central-directory record missing")
        }
        return (try uint64(bytes, record + 32), try uint64(bytes, record + 48))
    }

    /// Replaces 0xFFFFFFFF sizes and offsets by their values in the zip64 extra field (id 1),
    /// which lists the uncompressed size, compressed size and offset, each only when needed.
    private static func applyZip64(extra: ArraySlice<UInt8>, uncompressedSize: Int, size: inout Int,
                                   offset: inout Int) throws {
        let field = Array(extra)
        var position = 0
        while position + 4 <= field.count {
            let id = try uint16(field, position), length = try uint16(field, position + 2)
            if id == 1 {
                var cursor = position + 4
                if uncompressedSize == 0xFFFF_FFFF { cursor += 8 }
                if size == 0xFFFF_FFFF { size = try uint64(field, cursor); cursor += 8 }
                if offset == 0xFFFF_FFFF { offset = try uint64(field, cursor) }
                return
            }
            position += 4 + length
        }
    }

    private static func slice(_ bytes: [UInt8], _ offset: Int, _ count: Int) throws -> ArraySlice<UInt8> {
        guard offset >= 0, count >= 0, offset <= bytes.count - count else {
            throw WeightsFormatError("zip file ends early (wanted \(count) bytes at \(offset) of \(bytes.count))")
        }
        return bytes[offset..<(offset + count)]
    }

    private static func littleEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) throws -> Int {
        let value = try slice(bytes, offset, count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard value < 1 << 62 else { throw WeightsFormatError("zip field at byte \(offset) is out of range") }
        return Int(value)
    }

    private static func uint16(_ bytes: [UInt8], _ offset: Int) throws -> Int { try littleEndian(bytes, offset, 2) }
    private static func uint32(_ bytes: [UInt8], _ offset: Int) throws -> Int { try littleEndian(bytes, offset, 4) }
    private static func uint64(_ bytes: [UInt8], _ offset: Int) throws -> Int { try littleEndian(bytes, offset, 8) }
}
