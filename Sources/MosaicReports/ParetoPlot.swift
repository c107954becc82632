import Foundation
import MosaicDesign

/// SVG of parameter count vs validation force RMSE for every candidate, the Pareto front (the candidates no
/// smaller one beats in force error) joined, the kept candidates blue, the chosen one ringed red.
public func paretoSVG(_ candidates: [CandidateRecord], chosen: Int?, title: String) -> String {
    let finite = candidates.filter { $0.validation.forceRMSE.isFinite }
    guard !finite.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
    let frame = PlotFrame(
        left: 64, top: 42, width: 476, height: 290,
        x: paddedRange(finite.map { Double($0.parameters) }), y: 0...(finite.map(\.validation.forceRMSE).max()! * 1.1))
    func point(_ c: CandidateRecord) -> (x: Double, y: Double) {
        (frame.px(Double(c.parameters)), frame.py(c.validation.forceRMSE))
    }
    var out = svgHeader(width: 560, height: 380, title: title)
    out += frame.axes(xLabel: "parameters", yLabel: "validation force RMSE (eV/Å)")
    out +=
        "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\""
        + paretoFront(finite).map { "\(point($0).x),\(point($0).y)" }.joined(separator: " ") + "\"/>\n"
    for c in finite {
        let (x, y) = point(c)
        out +=
            "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"\(c.accepted ? "#1f77b4" : "#aaa")\"><title>#\(c.id)"
            + " \(escaped(c.change)): \(c.parameters) params, F \(String(format: "%.4f", c.validation.forceRMSE))"
            + "</title></circle>\n"
        if c.id == chosen {
            out += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"9\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
        }
    }
    out +=
        "<text x=\"\(frame.left + frame.width)\" y=\"\(frame.top - 6)\" text-anchor=\"end\">green: Pareto front;"
        + " blue: kept; red ring: chosen</text>\n</svg>\n"
    return out
}

/// The candidates, by parameter count, whose validation force RMSE is below that of every smaller candidate.
public func paretoFront(_ candidates: [CandidateRecord]) -> [CandidateRecord] {
    candidates.sorted { ($0.parameters, $0.validation.forceRMSE) < ($1.parameters, $1.validation.forceRMSE) }
        .reduce(into: [CandidateRecord]()) { front, c in
            if front.last.map({ c.validation.forceRMSE < $0.validation.forceRMSE }) ?? true { front.append(c) }
        }
}
