import MosaicCore
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// `--energy-target`: groups that miss their training energy target get their weights raised until they meet it.
final class EnergyTargetsTests: XCTestCase {
    /// Energy offset (eV/atom) of group B's labels against group A's on the same geometries.
    let offset = 0.01

    /// Twelve strained Nb cells labelled by a fixed pair + embedding model as group A, and the same cells with
    /// energies `offset` per atom higher as group B; the model to fit has only its reference energy free. With
    /// multipliers 1 (A) and m (B) the fitted energy sits at offset·m²/(1 + m²) above A's labels, so A's energy RMSE
    /// is offset·m²/(1 + m²) and B's offset/(1 + m²).
    func problem() throws -> (CompositeModel, PreparedDataset) {
        var model = pairAndEmbeddingModel()
        var structures: [Structure] = []
        for (group, shift) in [("A", 0.0), ("B", offset)] {
            for geometry in niobium["Nb_Elastic"]!.prefix(12) {
                var s = geometry
                let p = try model.predict(s)
                s.energy = p.energy + shift * Double(s.count)
                s.forces = p.forceVectors
                s.stress = p.stress(volume: s.volume)
                s.group = group
                structures.append(s)
            }
        }
        model.fixed = model.parameterNames.filter { !$0.hasPrefix("reference") }
        XCTAssertEqual(model.freeParameterCount, 1)
        let data = Dataset(structures)
        return (model, try PreparedDataset(data, model: model))
    }

    func trainer() -> Trainer {
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 30
        return trainer
    }

    /// B at target 2 meV/atom: one raise to 0.005/(0.98·0.002) from RMSE 5 meV/atom at weight 1, after which A and
    /// B sit where the weighted mean puts them.
    func testAGroupMissingItsTargetIsRaisedUntilItMeetsIt() throws {
        let (model, prepared) = try problem()
        let fitted = try trainer().train(model, prepared: prepared).model
        let before = EvaluationReport(model: fitted, data: prepared)
        XCTAssertEqual(before.groups["B"]!.energyRMSE, offset / 2, accuracy: 1e-7)
        let targets = EnergyTargets(targets: ["B": 0.002], rounds: 3)
        var lines: [String] = []
        let outcome = try trainer().meet(targets, from: fitted, prepared: prepared) { lines.append($0) }
        XCTAssertTrue(outcome.misses.isEmpty)
        XCTAssertEqual(outcome.rounds.count, 1)
        let m = try XCTUnwrap(outcome.weights.energyGroups?["B"])
        XCTAssertEqual(m, (offset / 2) / (0.98 * 0.002), accuracy: 1e-9)
        XCTAssertEqual(outcome.weights.energyMultiplier(for: "A"), 1)
        XCTAssertEqual(outcome.weights.multiplier(for: "B"), 1, "forces keep their weight")
        XCTAssertEqual(outcome.report.groups["B"]!.energyRMSE, offset / (1 + m * m), accuracy: 1e-7)
        XCTAssertEqual(outcome.report.groups["A"]!.energyRMSE, offset * m * m / (1 + m * m), accuracy: 1e-7)
        XCTAssertLessThan(outcome.report.groups["B"]!.energyRMSE, 0.002)
        XCTAssertTrue(lines.contains { $0.contains("round 1: B 5.00 > 2.00 meV/atom") }, "\(lines)")
    }

    /// Targets no weighting can meet together (A and B each within 2 meV/atom of labels 10 meV/atom apart): the
    /// rounds run out and the groups that miss are named, nothing thrown.
    func testTargetsThatConflictRunOutOfRoundsAndAreNamed() throws {
        let (model, prepared) = try problem()
        let fitted = try trainer().train(model, prepared: prepared).model
        let outcome = try trainer().meet(
            EnergyTargets(targets: ["A": 0.002, "B": 0.002], rounds: 2), from: fitted, prepared: prepared)
        XCTAssertEqual(outcome.rounds.count, 2)
        XCTAssertFalse(outcome.misses.isEmpty)
        let a = outcome.report.groups["A"]!.energyRMSE
        let b = outcome.report.groups["B"]!.energyRMSE
        XCTAssertEqual(a + b, offset, accuracy: 1e-7)
        XCTAssertEqual(
            Set(outcome.misses.map(\.group)), Set(["A", "B"].filter { outcome.report.groups[$0]!.energyRMSE > 0.002 }))
    }

    /// A group whose RMSE follows a power law of its multiplier lands on the aim after the secant step; one that
    /// did not respond to its last raise gets the largest raise; the first raise is the ratio to the aim.
    func testNextMultiplierFollowsTheSecantOfLogRMSE() {
        let law = { (m: Double) in 0.003 * pow(m, -0.3) }
        let next = EnergyTargets.nextMultiplier(history: [(1, law(1)), (1.7, law(1.7))], target: 0.002)
        XCTAssertEqual(law(next), 0.98 * 0.002, accuracy: 1e-12)
        let stuck = EnergyTargets.nextMultiplier(history: [(1, 0.003), (2, 0.003)], target: 0.002)
        XCTAssertEqual(stuck, 2 * EnergyTargets.largestRaise)
        XCTAssertEqual(
            EnergyTargets.nextMultiplier(history: [(2, 0.003)], target: 0.002), 2 * 0.003 / 0.00196, accuracy: 1e-12)
        XCTAssertEqual(
            EnergyTargets.nextMultiplier(history: [(1, 0.00197)], target: 0.00196), EnergyTargets.smallestRaise)
    }

    /// A misspelt pattern is refused with the groups there are; the longest matching pattern sets a group's target.
    func testPatternsAreCheckedAndTheLongestWins() throws {
        let (_, prepared) = try problem()
        let targets = EnergyTargets(targets: ["A": 0.002, "Nb": 0.001])
        let error = mosaicError { try targets.checkPatterns(against: prepared.dataset) }
        XCTAssertTrue(error?.description.contains("--energy-target Nb") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.description.contains("A, B") ?? false, "\(String(describing: error))")
        let nested = EnergyTargets(targets: ["Nb_AIMD": 0.002, "Nb_AIMD/Md/3000K": 0.003])
        XCTAssertEqual(nested.target(for: "Nb_AIMD/Md/3000K"), 0.003)
        XCTAssertEqual(nested.target(for: "Nb_AIMD/Md/300K"), 0.002)
        XCTAssertNil(nested.target(for: "Nb_Elastic"))
    }
}
