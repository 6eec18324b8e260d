extension Image {
    /// The `width`×`height` region whose top-left pixel is (`x`, `y`).
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= self.width && y + height <= self.height,
                     "crop \(width)×\(height) at (\(x), \(y)) of a \(self.width)×\(self.height) image")
        var result = [Float]()
        result.reserveCapacity(width * height * 3)
        for row in y..<(y + height) {
            let start = (row * self.width + x) * 3
            result += samples[start..<(start + width * 3)]
        }
        return Image(width: width, height: height, samples: result)
    }

    /// Resized so that its shorter side is `side` (aspect kept), then the centred `side`×`side`
    /// square cut out (torchvision's `Resize(side)` + `CenterCrop(side)`); a picture already
    /// `side`×`side` is returned as it is.
    public func centerSquare(side: Int) -> Image {
        if width == side && height == side { return self }
        let scale = Double(side) / Double(min(width, height))
        let (w, h) = (max(side, Int((Double(width) * scale).rounded())), max(side, Int((Double(height) * scale).rounded())))
        let resized = self.resized(width: w, height: h)
        return resized.cropped(x: (w - side) / 2, y: (h - side) / 2, width: side, height: side)
    }
}
