import Foundation
import Imaging

/// A line chart of a run's losses as a standalone SVG: iteration across, each term up on a
/// log10 scale, one line per term (total, content, each style layer by name, tv).
///
/// Zero, negative and non-finite values have no place on a log scale and leave a gap;
/// a term with nothing to draw (content at content weight 0) is left out.
public struct LossPlot {
    /// The evaluations to draw, in any order.
    public var records: [IterationRecord]
    /// The heading above the chart; empty for none.
    public var title: String

    /// A chart of `records` headed `title`.
    public init(records: [IterationRecord], title: String = "Losses") {
        self.records = records
        self.title = title
    }

    /// One term's values in iteration order, nil where it cannot be drawn.
    private struct Series {
        let name: String
        let points: [(iteration: Int, value: Double?)]
    }

    private static let colours = ["#222222", "#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd",
                                  "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#7f7f7f"]

    /// The terms with something to draw, in legend order.
    private var series: [Series] {
        let sorted = records.sorted { ($0.level, $0.iteration) < ($1.level, $1.iteration) }
        let offsets = levelOffsets
        let layers = Set(sorted.flatMap(\.styleLayers.keys)).sorted()
        // Runs logged without per-layer terms still get their summed style term.
        let style: [(String, (IterationRecord) -> Float?)] = layers.isEmpty ? [("style", { $0.style })]
            : layers.map { layer in ("style \(layer)", { $0.styleLayers[layer] }) }
        let terms: [(String, (IterationRecord) -> Float?)] =
            [("total", { $0.total }), ("content", { $0.content })] + style + [("tv", { $0.tv })]
        return terms.map { name, value in
            Series(name: name, points: sorted.map { record in
                (position(record, offsets), value(record).flatMap { $0.isFinite && $0 > 0 ? Double($0) : nil })
            })
        }.filter { $0.points.contains { $0.value != nil } }
    }

    /// Where a record goes across: its iteration, after all iterations of earlier levels
    /// (a coarse-to-fine run numbers each level from 1).
    private func position(_ record: IterationRecord, _ levelOffsets: [Int: Int]) -> Int {
        levelOffsets[record.level, default: 0] + record.iteration
    }

    private var levelOffsets: [Int: Int] {
        let lengths = Dictionary(records.map { ($0.level, $0.iteration) }, uniquingKeysWith: max)
        var offsets: [Int: Int] = [:], total = 0
        for level in lengths.keys.sorted() {
            offsets[level] = total
            total += lengths[level]!
        }
        return offsets
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        let lines = series
        let (width, height, left, right, bottom) = (800.0, 480.0, 80.0, 600.0, 420.0)
        let top = title.isEmpty ? 20.0 : 50.0
        let offsets = levelOffsets
        let iterations = records.map { Double(position($0, offsets)) }
        let xLow = iterations.min() ?? 0, xHigh = max(iterations.max() ?? 1, xLow + 1)
        let logs = lines.flatMap { $0.points.compactMap { $0.value.map(log10) } }
        let yLow = (logs.min() ?? 0).rounded(.down), yHigh = max((logs.max() ?? 1).rounded(.up), yLow + 1)
        func x(_ iteration: Double) -> Double { left + (iteration - xLow) / (xHigh - xLow) * (right - left) }
        func y(_ log: Double) -> Double { bottom - (log - yLow) / (yHigh - yLow) * (bottom - top) }

        var out = [#"<?xml version="1.0" encoding="UTF-8"?>"#,
                   #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" "#
                       + #"viewBox="0 0 \#(Int(width)) \#(Int(height))" font-family="sans-serif" font-size="12">"#,
                   #"<rect width="100%" height="100%" fill="white"/>"#]
        if !title.isEmpty {
            out.append(#"<text x="\#(f((left + right) / 2))" y="30" text-anchor="middle" font-size="16">"#
                       + "\(escaped(title))</text>")
        }
        // Decade gridlines, labelled with a stride that keeps labels apart on wide ranges.
        let labelEvery = max(1, (Int(yHigh - yLow) + 9) / 10)
        for decade in Int(yLow)...Int(yHigh) {
            let at = f(y(Double(decade)))
            out.append(#"<line class="grid" x1="\#(f(left))" y1="\#(at)" x2="\#(f(right))" y2="\#(at)" stroke="gainsboro"/>"#)
            if (decade - Int(yLow)) % labelEvery == 0 {
                out.append(#"<text x="\#(f(left - 6))" y="\#(at)" dy="4" text-anchor="end">1e\#(decade)</text>"#)
            }
        }
        // Iteration ticks at 1, 2 or 5 times a power of ten, about six of them.
        let rough = (xHigh - xLow) / 6, power = pow(10, log10(rough).rounded(.down))
        let step = max(1, [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? rough)
        for tick in stride(from: (xLow / step).rounded(.up) * step, through: xHigh, by: step) {
            out.append(#"<text x="\#(f(x(tick)))" y="\#(f(bottom + 18))" text-anchor="middle">\#(Int(tick))</text>"#)
        }
        out.append(#"<rect x="\#(f(left))" y="\#(f(top))" width="\#(f(right - left))" height="\#(f(bottom - top))" "#
                   + #"fill="none" stroke="dimgray"/>"#)
        out.append(#"<text x="\#(f((left + right) / 2))" y="\#(f(bottom + 40))" text-anchor="middle">iteration</text>"#)

        for (index, line) in lines.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            let name = escaped(line.name)
            out.append(#"<g class="series" data-name="\#(name)" fill="none" stroke="\#(colour)" "#
                       + #"stroke-width="\#(index == 0 ? 2.5 : 1.5)" stroke-linejoin="round" stroke-linecap="round">"#)
            // A gap in the values splits the line, so nothing is drawn across it.
            var run: [String] = []
            for point in line.points + [(iteration: 0, value: nil)] {
                if let value = point.value {
                    run.append("\(f(x(Double(point.iteration)))),\(f(y(log10(value))))")
                } else if !run.isEmpty {
                    out.append(#"<polyline points="\#(run.joined(separator: " "))"/>"#)
                    run = []
                }
            }
            out.append("</g>")
            let entry = top + 10 + 20 * Double(index)
            out.append(#"<line x1="\#(f(right + 20))" y1="\#(f(entry))" x2="\#(f(right + 45))" y2="\#(f(entry))" "#
                       + #"stroke="\#(colour)" stroke-width="\#(index == 0 ? 2.5 : 1.5)"/>"#)
            out.append(#"<text class="legend" x="\#(f(right + 52))" y="\#(f(entry))" dy="4">\#(name)</text>"#)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// Writes `svg()` to `path`, replacing any file there atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(Data(svg().utf8), to: path)
    }

    private func f(_ value: Double) -> String { String(format: "%.2f", value) }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
