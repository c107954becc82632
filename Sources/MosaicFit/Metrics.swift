import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// Errors of a model against DFT labels for one set of structures (metal units):
/// energies in eV/atom, forces in eV/Å per Cartesian component, stresses in GPa per Voigt component.
public struct ErrorMetrics: Codable, Sendable, Equatable {
    public var structures = 0
    public var atoms = 0
    public var energyRMSE = 0.0
    public var energyMAE = 0.0
    /// Mean signed energy error (model − DFT, eV/atom): a block's offset, as against its scatter.
    /// Optional only so that design states saved before it existed still read.
    public var energyMeanError: Double?
    public var forceRMSE = 0.0
    public var forceMAE = 0.0
    public var stressRMSE = 0.0
    public var stressMAE = 0.0
    public var forceComponents = 0
    public var stressComponents = 0

    public init() {}
}

/// Accumulates squared and absolute errors, then finalises to RMSE/MAE.
struct ErrorAccumulator {
    var structures = 0, atoms = 0
    var energySquares = 0.0, energyAbs = 0.0, energySum = 0.0, energyCount = 0
    var forceSquares = 0.0, forceAbs = 0.0, forceCount = 0
    var stressSquares = 0.0, stressAbs = 0.0, stressCount = 0

    mutating func add(_ s: Structure, _ p: Prediction<Double>) {
        let rows = ResidualRows(s)
        structures += 1
        atoms += s.count
        if let e = s.energy {
            let d = (p.energy - e) / Double(s.count)
            energySquares += d * d
            energyAbs += abs(d)
            energySum += d
            energyCount += 1
        }
        if let forces = s.forces {
            for i in 0..<s.count {
                let d = p.forces[i].values - forces[i]
                forceSquares += (d * d).sum()
                forceAbs += abs(d.x) + abs(d.y) + abs(d.z)
                forceCount += 3
            }
        }
        if rows.hasStress, let stress = s.stress {
            let predicted = p.stress(volume: s.volume)
            for v in 0..<6 {
                let d = Units.gigapascal(predicted.voigt[v] - stress.voigt[v])
                stressSquares += d * d
                stressAbs += abs(d)
                stressCount += 1
            }
        }
    }

    var metrics: ErrorMetrics {
        func root(_ sum: Double, _ n: Int) -> Double { n == 0 ? .nan : (sum / Double(n)).squareRoot() }
        func mean(_ sum: Double, _ n: Int) -> Double { n == 0 ? .nan : sum / Double(n) }
        var m = ErrorMetrics()
        m.structures = structures
        m.atoms = atoms
        m.energyRMSE = root(energySquares, energyCount)
        m.energyMAE = mean(energyAbs, energyCount)
        m.energyMeanError = mean(energySum, energyCount)
        m.forceRMSE = root(forceSquares, forceCount)
        m.forceMAE = mean(forceAbs, forceCount)
        m.stressRMSE = root(stressSquares, stressCount)
        m.stressMAE = mean(stressAbs, stressCount)
        m.forceComponents = forceCount
        m.stressComponents = stressCount
        return m
    }
}

/// Per-group and overall errors of a model on a dataset.
public struct EvaluationReport: Codable, Sendable {
    public var overall: ErrorMetrics
    /// Group label → errors, in first-seen order of `groupOrder`.
    public var groups: [String: ErrorMetrics]
    public var groupOrder: [String]

    /// Evaluates `model` on every structure (all cores).
    public init(model: CompositeModel, data: PreparedDataset) {
        self.init(data: data.dataset, predictions: data.predictions(model))
    }

    public init(data: Dataset, predictions: [Prediction<Double>]) {
        var all = ErrorAccumulator()
        var byGroup: [String: ErrorAccumulator] = [:]
        for (s, p) in zip(data.structures, predictions) {
            all.add(s, p)
            byGroup[s.group, default: ErrorAccumulator()].add(s, p)
        }
        overall = all.metrics
        groups = byGroup.mapValues(\.metrics)
        groupOrder = data.groups.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }

    /// A fixed-width table: one row per group and one for all.
    public func table(title: String? = nil) -> String {
        var lines: [String] = []
        if let title { lines.append(title) }
        let width = max(24, (groupOrder.map(\.count).max() ?? 0) + 1)
        let header =
            TextTable.pad("group", width)
            + TextTable.right(
                ["cells", "atoms", "E meV/at", "E MAE", "E bias", "F eV/Å", "F MAE", "σ GPa"],
                [6, 7, 10, 10, 10, 10, 10, 10])
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        func row(_ name: String, _ m: ErrorMetrics) -> String {
            TextTable.pad(name, width)
                + TextTable.right(
                    [
                        "\(m.structures)", "\(m.atoms)", String(format: "%.2f", m.energyRMSE * 1000),
                        String(format: "%.2f", m.energyMAE * 1000),
                        String(format: "%+.2f", (m.energyMeanError ?? .nan) * 1000),
                        String(format: "%.4f", m.forceRMSE), String(format: "%.4f", m.forceMAE),
                        String(format: "%.3f", m.stressRMSE),
                    ], [6, 7, 10, 10, 10, 10, 10, 10])
        }
        for g in groupOrder { if let m = groups[g] { lines.append(row(g, m)) } }
        lines.append(row("all", overall))
        lines.append(
            "E: energy RMSE, MAE and mean signed error (model − DFT) per atom (meV/atom); F: force-component"
                + " RMSE and MAE (eV/Å); σ: stress-component RMSE (GPa)"
        )
        return lines.joined(separator: "\n")
    }
}

/// One structure's predictions against its DFT labels (metal units; nil where the data have no label).
public struct StructureError: Codable, Sendable, Equatable {
    public var source: String
    public var group: String
    public var atoms: Int
    /// Total energies (eV) and the per-atom difference model − DFT (eV/atom).
    public var predictedEnergy: Double
    public var dftEnergy: Double?
    public var energyErrorPerAtom: Double?
    /// RMS of the force-component differences (eV/Å).
    public var forceRMSE: Double?
    /// RMS of the stress-component differences (GPa).
    public var stressRMSE: Double?

    public init(_ s: Structure, _ p: Prediction<Double>) {
        source = s.source
        group = s.group
        atoms = s.count
        predictedEnergy = p.energy
        dftEnergy = s.energy
        energyErrorPerAtom = s.energy.map { (p.energy - $0) / Double(s.count) }
        var one = ErrorAccumulator()
        one.add(s, p)
        let m = one.metrics
        forceRMSE = m.forceComponents > 0 ? m.forceRMSE : nil
        stressRMSE = m.stressComponents > 0 ? m.stressRMSE : nil
    }

    /// CSV with a header line; empty cells where a label is missing.
    public static func csv(_ rows: [StructureError]) -> String {
        func cell(_ x: Double?) -> String { x.map { String(format: "%.10g", $0) } ?? "" }
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var out =
            "source,group,atoms,predicted_energy_eV,dft_energy_eV,energy_error_eV_per_atom,force_rmse_eV_per_A,"
            + "stress_rmse_GPa\n"
        for r in rows {
            out +=
                [
                    quoted(r.source), quoted(r.group), "\(r.atoms)", cell(r.predictedEnergy), cell(r.dftEnergy),
                    cell(r.energyErrorPerAtom), cell(r.forceRMSE), cell(r.stressRMSE),
                ].joined(separator: ",") + "\n"
        }
        return out
    }
}
