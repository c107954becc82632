import Foundation
import MosaicFit

/// SVG of energy RMSE (x, meV/atom) against force RMSE (y, eV/Å) for refits of one model at several
/// energy tolerances: a polyline for the training errors (filled circles) and one for the test errors
/// (open circles), each point labelled with its tolerance, the model as given drawn as a red ring.
public func tradeoffSVG(
    _ points: [(tolerance: Double, training: ErrorMetrics, test: ErrorMetrics?)],
    own: (training: ErrorMetrics, test: ErrorMetrics?), title: String
) -> String {
    let width = 600.0
    let height = 400.0
    let left = 70.0
    let bottom = 50.0
    let top = 34.0
    let right = 24.0
    var xs = points.flatMap { [$0.training.energyRMSE, $0.test?.energyRMSE].compactMap { $0 } }
    var ys = points.flatMap { [$0.training.forceRMSE, $0.test?.forceRMSE].compactMap { $0 } }
    xs += [own.training.energyRMSE, own.test?.energyRMSE].compactMap { $0 }
    ys += [own.training.forceRMSE, own.test?.forceRMSE].compactMap { $0 }
    xs = xs.filter(\.isFinite).map { $0 * 1000 }
    ys = ys.filter(\.isFinite)
    guard let x0 = xs.min(), let x1 = xs.max(), let y0 = ys.min(), let y1 = ys.max() else {
        return svgHeader(width: width, height: height, title: title) + "</svg>\n"
    }
    let xLow = max(0, x0 - 0.08 * (x1 - x0 + 1e-9))
    let xHigh = x1 + 0.08 * (x1 - x0 + 1e-9)
    let yLow = max(0, y0 - 0.08 * (y1 - y0 + 1e-9))
    let yHigh = y1 + 0.08 * (y1 - y0 + 1e-9)
    let frame = PlotFrame(
        left: left, top: top, width: width - left - right, height: height - top - bottom, x: xLow...xHigh,
        y: yLow...yHigh)
    func px(_ e: Double) -> Double { frame.px(e * 1000) }
    func py(_ f: Double) -> Double { frame.py(f) }
    var out = svgHeader(width: width, height: height, title: title)
    out += frame.axes(xLabel: "energy RMSE (meV/atom)", yLabel: "force RMSE (eV/Å)")
    func curve(_ metrics: [(Double, ErrorMetrics)], colour: String, filled: Bool, label: String) -> String {
        var s = "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\""
        s += metrics.map { "\(px($0.1.energyRMSE)),\(py($0.1.forceRMSE))" }.joined(separator: " ") + "\"/>\n"
        for (tolerance, m) in metrics {
            s += "<circle cx=\"\(px(m.energyRMSE))\" cy=\"\(py(m.forceRMSE))\" r=\"4\" stroke=\"\(colour)\""
            s += " fill=\"\(filled ? colour : "white")\"><title>\(escaped(label)), energy tolerance"
            s += " \(numberLabel(tolerance * 1000)) meV/atom</title></circle>\n"
            s += "<text x=\"\(px(m.energyRMSE) + 6)\" y=\"\(py(m.forceRMSE) - 6)\" font-size=\"10\""
            s += " fill=\"\(colour)\">\(numberLabel(tolerance * 1000))</text>\n"
        }
        return s
    }
    out += curve(points.map { ($0.tolerance, $0.training) }, colour: "#1f77b4", filled: true, label: "training")
    let tests = points.compactMap { p in p.test.map { (p.tolerance, $0) } }
    if !tests.isEmpty { out += curve(tests, colour: "#ff7f0e", filled: false, label: "test") }
    for m in [own.training, own.test].compactMap({ $0 }) {
        out += "<circle cx=\"\(px(m.energyRMSE))\" cy=\"\(py(m.forceRMSE))\" r=\"8\" fill=\"none\" stroke=\"#d62728\""
        out += " stroke-width=\"2\"/>\n"
    }
    let legend = [
        ("#1f77b4", "training (filled)"), ("#ff7f0e", tests.isEmpty ? "" : "test, never fitted (open)"),
        ("#d62728", "model as given (ring)"),
    ].filter { !$0.1.isEmpty }
    for (k, (colour, text)) in legend.enumerated() {
        out += "<text x=\"\(width - right - 8)\" y=\"\(top + 16 + 15 * Double(k))\" text-anchor=\"end\""
        out += " fill=\"\(colour)\">\(text)</text>\n"
    }
    out += "<text x=\"\(width - right - 8)\" y=\"\(top + 16 + 15 * Double(legend.count))\" text-anchor=\"end\""
    out += " font-size=\"10\">labels: energy tolerance (meV/atom)</text>\n</svg>\n"
    return out
}
