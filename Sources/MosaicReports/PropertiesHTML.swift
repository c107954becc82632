import Foundation
import MosaicFit
import MosaicProperties

/// The HTML report of `mosaic properties`: the property table with propagated σ, the equation of
/// state, the scaled errors of the combined score, the structure-group errors and parity plots.
public struct PropertiesHTML {
    public var potential: String
    public var properties: PropertyReport
    public var sigmas: [String: Double]
    public var evaluation: EvaluationReport
    /// (label, error / scale) of the combined score, and the score (their RMS).
    public var scaledErrors: [(String, Double)]
    public var score: Double
    /// SVG documents placed at the end.
    public var parityPlots: [String]

    public init(
        potential: String, properties: PropertyReport, sigmas: [String: Double], evaluation: EvaluationReport,
        scaledErrors: [(String, Double)], score: Double, parityPlots: [String]
    ) {
        self.potential = potential
        self.properties = properties
        self.sigmas = sigmas
        self.evaluation = evaluation
        self.scaledErrors = scaledErrors
        self.score = score
        self.parityPlots = parityPlots
    }

    public func html() -> String {
        let p = properties
        let e = evaluation
        let components = scaledErrors
        let parity = parityPlots
        // Equation of state: model curve and the DFT equilibrium point.
        let w = 480.0
        let h = 320.0
        let m = 56.0
        let vs = p.eosVolumes + [p.referenceVolume]
        let es = p.eosEnergies + [p.referenceEnergy]
        let (v0, v1, e0, e1) = (vs.min()!, vs.max()!, es.min()!, es.max()!)
        func x(_ v: Double) -> Double { m + (v - v0) / (v1 - v0) * (w - m - 10) }
        func y(_ en: Double) -> Double { h - m + 10 - (en - e0) / max(e1 - e0, 1e-9) * (h - m - 20) }
        var eos =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\""
            + " font-family=\"sans-serif\" font-size=\"12\"><rect width=\"100%\" height=\"100%\""
            + " fill=\"white\"/>"
        eos +=
            "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
            + zip(p.eosVolumes, p.eosEnergies).map { "\(x($0)),\(y($1))" }.joined(separator: " ") + "\"/>"
        eos += "<circle cx=\"\(x(p.referenceVolume))\" cy=\"\(y(p.referenceEnergy))\" r=\"5\" fill=\"#d62728\"/>"
        eos +=
            "<text x=\"\(w / 2)\" y=\"\(h - 8)\" text-anchor=\"middle\">volume (Å³/atom),"
            + " \(String(format: "%.2f", v0))–\(String(format: "%.2f", v1))</text>"
        eos +=
            "<text x=\"14\" y=\"\(h / 2)\" transform=\"rotate(-90 14 \(h / 2))\""
            + " text-anchor=\"middle\">energy (eV/atom)</text>"
        eos += "<text x=\"\(m + 10)\" y=\"20\">blue: model E(V); red: DFT equilibrium</text></svg>"
        // Bars of scaled errors.
        let barHeight = 18.0
        var bars =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"520\""
            + " height=\"\(Int(Double(components.count) * barHeight + 20))\" font-family=\"sans-serif\""
            + " font-size=\"12\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/><line x1=\"300\""
            + " y1=\"0\" x2=\"300\" y2=\"\(Double(components.count) * barHeight)\" stroke=\"#333\"/>"
        for (k, (name, value)) in components.enumerated() {
            let length = min(abs(value), 4) * 50
            bars += "<text x=\"150\" y=\"\(Double(k) * barHeight + 13)\" text-anchor=\"end\">\(escaped(name))</text>"
            bars +=
                "<rect x=\"\(value < 0 ? 300 - length : 300)\" y=\"\(Double(k) * barHeight + 3)\""
                + " width=\"\(length)\" height=\"12\" fill=\"\(abs(value) > 1 ? "#d62728" : "#2ca02c")\"/>"
        }
        bars += "</svg>"
        let rows = p.entries.map { entry -> String in
            let cells: [String] = [
                escaped(entry.name), escaped(entry.unit), String(format: "%.4f", entry.model),
                sigmas[entry.name].map { String(format: "± %.4f", $0) } ?? "–",
                entry.reference.map { String(format: "%.4f", $0) } ?? "–",
                entry.relativeError.map { String(format: "%+.1f%%", 100 * $0) } ?? "–",
                escaped(entry.referenceSource),
            ]
            return "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Mosaic properties: \(escaped(potential))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1000px} table{border-collapse:collapse}\
             td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
             td:first-child,td:last-child{text-align:left}</style></head>
            <body><h1>Properties of \(escaped(potential))</h1>
            <p>Combined score (RMS of scaled errors): <b>\(String(format: "%.3f", score))</b></p>
            <table><tr><th>property</th><th>unit</th><th>model</th><th>σ\
             (FIM)</th><th>DFT</th><th>error</th><th>reference</th></tr>
            \(rows)</table>
            <h2>Equation of state</h2>\(eos)
            <h2>Scaled errors (error / scale; red beyond one scale)</h2>\(bars)
            <h2>Structure-group errors</h2><pre>\(escaped(e.table()))</pre>
            <h2>Parity: model vs DFT</h2>\(parity.joined(separator: "\n"))
            </body></html>
            """
    }
}
