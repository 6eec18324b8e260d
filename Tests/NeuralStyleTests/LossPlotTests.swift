import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import NeuralStyle
import XCTest

final class LossPlotTests: XCTestCase {
    private func record(_ iteration: Int, total: Float, content: Float = 0, tv: Float = 0,
                        layers: [String: Float] = [:]) -> IterationRecord {
        IterationRecord(iteration: iteration, total: total, content: content, style: layers.values.reduce(0, +),
                        tv: tv, styleLayers: layers, elapsed: 0)
    }

    /// Each drawn series by name, in document order, with the points of each of its polylines.
    private func series(in svg: String) throws -> [(name: String, lines: [[(x: Double, y: Double)]])] {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = SeriesCollector()
        parser.delegate = collector
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return collector.series
    }

    func testCoarseToFineLevelsFollowEachOtherAcross() throws {
        // Two levels of 3 iterations each; level 2 numbers its iterations from 1 again.
        var records = (1...3).map { record($0, total: 1000) }
        records += (1...3).map { iteration -> IterationRecord in
            var later = record(iteration, total: 10)
            later.level = 2
            return later
        }
        let line = try XCTUnwrap(series(in: LossPlot(records: records.shuffled()).svg()).first?.lines.first)
        XCTAssertEqual(line.count, 6)
        XCTAssertEqual(line.map(\.x), line.map(\.x).sorted(), "points must run left to right")
        XCTAssertEqual(Set(line.prefix(3).map(\.y)).count, 1, "level 1 first, all at 1000")
        XCTAssertLessThan(line[0].y, line[5].y, "level 2's smaller losses come after, lower down")
    }

    func testWellFormedWithOneLinePerDrawnSeriesInLegendOrder() throws {
        let records = (1...5).map {
            record($0, total: 1e5 / Float($0), tv: 3, layers: ["relu2_1": 40, "relu1_1": 2e4 / Float($0)])
        }
        let svg = LossPlot(records: records, title: "A <b> & \"c\"").svg()
        let drawn = try series(in: svg)
        // Content is zero throughout (content weight 0), so it has no line.
        XCTAssertEqual(drawn.map(\.name), ["total", "style relu1_1", "style relu2_1", "tv"])
        XCTAssertEqual(drawn.map { $0.lines.count }, [1, 1, 1, 1])
        XCTAssertEqual(drawn.map { $0.lines[0].count }, [5, 5, 5, 5])
        XCTAssertTrue(svg.contains("1e5"), "decade labels")
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 4)
    }

    func testLargerLossIsHigherAndDecadesAreEvenlySpaced() throws {
        let records = [record(1, total: 1000), record(2, total: 10), record(3, total: 100)]
        let line = try XCTUnwrap(series(in: LossPlot(records: records).svg()).first { $0.name == "total" }?.lines.first)
        XCTAssertEqual(line.count, 3)
        XCTAssertLessThan(line[0].x, line[1].x)
        XCTAssertLessThan(line[1].x, line[2].x)
        XCTAssertLessThan(line[0].y, line[2].y) // 1000 above 100
        XCTAssertLessThan(line[2].y, line[1].y) // 100 above 10
        XCTAssertEqual(line[1].y - line[2].y, line[2].y - line[0].y, accuracy: 0.02)
        XCTAssertGreaterThan(line[1].y - line[2].y, 10)
    }

    func testBadValuesLeaveGapsAndEmptySeriesVanish() throws {
        let totals: [Float] = [5, .nan, 0, -1, .infinity, 7, 8]
        let records = totals.enumerated().map { record($0.offset + 1, total: $0.element, content: .nan) }
        let drawn = try series(in: LossPlot(records: records).svg())
        XCTAssertEqual(drawn.map(\.name), ["total"])
        XCTAssertEqual(drawn[0].lines.map(\.count), [1, 2])

        // Nothing drawable at all, and no records at all: still a document, with no lines.
        let zeros = [record(1, total: 0), record(2, total: .nan)]
        for records in [zeros, []] {
            XCTAssertTrue(try series(in: LossPlot(records: records, title: "").svg()).isEmpty)
        }
    }

    func testWriteReplacesTheFileOrThrows() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plot = LossPlot(records: [record(1, total: 10), record(2, total: 5)])
        let path = directory.appendingPathComponent("losses.svg").path
        try plot.write(to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data(plot.svg().utf8))
        XCTAssertThrowsError(try plot.write(to: directory.appendingPathComponent("nowhere/losses.svg").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["losses.svg"])
    }
}

/// Gathers each series group (`<g data-name=…>`) and the points of the polylines inside it.
private final class SeriesCollector: NSObject, XMLParserDelegate {
    var series: [(name: String, lines: [[(x: Double, y: Double)]])] = []
    private var inSeries = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == "g", let series = attributes["data-name"] {
            self.series.append((series, []))
            inSeries = true
        } else if name == "polyline", inSeries {
            let points = (attributes["points"] ?? "").split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").compactMap { Double($0) }
                return (x: xy.first ?? .nan, y: xy.last ?? .nan)
            }
            series[series.count - 1].lines.append(points)
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "g" { inSeries = false }
    }
}
