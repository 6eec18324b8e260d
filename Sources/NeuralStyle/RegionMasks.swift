import Imaging

/// Colour-coded region maps (one picture, one colour per region) turned into the
/// black/white masks spatial control takes.
public enum RegionMasks {
    /// Parses `#rrggbb` (the `#` is optional).
    public static func color(hex: String) throws -> SIMD3<Float> {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else {
            throw StyleTransferError.badOption("'\(hex)' is not a colour like #ff8800")
        }
        return SIMD3(Float(value >> 16 & 0xFF), Float(value >> 8 & 0xFF), Float(value & 0xFF))
    }

    /// One white-on-black mask per colour: a pixel belongs to the listed colour nearest to it,
    /// if that is within 64 (RGB distance, so JPEG noise and antialiased edges still count);
    /// pixels far from every colour belong to no region.
    public static func split(_ map: Image, colors: [SIMD3<Float>]) -> [Image] {
        var masks = colors.map { _ in [Float](repeating: 0, count: map.width * map.height * 3) }
        for pixel in 0..<(map.width * map.height) {
            let rgb = SIMD3(map.samples[3 * pixel], map.samples[3 * pixel + 1], map.samples[3 * pixel + 2])
            let distances = colors.map { (($0 - rgb) * ($0 - rgb)).sum().squareRoot() }
            guard let nearest = distances.indices.min(by: { distances[$0] < distances[$1] }),
                  distances[nearest] <= 64 else { continue }
            for channel in 0..<3 { masks[nearest][3 * pixel + channel] = 255 }
        }
        return masks.map { Image(width: map.width, height: map.height, samples: $0) }
    }
}
