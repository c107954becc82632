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
/// later ones follow the secant of log RMSE against log m through the group's last two weights. A raise that
/// overshot (the group lands below `overshoot` × target) is taken back part of the way, between the largest
/// multiplier that missed and the one that overshot, since every bit of weight beyond the target costs the other
/// groups accuracy: the targets are met with the least raise the rounds can find.
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
    /// A raised group whose RMSE falls below this fraction of its target has its multiplier lowered again.
    public static let overshoot = 0.9

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

    /// The multiplier to try next for a group whose (multiplier, energy RMSE) history is `history` (oldest first),
    /// or nil when its last multiplier stays: it meets `target` and either was never raised or lies within
    /// `overshoot` of it. A miss with a multiplier above it that met the target, and an overshoot, are interpolated
    /// inside that bracket (`between`); other misses are raised by the first-raise or secant rule.
    public static func nextMultiplier(history: [(multiplier: Double, rmse: Double)], target: Double) -> Double? {
        let aim = target * margin
        guard let last = history.last else { return nil }
        if last.rmse <= target {
            let missedBelow = history.filter { $0.rmse > target && $0.multiplier < last.multiplier }
            guard last.multiplier > 1, last.rmse < overshoot * target,
                let below = missedBelow.max(by: { $0.multiplier < $1.multiplier })
            else { return nil }
            return between(below, last, aim: aim)
        }
        let metAbove = history.filter { $0.rmse <= target && $0.multiplier > last.multiplier }
        if let above = metAbove.min(by: { $0.multiplier < $1.multiplier }) {
            return between(last, above, aim: aim)
        }
        var factor = last.rmse / aim
        if let earlier = history.dropLast().last(where: { $0.multiplier != last.multiplier }) {
            let slope = log(last.rmse / earlier.rmse) / log(last.multiplier / earlier.multiplier)
            // A group that did not respond to its last raise gets the largest one.
            factor = slope < -1e-3 ? exp(log(aim / last.rmse) / slope) : largestRaise
        }
        return last.multiplier * min(max(factor, smallestRaise), largestRaise)
    }

    /// The multiplier between `missed` (smaller, RMSE above the aim) and `met` (larger, below it) where the line of
    /// log RMSE against log multiplier through both crosses `aim`, kept within the middle 80% of the bracket (in log
    /// multiplier) so that every round narrows it.
    static func between(
        _ missed: (multiplier: Double, rmse: Double), _ met: (multiplier: Double, rmse: Double), aim: Double
    ) -> Double {
        let drop = log(met.rmse / missed.rmse)
        let fraction = drop < 0 ? log(aim / missed.rmse) / drop : 0.5
        return missed.multiplier * exp(min(max(fraction, 0.1), 0.9) * log(met.multiplier / missed.multiplier))
    }

    /// What one round did: the groups it raised or lowered, each with its RMSE before and its multiplier before and
    /// after.
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
        // The last model that met every target, with its weights and report: kept if a lowered weight misses again
        // when the rounds run out.
        var lastMet = targets.misses(report).isEmpty ? (model, trainer.weights, report) : nil
        while rounds.count < targets.rounds {
            var raises: [EnergyTargets.Raise] = []
            for group in report.groupOrder {
                guard let target = targets.target(for: group),
                    let to = EnergyTargets.nextMultiplier(history: history[group] ?? [], target: target)
                else { continue }
                let from = trainer.weights.energyMultiplier(for: group)
                let rmse = report.groups[group]!.energyRMSE
                trainer.weights.energyGroups = (trainer.weights.energyGroups ?? [:]).merging([group: to]) { $1 }
                raises.append(.init(group: group, rmse: rmse, target: target, from: from, to: to))
                progress(
                    String(
                        format: "energy targets, round %d: %@ %.2f %@ %.2f meV/atom, energy weight ×%.3g → ×%.3g",
                        rounds.count + 1, group as NSString, rmse * 1000, (rmse > target ? ">" : "<") as NSString,
                        target * 1000, from, to))
            }
            if raises.isEmpty { break }
            rounds.append(raises)
            let started = Date()
            let result = try trainer.train(model, prepared: prepared)
            model = result.model
            report = EvaluationReport(model: model, data: prepared)
            record()
            if targets.misses(report).isEmpty { lastMet = (model, trainer.weights, report) }
            progress(
                String(
                    format: "energy targets, round %d: refitted in %.0f s (%@)", rounds.count,
                    Date().timeIntervalSince(started), result.stages.last?.stop ?? ""))
        }
        if !targets.misses(report).isEmpty, let (metModel, metWeights, metReport) = lastMet {
            progress("energy targets: the last refit missed again; keeping the last one that met every target")
            (model, trainer.weights, report) = (metModel, metWeights, metReport)
        }
        return EnergyTargets.Outcome(
            model: model, weights: trainer.weights, rounds: rounds, report: report, misses: targets.misses(report))
    }
}
