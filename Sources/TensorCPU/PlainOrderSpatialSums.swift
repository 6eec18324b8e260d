/// Spatial sums of one plane of `lanes` interleaved channels (1, 8 or 16), each channel added in
/// the order of its plain layout whatever the layout: pixels 8 at a time into eight float
/// partials, each run of 2048 pixels into doubles, the eight totals then added, then the last
/// pixels that do not fill an 8. (The order the sums had when they reordered to plain first;
/// Adam-trained comparisons with PyTorch drift with any other.)
struct PlainOrderSpatialSums {
    private let lanes: Int
    /// Partial and total for pixel `j` of an 8 and channel `c`, at `j · lanes + c`.
    private var partial: [Float], total: [Double]
    private var tail: [[Float]]
    private var pixelsInRun = 0

    init(lanes: Int) {
        self.lanes = lanes
        partial = [Float](repeating: 0, count: 8 * lanes)
        total = [Double](repeating: 0, count: 8 * lanes)
        tail = Array(repeating: [], count: lanes)
    }

    /// Adds the next `pixels` pixels of the plane (`pixels · lanes` floats at `x`); all but the
    /// plane's last call take a multiple of 8 pixels.
    mutating func add(_ x: UnsafePointer<Float>, pixels: Int) {
        let (groups, width) = (pixels / 8, 8 * lanes)
        var done = 0
        while done < groups {
            let next = min(groups - done, (2048 - pixelsInRun) / 8)
            partial.withUnsafeMutableBufferPointer { partial in
                for g in done..<(done + next) {
                    let source = x + g * width
                    for i in 0..<width { partial[i] += source[i] }
                }
            }
            (done, pixelsInRun) = (done + next, pixelsInRun + 8 * next)
            if pixelsInRun == 2048 { flush() }
        }
        for pixel in (groups * 8)..<pixels { for c in 0..<lanes { tail[c].append(x[pixel * lanes + c]) } }
    }

    private mutating func flush() {
        for i in partial.indices {
            total[i] += Double(partial[i])
            partial[i] = 0
        }
        pixelsInRun = 0
    }

    /// Each channel's sum.
    mutating func totals() -> [Double] {
        if pixelsInRun > 0 { flush() }
        return (0..<lanes).map { c in
            tail[c].reduce((0..<8).reduce(0.0) { $0 + total[$1 * lanes + c] }) { $0 + Double($1) }
        }
    }
}
