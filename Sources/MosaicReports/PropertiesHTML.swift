import Foundation
import MosaicFit
import MosaicProperties

/// The HTML report of `mosaic properties`: provenance, the property table with propagated σ, the equation of
/// state with the DFT cells, the scaled errors of the combined score, the structure-group errors and parity
/// plots.
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
    /// Where the potential and the numbers come from: (what, value) rows, e.g. file hashes, split, loss,
    /// Mosaic version.
    public var provenance: [(String, String)]
    /// The formation energies of alloy cells against composition (SVG), when computed.
    public var mixingPlot: String?
    /// The per-element summary (and the random alloy's lattice constant) of a multi-element report, as text.
    public var perElementTable: String?

    public init(
        potential: String, properties: PropertyReport, sigmas: [String: Double], evaluation: EvaluationReport,
        scaledErrors: [(String, Double)], score: Double, parityPlots: [String], mixingPlot: String? = nil,
        perElementTable: String? = nil, provenance: [(String, String)] = []
    ) {
        self.perElementTable = perElementTable
        self.potential = potential
        self.properties = properties
        self.sigmas = sigmas
        self.evaluation = evaluation
        self.scaledErrors = scaledErrors
        self.score = score
        self.parityPlots = parityPlots
        self.provenance = provenance
        self.mixingPlot = mixingPlot
    }

    public func html() -> String {
        let p = properties
        let eos = EOSPlot(
            curve: p.energyVolumeCurve.isEmpty
                ? zip(p.eosVolumes, p.eosEnergies).map { ($0, $1) } : p.energyVolumeCurve, cells: p.strainedCells,
            equilibrium: (p.referenceVolume, p.referenceEnergy)
        ).svg()
        let bars = ScaledErrorPlot(components: scaledErrors.map { (label: $0.0, value: $0.1) }).svg()
        let rows = p.entries.map { entry -> String in
            let cells: [String] = [
                escaped(entry.name), escaped(entry.unit), String(format: "%.4f", entry.model),
                sigmas[entry.name].map { String(format: "±&nbsp;%.4f", $0) } ?? "–",
                entry.reference.map { String(format: "%.4f", $0) } ?? "–",
                entry.relativeError.map { String(format: "%+.1f%%", 100 * $0) } ?? "–",
                escaped(entry.referenceSource),
            ]
            return "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        let origin = provenance.map { "<tr><th>\(escaped($0.0))</th><td>\(escaped($0.1))</td></tr>" }
            .joined(separator: "\n")
        return """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Mosaic properties: \(escaped(potential))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1100px} table{border-collapse:collapse}\
             td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;white-space:nowrap}\
             td:first-child,td:last-child{text-align:left} table.origin th,table.origin td{text-align:left}\
             table.origin td{white-space:normal;word-break:break-all;font-family:monospace}</style></head>
            <body><h1>Properties of \(escaped(potential))</h1>
            <table class="origin">\(origin)</table>
            <p>Combined score (RMS of scaled errors, as <code>mosaic properties</code> prints it):\
             <b>\(String(format: "%.3f", score))</b></p>
            <table><tr><th>property</th><th>unit</th><th>model</th><th>σ\
             (FIM)</th><th>DFT</th><th>error</th><th>reference</th></tr>
            \(rows)</table>
            \(perElementTable.map { "<h2>Every element</h2><pre>\(escaped($0))</pre>" } ?? "")
            <h2>Equation of state</h2>\(eos)
            <h2>Scaled errors</h2>\(bars)
            \(mixingPlot.map { "<h2>Mixing energies</h2>" + $0 } ?? "")
            <h2>Structure-group errors</h2><pre>\(escaped(evaluation.table()))</pre>
            <h2>Parity: model vs DFT</h2>\(parityPlots.joined(separator: "\n"))
            </body></html>
            """
    }
}
