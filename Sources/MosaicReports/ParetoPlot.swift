import Foundation
import MosaicDesign

/// SVG of parameter count vs validation force RMSE for every candidate, the Pareto front joined,
/// the chosen model circled.
public func paretoSVG(_ candidates: [CandidateRecord], chosen: Int?, title: String) -> String {
    let finite = candidates.filter { $0.validation.forceRMSE.isFinite }
    guard !finite.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
    let width = 560.0
    let height = 380.0
    let left = 64.0
    let bottom = 48.0
    let top = 30.0
    let right = 20.0
    let p0 = Double(finite.map(\.parameters).min()!) - 2
    let p1 = Double(finite.map(\.parameters).max()!) + 2
    let f0 = 0.0
    let f1 = finite.map(\.validation.forceRMSE).max()! * 1.1
    func x(_ p: Int) -> Double { left + (Double(p) - p0) / (p1 - p0) * (width - left - right) }
    func y(_ f: Double) -> Double { height - bottom - (f - f0) / (f1 - f0) * (height - bottom - top) }
    let front = finite.sorted { ($0.parameters, $0.validation.forceRMSE) < ($1.parameters, $1.validation.forceRMSE) }
        .reduce(into: [CandidateRecord]()) { acc, c in
            if acc.last.map({ c.validation.forceRMSE < $0.validation.forceRMSE }) ?? true { acc.append(c) }
        }
    var out = svgHeader(width: width, height: height, title: title)
    out += """
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="#333"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="#333"/>
        <text x="\((left + width) / 2)" y="\(height - 10)" text-anchor="middle">parameters</text>
        <text x="16" y="\((top + height - bottom) / 2)" text-anchor="middle" transform="rotate(-90 16\
         \((top + height - bottom) / 2))">validation force RMSE (eV/Å)</text>

        """
    for k in 0...4 {
        let f = f0 + Double(k) / 4 * (f1 - f0)
        out += "<text x=\"\(left - 6)\" y=\"\(y(f) + 4)\" text-anchor=\"end\">\(String(format: "%.3f", f))</text>\n"
        let p = Int((p0 + Double(k) / 4 * (p1 - p0)).rounded())
        out += "<text x=\"\(x(p))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(p)</text>\n"
    }
    out +=
        "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\""
        + front.map { "\(x($0.parameters)),\(y($0.validation.forceRMSE))" }.joined(separator: " ") + "\"/>\n"
    for c in finite {
        out +=
            "<circle cx=\"\(x(c.parameters))\" cy=\"\(y(c.validation.forceRMSE))\" r=\"4\""
            + " fill=\"\(c.accepted ? "#1f77b4" : "#aaa")\"><title>#\(c.id) \(escaped(c.change)): \(c.parameters)"
            + " params, F \(String(format: "%.4f", c.validation.forceRMSE))</title></circle>\n"
        if c.id == chosen {
            out +=
                "<circle cx=\"\(x(c.parameters))\" cy=\"\(y(c.validation.forceRMSE))\" r=\"9\" fill=\"none\""
                + " stroke=\"#d62728\" stroke-width=\"2\"/>\n"
        }
    }
    out +=
        "<text x=\"\(width - right)\" y=\"\(top)\" text-anchor=\"end\">green: Pareto front; blue: kept; red"
        + " ring: chosen</text>\n</svg>\n"
    return out
}
