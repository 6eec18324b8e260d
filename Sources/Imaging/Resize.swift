extension Image {
    /// The picture scaled so that its longer side is `side` pixels (aspect ratio kept).
    public func resized(longestSide side: Int) -> Image {
        guard side != longestSide else { return self }
        let size = self.size(longestSide: side)
        return resized(width: size.width, height: size.height)
    }

    /// The width and height `resized(longestSide:)` gives, without resampling anything.
    public func size(longestSide side: Int) -> (width: Int, height: Int) {
        guard side != longestSide else { return (width, height) }
        let scale = Double(side) / Double(longestSide)
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// The picture resampled to `width`×`height` with a triangle (bilinear) filter that
    /// widens when shrinking, so downscaling averages instead of aliasing.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        guard newWidth != width || newHeight != height else { return self }
        let horizontal = Image.filterTaps(from: width, to: newWidth)
        let vertical = Image.filterTaps(from: height, to: newHeight)
        var rows = [Float](repeating: 0, count: height * newWidth * 3)
        for y in 0..<height {
            for (x, taps) in horizontal.enumerated() {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (source, weight) in taps { sum += weight * samples[(y * width + source) * 3 + c] }
                    rows[(y * newWidth + x) * 3 + c] = sum
                }
            }
        }
        var result = [Float](repeating: 0, count: newHeight * newWidth * 3)
        for (y, taps) in vertical.enumerated() {
            for x in 0..<newWidth {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (source, weight) in taps { sum += weight * rows[(source * newWidth + x) * 3 + c] }
                    result[(y * newWidth + x) * 3 + c] = sum
                }
            }
        }
        return Image(width: newWidth, height: newHeight, samples: result)
    }

    /// For each output position, the source positions and normalised weights it blends.
    private static func filterTaps(from size: Int, to newSize: Int) -> [[(Int, Float)]] {
        let scale = Double(size) / Double(newSize)
        let support = max(1, scale) // triangle radius in source pixels
        return (0..<newSize).map { i in
            let center = (Double(i) + 0.5) * scale - 0.5
            let low = Int((center - support).rounded(.up)), high = Int((center + support).rounded(.down))
            var taps: [(Int, Float)] = []
            for j in max(0, low)...min(size - 1, max(0, high)) {
                let weight = 1 - abs(Double(j) - center) / support
                if weight > 0 { taps.append((j, Float(weight))) }
            }
            if taps.isEmpty { taps = [(min(size - 1, max(0, Int(center.rounded()))), 1)] }
            let total = taps.reduce(0) { $0 + $1.1 }
            return taps.map { ($0.0, $0.1 / total) }
        }
    }
}
