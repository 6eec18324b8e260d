/// `Float`s from raw little-endian float32 bytes (numpy and torch storages), whatever the
/// host's byte order. `bytes.count` must be a multiple of 4.
func littleEndianFloats(_ bytes: ArraySlice<UInt8>) -> [Float] {
    let count = bytes.count / 4
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        bytes.withUnsafeBytes { source in
            for i in 0..<count {
                buffer[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        initialized = count
    }
}
