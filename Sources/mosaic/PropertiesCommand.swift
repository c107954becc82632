import ArgumentParser
import Foundation
import MosaicCore
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties

extension MosaicCommand {
    struct Properties: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Physical properties of a potential against DFT references derived from the data.",
            discussion: prose(
                """
                Computes with the model: zero-pressure bcc lattice constant, energy at equilibrium, equation of
                state and bulk modulus, C11/C12/C44 (stress–strain on the same strained cells as the DFT data),
                relaxed surface energies of the DFT slabs (J/m²), relaxed vacancy formation energy, and
                E(fcc) − E(bcc). DFT references come from the data only (see README, "Properties").
                Also prints the structure-group errors (as mosaic evaluate) and a combined score; writes an
                HTML report with the equation of state and property errors. The "± σ" column is the
                uncertainty propagated from the Fisher information of the fit on --data (as mosaic fim):
                σ² = gᵀ s² FIM⁺ g with g the property's parameter gradient (--no-uncertainty skips it).

                Example:
                  mosaic properties potentials/Nb.json
                """))

        @Argument(help: "A potential file (or model description).")
        var potential: String
        @Option(help: "Strained cells of one bcc element with stresses (MVL JSON or extxyz).")
        var elastic = "data/nb/Nb_Elastic.json"
        @Option(help: "Relaxed DFT slabs of the same element.")
        var surfaces = "data/nb/Nb_Surface.json"
        @OptionGroup var dataOptions: DataOptions
        @Option(help: "Where to write the HTML report (default: <potential>-properties.html).")
        var report: String?
        @Flag(name: .customLong("no-uncertainty"), help: "Skip the propagated uncertainties (σ column).")
        var noUncertainty = false
        @Flag(help: "Print machine-readable JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let (model, loss) = try loadModelAndLoss(potential)
                let elasticCells = try Dataset.load([elastic]).structures
                let slabs = try Dataset.load([surfaces]).structures
                let properties = try PropertyReport.compute(model: model, elastic: elasticCells, surfaces: slabs) {
                    step in
                    if !json { FileHandle.standardError.write(Data("… \(step)\n".utf8)) }
                }
                let data = try dataOptions.load()
                let prepared = try PreparedDataset(data, model: model)
                let predictions = prepared.predictions(model)
                var sigmas: [String: Double] = [:]
                if !noUncertainty {
                    if !json {
                        FileHandle.standardError.write(Data("… uncertainties from the Fisher information\n".utf8))
                    }
                    let fim = try FisherAnalysis(
                        model: model, data: loss.training(prepared), weights: loss.weights, coordinates: .relative)
                    let gradients = try PropertyGradients.compute(
                        model: model, elastic: elasticCells, surfaces: slabs,
                        relaxed: properties.relaxedStructures)
                    sigmas = Dictionary(
                        fim.propagate(gradients).map { ($0.name, $0.sigma) }, uniquingKeysWith: { a, _ in a })
                }
                let evaluation = EvaluationReport(data: data, predictions: predictions)
                let parity = ParityPlot.energyAndForces(
                    data: data, predictions: predictions, title: (potential as NSString).lastPathComponent)
                let (components, score) = PropertyScore().score(properties: properties, errors: evaluation.overall)
                let path = report ?? (potential as NSString).deletingPathExtension + "-properties.html"
                try AtomicFile.write(
                    html(
                        properties, sigmas, evaluation, components, score,
                        parity: [parity.energy.svg(size: 420), parity.forces.svg(size: 420)]), to: path)
                if json {
                    struct Output: Encodable {
                        var properties: [PropertyEntry]
                        var sigmas: [String: Double]
                        var errors: EvaluationReport
                        var score: Double
                        var scaledErrors: [String: Double]
                    }
                    let encoder = JSONEncoder.mosaic
                    let output = Output(
                        properties: properties.entries, sigmas: sigmas, errors: evaluation, score: score,
                        scaledErrors: Dictionary(components, uniquingKeysWith: { a, _ in a }))
                    print(String(decoding: try encoder.encode(output), as: UTF8.self))
                    return
                }
                print(properties.table(sigmas: sigmas))
                print("")
                print(evaluation.table(title: "structure-group errors"))
                print(
                    String(
                        format: "\ncombined score (RMS of scaled errors, %d components): %.3f", components.count, score)
                )
                print("report: \(path)")
            }
        }

        func html(
            _ p: PropertyReport, _ sigmas: [String: Double], _ e: EvaluationReport, _ components: [(String, Double)],
            _ score: Double, parity: [String]
        ) -> String {
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
                bars += "<text x=\"150\" y=\"\(Double(k) * barHeight + 13)\" text-anchor=\"end\">\(name)</text>"
                bars +=
                    "<rect x=\"\(value < 0 ? 300 - length : 300)\" y=\"\(Double(k) * barHeight + 3)\""
                    + " width=\"\(length)\" height=\"12\" fill=\"\(abs(value) > 1 ? "#d62728" : "#2ca02c")\"/>"
            }
            bars += "</svg>"
            let rows = p.entries.map { entry -> String in
                let cells: [String] = [
                    entry.name, entry.unit, String(format: "%.4f", entry.model),
                    sigmas[entry.name].map { String(format: "± %.4f", $0) } ?? "–",
                    entry.reference.map { String(format: "%.4f", $0) } ?? "–",
                    entry.relativeError.map { String(format: "%+.1f%%", 100 * $0) } ?? "–", entry.referenceSource,
                ]
                return "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
            }.joined(separator: "\n")
            return """
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>Mosaic properties: \(potential)</title>
                <style>body{font-family:sans-serif;margin:2em;max-width:1000px} table{border-collapse:collapse}\
                 td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
                 td:first-child,td:last-child{text-align:left}</style></head>
                <body><h1>Properties of \(potential)</h1>
                <p>Combined score (RMS of scaled errors): <b>\(String(format: "%.3f", score))</b></p>
                <table><tr><th>property</th><th>unit</th><th>model</th><th>σ\
                 (FIM)</th><th>DFT</th><th>error</th><th>reference</th></tr>
                \(rows)</table>
                <h2>Equation of state</h2>\(eos)
                <h2>Scaled errors (error / scale; red beyond one scale)</h2>\(bars)
                <h2>Structure-group errors</h2><pre>\(e.table())</pre>
                <h2>Parity: model vs DFT</h2>\(parity.joined(separator: "\n"))
                </body></html>
                """
        }
    }
}
