/// Transparent pixels are composited on white, as a page shows a picture with holes: a
/// style or content picture with a transparent background would otherwise turn black.
enum Transparency {
    /// RGB samples of 8-bit RGBA pixels (straight, not premultiplied alpha) over white:
    /// C·α + 255·(1 − α), on the stored sRGB values as browsers and Pillow's `alpha_composite` do.
    static func compositedOnWhite(_ rgba: [UInt8]) -> [Float] {
        var samples = [Float](repeating: 0, count: rgba.count / 4 * 3)
        for pixel in 0..<(rgba.count / 4) {
            let alpha = Float(rgba[4 * pixel + 3]) / 255
            for channel in 0..<3 {
                samples[3 * pixel + channel] = Float(rgba[4 * pixel + channel]) * alpha + 255 * (1 - alpha)
            }
        }
        return samples
    }
}
