import Foundation
import MosaicCore
import MosaicModel

/// SVG parity plots (no dependencies): predicted against reference, coloured by group, with round tick
/// values, the legend inside the frame, RMSE and MAE of every group and of all points, held-out groups
/// (labels ending in "(held out)") drawn as open circles, and the largest groups drawn first so that
/// small ones stay visible.
public struct ParityPlot {
    public struct Series {
        public var label: String
        public var points: [(x: Double, y: Double)]
        /// RMSE and MAE of y − x over the series' full data (the points may be thinned); from the points
        /// when nil.
        public var rmse: Double?
        public var mae: Double?

        public init(label: String, points: [(x: Double, y: Double)], rmse: Double? = nil, mae: Double? = nil) {
            self.label = label
            self.points = points
            self.rmse = rmse
            self.mae = mae
        }

        /// (RMSE, MAE, count) of y − x.
        static func errors(_ points: [(x: Double, y: Double)]) -> (rmse: Double, mae: Double) {
            let d = points.map { $0.y - $0.x }.filter(\.isFinite)
            guard !d.isEmpty else { return (.nan, .nan) }
            let n = Double(d.count)
            return ((d.reduce(0) { $0 + $1 * $1 } / n).squareRoot(), d.reduce(0) { $0 + abs($1) } / n)
        }

        var statistics: (rmse: Double, mae: Double) {
            if let rmse, let mae { return (rmse, mae) }
            return Series.errors(points)
        }

        var isHeldOut: Bool { label.hasSuffix("(held out)") }
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// RMSE and MAE over every point of every series (full data); from the series when nil.
    public var overall: (rmse: Double, mae: Double)?

    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// The plot as an SVG document of `size` × `size` pixels (everything drawn inside it).
    public func svg(size: Double = 560) -> String {
        let all = series.flatMap(\.points)
        let range = paddedRange(all.flatMap { [$0.x, $0.y] }, padding: 0.04)
        let (low, high) = (range.lowerBound, range.upperBound)
        let margin = 70.0
        let top = 28.0
        let plot = size - margin - 16
        let frame = PlotFrame(left: margin, top: top, width: plot, height: plot, x: range, y: range)
        func px(_ v: Double) -> Double { frame.px(v) }
        func py(_ v: Double) -> Double { frame.py(v) }
        let height = top + plot + 44
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size))" height="\(Int(height))"\
             viewBox="0 0 \(Int(size)) \(Int(height))" font-family="sans-serif" font-size="12">
            <title>\(escaped(title))</title>
            <rect x="0" y="0" width="100%" height="100%" fill="white"/>
            <text x="\(margin)" y="18" font-size="13" font-weight="bold">\(escaped(title))</text>
            <line x1="\(px(low))" y1="\(py(low))" x2="\(px(high))" y2="\(py(high))" stroke="#999" stroke-dasharray="4\
             3"/>

            """
        out += frame.axes(xLabel: xLabel, yLabel: yLabel)
        // Largest groups first, so small ones are drawn on top.
        let order = series.indices.sorted { series[$0].points.count > series[$1].points.count }
        for k in order {
            let s = series[k]
            let colour = Self.palette[k % Self.palette.count]
            out +=
                s.isHeldOut
                ? "<g fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1\">\n"
                : "<g fill=\"\(colour)\" fill-opacity=\"0.55\">\n"
            for p in s.points where p.x.isFinite && p.y.isFinite {
                out +=
                    "<circle cx=\"\(String(format: "%.1f", px(p.x)))\" cy=\"\(String(format: "%.1f", py(p.y)))\""
                    + " r=\"\(s.isHeldOut ? 2.5 : 2)\"/>\n"
            }
            out += "</g>\n"
        }
        // Legend inside the frame, top left, with the errors of each group and of all points.
        let total = overall ?? Series.errors(all)
        let lines =
            series.enumerated().map { k, s -> (String, Int?, Bool) in
                let e = s.statistics
                return (
                    "\(s.label) (\(s.points.count)): RMSE \(numberLabel(e.rmse, digits: 4)),"
                        + " MAE \(numberLabel(e.mae, digits: 4))",
                    k,
                    s.isHeldOut
                )
            } + [
                (
                    "all: RMSE \(numberLabel(total.rmse, digits: 4)), MAE \(numberLabel(total.mae, digits: 4))", nil,
                    false
                )
            ]
        let legendWidth = min(plot - 12, 7.0 * Double(lines.map(\.0.count).max() ?? 10) + 24)
        out +=
            "<rect x=\"\(margin + 6)\" y=\"\(top + 6)\" width=\"\(legendWidth)\""
            + " height=\"\(Double(lines.count) * 16 + 8)\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"
        for (n, line) in lines.enumerated() {
            let y = top + 20 + Double(n) * 16
            if let k = line.1 {
                let colour = Self.palette[k % Self.palette.count]
                out +=
                    line.2
                    ? "<circle cx=\"\(margin + 16)\" cy=\"\(y - 4)\" r=\"4\" fill=\"none\" stroke=\"\(colour)\"/>"
                    : "<circle cx=\"\(margin + 16)\" cy=\"\(y - 4)\" r=\"4\" fill=\"\(colour)\"/>"
            }
            out +=
                "<text x=\"\(margin + 26)\" y=\"\(y)\" font-size=\"11\""
                + " textLength=\"\(min(legendWidth - 28, 6.2 * Double(line.0.count)))\""
                + " lengthAdjust=\"spacingAndGlyphs\">\(escaped(line.0))</text>\n"
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
        let forceSeries = groups.compactMap { g -> Series? in
            guard let points = forces[g] else { return nil }
            let e = Series.errors(points)
            return Series(label: g, points: thin(points), rmse: e.rmse, mae: e.mae)
        }
        return (
            ParityPlot(
                title: "\(title): energy", xLabel: "DFT energy (eV/atom)", yLabel: "model energy (eV/atom)",
                series: groups.compactMap { g in energy[g].map { Series(label: g, points: $0) } }),
            ParityPlot(
                title: "\(title): force components", xLabel: "DFT force (eV/Å)", yLabel: "model force (eV/Å)",
                series: forceSeries, overall: Series.errors(groups.flatMap { forces[$0] ?? [] }))
        )
    }
}
