import Foundation
import MosaicCore
import MosaicModel

/// Training-energy targets per group: after a fit, every group whose energy RMSE misses its target has the weight of
/// its energies raised and the model is refitted from where it stands, round after round, until every group meets
/// its target or the rounds run out. It does by rule what FitSNAP and pacemaker users do by hand with group weights,
/// so that no block (a hot AIMD block, the strained cells) is left far off because others outnumber it.
///
/// What is raised is the multiplier `m` of the group's energy rows only (`FitWeights.energyGroups`: its energy
/// residuals are multiplied by m, their share of the loss by m²), so its forces keep their weight; a `groups`
/// multiplier would raise both. The next multiplier aims at `margin` × target: the first raise assumes RMSE ∝ 1/m;
/// later ones follow the secant of log RMSE against log m through the group's last two weights.
public struct EnergyTargets: Codable, Sendable, Equatable {
    /// Group pattern (a group or a prefix, as in `FitWeights.groups`; the longest matching pattern wins) → largest
    /// training energy RMSE (eV/atom).
    public var targets: [String: Double]
    /// Refits at most (each one as long as the fit's own iteration cap).
    public var rounds: Int
    /// Each group is aimed this fraction below its target, so that a refit meets it rather than touches it.
    public static let margin = 0.98
    /// One round raises a multiplier by at least this factor (a slower raise would waste a refit) and at most
    /// `largestRaise`.
    public static let smallestRaise = 1.1
    public static let largestRaise = 4.0

    public init(targets: [String: Double], rounds: Int = 4) {
        self.targets = targets
        self.rounds = rounds
    }

    /// The target of `group` (longest matching pattern), or nil when no pattern matches it.
    public func target(for group: String) -> Double? {
        targets.filter { Dataset.group(group, matches: $0.key) }.max { $0.key.count < $1.key.count }?.value
    }

    /// Throws when a pattern matches no group of `data` (a misspelt pattern would silently do nothing).
    public func checkPatterns(against data: Dataset) throws {
        try FitWeights.checkPatterns(targets.keys, option: "--energy-target", against: data)
    }

    /// The groups of `report` that miss their target: (group, energy RMSE, target), in the report's group order.
    public func misses(_ report: EvaluationReport) -> [(group: String, rmse: Double, target: Double)] {
        report.groupOrder.compactMap { group in
            guard let target = target(for: group), let rmse = report.groups[group]?.energyRMSE, rmse > target else {
                return nil
            }
            return (group, rmse, target)
        }
    }

    /// The multiplier to try next for a group whose (multiplier, energy RMSE) history is `history` (oldest first,
    /// the last one missing `target`).
    public static func nextMultiplier(history: [(multiplier: Double, rmse: Double)], target: Double) -> Double {
        let aim = target * margin
        guard let last = history.last else { return 1 }
        var factor = last.rmse / aim
        if let earlier = history.dropLast().last(where: { $0.multiplier != last.multiplier }) {
            let slope = log(last.rmse / earlier.rmse) / log(last.multiplier / earlier.multiplier)
            // A group that did not respond to its last raise gets the largest one.
            factor = slope < -1e-3 ? exp(log(aim / last.rmse) / slope) : largestRaise
        }
        return last.multiplier * min(max(factor, smallestRaise), largestRaise)
    }

    /// What one round did: the groups it raised, each with its RMSE before and its multiplier before and after.
    public struct Raise: Codable, Sendable, Equatable {
        public var group: String
        public var rmse: Double
        public var target: Double
        public var from: Double
        public var to: Double
    }

    /// The model after the rounds, the weights it was last fitted with, each round's raises, and the groups that
    /// still miss their targets (empty: every target met).
    public struct Outcome {
        public var model: CompositeModel
        public var weights: FitWeights
        public var rounds: [[Raise]]
        public var report: EvaluationReport
        public var misses: [(group: String, rmse: Double, target: Double)]
    }
}

extension Trainer {
    /// Refits `fitted` (already trained with `weights` on `prepared`) until every group meets its target in
    /// `targets` or the rounds run out (`EnergyTargets`). Each refit trains all parameters at once from the model
    /// before it, with this trainer's settings and constraint; `progress` gets a line per raise and per refit.
    public func meet(
        _ targets: EnergyTargets, from fitted: CompositeModel, prepared: PreparedDataset,
        progress: (String) -> Void = { _ in }
    ) throws -> EnergyTargets.Outcome {
        var trainer = self
        trainer.staged = false
        var model = fitted
        var report = EvaluationReport(model: model, data: prepared)
        var history: [String: [(multiplier: Double, rmse: Double)]] = [:]
        func record() {
            for group in report.groupOrder where targets.target(for: group) != nil {
                history[group, default: []].append(
                    (trainer.weights.energyMultiplier(for: group), report.groups[group]!.energyRMSE))
            }
        }
        record()
        var rounds: [[EnergyTargets.Raise]] = []
        while rounds.count < targets.rounds {
            let misses = targets.misses(report)
            if misses.isEmpty { break }
            var raises: [EnergyTargets.Raise] = []
            for miss in misses {
                let from = trainer.weights.energyMultiplier(for: miss.group)
                let to = EnergyTargets.nextMultiplier(history: history[miss.group] ?? [], target: miss.target)
                trainer.weights.energyGroups = (trainer.weights.energyGroups ?? [:]).merging([miss.group: to]) { $1 }
                raises.append(.init(group: miss.group, rmse: miss.rmse, target: miss.target, from: from, to: to))
                progress(
                    String(
                        format: "energy targets, round %d: %@ %.2f > %.2f meV/atom, energy weight ×%.3g → ×%.3g",
                        rounds.count + 1, miss.group as NSString, miss.rmse * 1000, miss.target * 1000, from, to))
            }
            rounds.append(raises)
            let started = Date()
            let result = try trainer.train(model, prepared: prepared)
            model = result.model
            report = EvaluationReport(model: model, data: prepared)
            record()
            progress(
                String(
                    format: "energy targets, round %d: refitted in %.0f s (%@)", rounds.count,
                    Date().timeIntervalSince(started), result.stages.last?.stop ?? ""))
        }
        return EnergyTargets.Outcome(
            model: model, weights: trainer.weights, rounds: rounds, report: report, misses: targets.misses(report))
    }
}
