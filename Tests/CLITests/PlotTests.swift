import Foundation
import FoundationXML
import MosaicCore
import MosaicDesign
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicReports
import MosaicTestSupport
import XCTest

/// Parity plots a person can put in a paper: well-formed SVG, every text inside the view box, round tick
/// values, the legend's RMSE equal to the evaluation's, held-out groups drawn as open circles.
final class PlotTests: XCTestCase {
    /// The attributes of every element of an SVG document (fails on malformed XML).
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        var current = ""
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append((name, attributes))
            current = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(current) }
        }
    }

    /// Parses `svg` (fails on malformed XML) and checks that every text starts inside the view box (rotated
    /// axis titles are placed by their transform) and that texts of known length end inside it.
    static func checkedSVG(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> Collector {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(
            parser.parse(), "well-formed SVG: \(parser.parserError.map { "\($0)" } ?? "")", file: file, line: line)
        let root = try XCTUnwrap(collector.elements.first, file: file, line: line)
        let width = try XCTUnwrap(Double(root.attributes["width"] ?? ""), file: file, line: line)
        let height = try XCTUnwrap(Double(root.attributes["height"] ?? ""), file: file, line: line)
        for element in collector.elements where element.name == "text" && element.attributes["transform"] == nil {
            let x = Double(element.attributes["x"] ?? "") ?? -1
            let y = Double(element.attributes["y"] ?? "") ?? -1
            XCTAssertTrue(
                x >= 0 && x <= width && y >= 0 && y <= height, "text at (\(x), \(y)) outside", file: file, line: line)
            if let length = element.attributes["textLength"].flatMap(Double.init) {
                XCTAssertLessThanOrEqual(x + length, width, "text runs past the right edge", file: file, line: line)
            }
        }
        return collector
    }

    func testParityPlots() throws {
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        var structures = niobium["Nb_AIMD"]!.enumerated().filter { $0.offset % 5 == 0 }.map(\.element)
        structures += niobium["Nb_Surface"]!.map { s -> Structure in
            var t = s
            t.group += " (held out)"
            return t
        }
        let data = Dataset(structures)
        let predictions = try structures.map { try model.predict($0) }
        let plots = ParityPlot.energyAndForces(data: data, predictions: predictions, title: "Nb.json")
        let report = EvaluationReport(data: data, predictions: predictions)
        for (plot, expectedRMSE) in [
            (plots.energy, report.overall.energyRMSE), (plots.forces, report.overall.forceRMSE),
        ] {
            let svg = plot.svg()
            let collector = try Self.checkedSVG(svg)
            // Tick labels are round: consecutive values differ by 1, 2 or 5 × 10^k.
            let ticks = collector.texts.compactMap { Double($0) }
            XCTAssertGreaterThanOrEqual(ticks.count, 6)
            let step = abs(ticks[1] - ticks[0])  // the x labels come first
            let mantissa = step / Foundation.pow(10, Foundation.log10(step).rounded(.down))
            XCTAssertTrue([1.0, 2, 5, 10].contains { abs($0 - mantissa) < 1e-6 }, "tick step \(step)")
            // The legend's overall RMSE is the evaluation's (energies per atom; force components).
            let all = try XCTUnwrap(collector.texts.first { $0.hasPrefix("all: RMSE ") })
            let rmse = try XCTUnwrap(Double(all.dropFirst("all: RMSE ".count).split(separator: ",")[0]))
            XCTAssertEqual(rmse, expectedRMSE, accuracy: 1e-3 * expectedRMSE)  // printed with 4 digits
            // Held-out groups: open circles.
            XCTAssertTrue(svg.contains("<g fill=\"none\" stroke="), "held-out group drawn open")
        }
    }

    /// The design's Pareto plot: the front joins the candidates no smaller one beats in force error, the chosen one
    /// is ringed where its point is, and the plot passes the same checks as the parity plots.
    func testParetoPlot() throws {
        let model = try JSONSerialization.jsonObject(
            with: try JSONEncoder.mosaic.encode(
                try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model))
        let rows: [(parameters: Int, force: Double, accepted: Bool)] = [
            (10, 0.30, true), (20, 0.20, true), (30, 0.25, false), (40, 0.10, false),
        ]
        let json = try rows.enumerated().map { id, row -> [String: Any] in
            var validation = ErrorMetrics()
            validation.forceRMSE = row.force
            return [
                "id": id, "change": id == 2 ? "split 'pair' <by> species" : "change \(id)", "terms": "",
                "parameters": row.parameters,
                "validation": try JSONSerialization.jsonObject(with: try JSONEncoder.mosaic.encode(validation)),
                "score": row.force,
                "conditionNumber": 1, "sloppyModes": 0, "fitSeconds": 1, "accepted": row.accepted, "model": model,
            ]
        }
        let candidates = try JSONDecoder.mosaic.decode(
            [CandidateRecord].self, from: try JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(paretoFront(candidates).map(\.id), [0, 1, 3])
        let svg = paretoSVG(candidates, chosen: 1, title: "Design <Nb>")
        let parsed = try Self.checkedSVG(svg)
        let circles = parsed.elements.filter { $0.name == "circle" }
        XCTAssertEqual(circles.count, 5)
        let ring = try XCTUnwrap(circles.first { $0.attributes["stroke"] == "#d62728" })
        let points = circles.filter { $0.attributes["stroke"] == nil }
        XCTAssertEqual(points.map { $0.attributes["fill"] }, ["#1f77b4", "#1f77b4", "#aaa", "#aaa"])
        XCTAssertEqual(ring.attributes["cx"], points[1].attributes["cx"])
        XCTAssertEqual(ring.attributes["cy"], points[1].attributes["cy"])
        // Larger force error is higher up (smaller y), more parameters further right.
        let x = points.map { Double($0.attributes["cx"]!)! }
        let y = points.map { Double($0.attributes["cy"]!)! }
        XCTAssertEqual(x, x.sorted())
        XCTAssertLessThan(y[0], y[1])
        XCTAssertLessThan(y[1], y[3])
        let line = try XCTUnwrap(parsed.elements.first { $0.name == "polyline" }?.attributes["points"])
        XCTAssertEqual(
            line,
            [0, 1, 3].map { "\(points[$0].attributes["cx"]!),\(points[$0].attributes["cy"]!)" }.joined(separator: " "))
        XCTAssertTrue(parsed.texts.contains("Design <Nb>"))
        XCTAssertTrue(parsed.texts.contains("0.3"), "round tick labels: \(parsed.texts)")
    }
}
