import Foundation
import MosaicCore
import MosaicModel

/// Minimal SVG scatter plots (no dependencies): predicted vs reference, coloured by group.
public struct ParityPlot {
    public struct Series {
        public var label: String
        public var points: [(x: Double, y: Double)]
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// The plot as an SVG document.
    public func svg(size: Double = 520) -> String {
        let all = series.flatMap(\.points)
        let values = all.flatMap { [$0.x, $0.y] }.filter(\.isFinite)
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if high - low < 1e-12 {
            low -= 1
            high += 1
        }
        let pad = 0.04 * (high - low)
        low -= pad
        high += pad
        let margin = 64.0
        let plot = size - margin - 16
        func px(_ v: Double) -> Double { margin + (v - low) / (high - low) * plot }
        func py(_ v: Double) -> Double { 16 + plot - (v - low) / (high - low) * plot }
        let legendHeight = Double(series.count) * 18 + 8
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size + 230))"\
             height="\(Int(max(size + 30, legendHeight + 40)))" font-family="sans-serif" font-size="12">
            <title>\(escaped(title))</title>
            <rect x="0" y="0" width="100%" height="100%" fill="white"/>
            <text x="\(margin)" y="12" font-size="13" font-weight="bold">\(escaped(title))</text>
            <rect x="\(margin)" y="16" width="\(plot)" height="\(plot)" fill="none" stroke="#333"/>
            <line x1="\(px(low))" y1="\(py(low))" x2="\(px(high))" y2="\(py(high))" stroke="#999" stroke-dasharray="4\
             3"/>

            """
        for k in 0...4 {
            let v = low + Double(k) / 4 * (high - low)
            out +=
                "<text x=\"\(px(v))\" y=\"\(16 + plot + 16)\""
                + " text-anchor=\"middle\">\(String(format: "%.3g", v))</text>\n"
            out +=
                "<text x=\"\(margin - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
        }
        out +=
            "<text x=\"\(margin + plot / 2)\" y=\"\(16 + plot + 34)\" text-anchor=\"middle\">"
            + "\(escaped(xLabel))</text>\n"
        out +=
            "<text x=\"14\" y=\"\(16 + plot / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 14"
            + " \(16 + plot / 2))\">\(escaped(yLabel))</text>\n"
        for (k, s) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            out += "<g fill=\"\(colour)\" fill-opacity=\"0.6\">\n"
            for p in s.points where p.x.isFinite && p.y.isFinite {
                out +=
                    "<circle cx=\"\(String(format: "%.1f", px(p.x)))\" cy=\"\(String(format: "%.1f", py(p.y)))\""
                    + " r=\"2\"/>\n"
            }
            out += "</g>\n"
            let y = 28 + Double(k) * 18
            out +=
                "<circle cx=\"\(size + 10)\" cy=\"\(y - 4)\" r=\"5\" fill=\"\(colour)\"/><text"
                + " x=\"\(size + 20)\" y=\"\(y)\">\(escaped(s.label)) (\(s.points.count))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// Energy (eV/atom) and force-component (eV/Å) parity plots for predictions on a dataset.
    /// Forces are thinned deterministically to at most `maxForcePoints` per group.
    public static func energyAndForces(
        data: Dataset, predictions: [Prediction<Double>], title: String,
        maxForcePoints: Int = 3000
    ) -> (energy: ParityPlot, forces: ParityPlot) {
        var energy: [String: [(x: Double, y: Double)]] = [:]
        var forces: [String: [(x: Double, y: Double)]] = [:]
        for (s, p) in zip(data.structures, predictions) {
            if let e = s.energy {
                energy[s.group, default: []].append((e / Double(s.count), p.energy / Double(s.count)))
            }
            if let f = s.forces {
                for i in 0..<s.count {
                    let v = p.forces[i].values
                    for a in 0..<3 { forces[s.group, default: []].append((f[i][a], v[a])) }
                }
            }
        }
        let groups = data.groups.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        func thin(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
            let stride = max(1, (points.count + maxForcePoints - 1) / maxForcePoints)
            return Swift.stride(from: 0, to: points.count, by: stride).map { points[$0] }
        }
        return (
            ParityPlot(
                title: "\(title): energy", xLabel: "DFT energy (eV/atom)", yLabel: "model energy (eV/atom)",
                series: groups.compactMap { g in energy[g].map { Series(label: g, points: $0) } }),
            ParityPlot(
                title: "\(title): force components", xLabel: "DFT force (eV/Å)", yLabel: "model force (eV/Å)",
                series: groups.compactMap { g in forces[g].map { Series(label: g, points: thin($0)) } })
        )
    }
}
