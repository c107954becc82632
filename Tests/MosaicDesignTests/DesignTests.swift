import Foundation
import MosaicCore
import MosaicDesign
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

final class DesignTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    var reference: Term { .reference(ReferenceEnergyTerm(energies: ["Nb": -9.8])) }
    var repulsion: Term { .bornMayer(BornMayerTerm(cutoff: 3.8, r0: 2.5, amplitude: 0.6, rho: 0.32)) }
    var angular: Term {
        .threeBody(
            ThreeBodyTerm(
                cutoff: 3.9, width: 1.0, order: 2, channels: [.gaussian(center: 2.9, width: 0.5)],
                coefficients: [[0.05, -0.1, 0.08]]))
    }
    var pair: Term {
        .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.3, -0.2, 0.1, -0.05, 0.02]))
    }

    /// Labels from `truth` (small force noise) on real geometries (training) and random cells (validation).
    func data(_ truth: CompositeModel) throws -> (Dataset, Dataset) {
        var rng = SeededGenerator(seed: 3)
        func label(_ s: Structure, group: String) throws -> Structure {
            var out = s
            let p = try truth.predict(s)
            out.energy = p.energy
            out.forces = p.forceVectors.map {
                $0 + Vec3(Double.random(in: -0.01...0.01, using: &rng), Double.random(in: -0.01...0.01, using: &rng), 0)
            }
            out.stress = p.stress(volume: s.volume)
            out.group = group
            return out
        }
        let train =
            Array(niobium["Nb_Elastic"]!.prefix(10)) + [niobium["Nb_Surface"]![5], niobium["Nb_AIMD"]![60]]
            + (1...3).map { randomTriclinic(atoms: 6, seed: UInt64($0), scale: 5.5) }
        let validation = (10...12).map { randomTriclinic(atoms: 6, seed: UInt64($0), scale: 5.5) }
        return (
            Dataset(try train.map { try label($0, group: "train") }),
            Dataset(try validation.map { try label($0, group: "validation") })
        )
    }

    /// Data made by pair + three-body: the loop, started from a library that also has an
    /// embedding term, ends with the generating terms and without the embedding.
    func testLoopRecoversGeneratingTermsAndResumes() throws {
        let truth = CompositeModel(elements: [nb], terms: [reference, repulsion, pair, angular])
        let (train, validation) = try data(truth)
        var libraryAngular = angular
        if var t = libraryAngular.as(ThreeBodyTerm.self) {
            t.coefficients = [[0, 0, 0]]
            libraryAngular = .threeBody(t)
        }
        let library = CompositeModel(
            elements: [nb],
            terms: [
                reference, repulsion, .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, size: 5)),
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, form: .sqrt, coefficients: [0.5], density: .exponential(beta: 2.5, r0: 2.86))),
                libraryAngular,
            ])
        var settings = DesignSettings()
        settings.budgetParameters = 20
        settings.maxCandidates = 10
        settings.trainingIterations = 60
        settings.useProperties = false
        let statePath = temporaryFile("", name: "design-state.json")
        try FileManager.default.removeItem(atPath: statePath)
        let loop = try DesignLoop(
            settings: settings, train: train, validation: validation, elastic: [], surfaces: [], statePath: statePath)
        let state = try loop.run(library: library)
        let best = try XCTUnwrap(state.candidates.first { $0.id == state.best })
        let types = Set(best.model.terms.map(\.typeName))
        XCTAssertTrue(types.contains("pair-spline") && types.contains("three-body"), best.terms)
        XCTAssertFalse(types.contains("embedding"), "the embedding term is not needed: \(best.terms)")
        XCTAssertLessThan(best.validation.forceRMSE, 0.02)
        XCTAssertTrue(state.candidates.allSatisfy { $0.repels != nil }, "every candidate's repulsion is checked")
        XCTAssertEqual(best.repels, true)
        // Running again resumes from the saved state: same candidates, same choice, no retraining.
        var resumedLines: [String] = []
        let again = try DesignLoop(
            settings: settings, train: train, validation: validation, elastic: [], surfaces: [], statePath: statePath
        ) { resumedLines.append($0) }
        let second = try again.run(library: library)
        XCTAssertEqual(second.best, state.best)
        XCTAssertEqual(second.candidates.map(\.change), state.candidates.map(\.change))
        let candidateLines = resumedLines.filter { $0.hasPrefix("#") }
        XCTAssertEqual(candidateLines.count, state.candidates.count, resumedLines.joined(separator: "\n"))
        XCTAssertTrue(candidateLines.allSatisfy { $0.contains("(saved)") }, resumedLines.joined(separator: "\n"))
    }

    /// The loop's rule for replacing its best: a lower score by more than 1%, or fewer parameters within 2% of
    /// the lower of the best's score and the best seen.
    func testCandidatesReplaceTheBestByScoreOrParsimony() {
        let settings = DesignSettings()
        let best = Standing(id: 0, score: 1.0, parameters: 50, repels: true)
        func candidate(_ score: Double, _ parameters: Int) -> Standing {
            Standing(id: 1, score: score, parameters: parameters, repels: true)
        }
        XCTAssertTrue(settings.improves(candidate(0.98, 60), over: best, anchor: 1))
        XCTAssertFalse(settings.improves(candidate(0.995, 60), over: best, anchor: 1))
        XCTAssertTrue(settings.improves(candidate(1.015, 40), over: best, anchor: 1))
        XCTAssertFalse(settings.improves(candidate(1.015, 40), over: best, anchor: 0.9))
    }

    /// A reconfiguration whose fit or Fisher analysis fails is recorded with its reason and an infinite score: it is
    /// never better than a scored candidate, never written, and reads back from a saved state (a state saved before
    /// the field existed reads as scored). The loop goes on past it (RESULTS: a niobium design whose three proposals
    /// from one parent failed).
    /// What removing each term scored, from the chosen candidate's nearest ancestor that tried: a removal from the
    /// chosen one itself wins over an older one, branches off the lineage are ignored, a failed removal says so.
    func testRemovalsAreReadFromTheChosenLineage() {
        let history = [
            DesignLoop.Step(id: 0, parent: nil, change: "all single terms combined", score: 1.0),
            DesignLoop.Step(id: 1, parent: 0, change: "remove 'embedding'", score: 1.5),
            DesignLoop.Step(id: 2, parent: 0, change: "remove 'angular'", score: 2.0),
            DesignLoop.Step(id: 3, parent: 0, change: "resize 'pair' to 8", score: 0.8),
            DesignLoop.Step(id: 4, parent: 3, change: "remove 'angular'", score: 1.2),
            DesignLoop.Step(id: 5, parent: 3, change: "remove 'pair'", score: .infinity),
            DesignLoop.Step(id: 6, parent: 1, change: "remove 'angular'", score: 0.1),
        ]
        let removals = DesignLoop.removals(history, chosen: 3)
        XCTAssertEqual(removals["embedding"], "#1 from #0: score 1.500, +88%")
        XCTAssertEqual(removals["angular"], "#4 from #3: score 1.200, +50%")
        XCTAssertEqual(removals["pair"], "#5 from #3: not scored")
        XCTAssertEqual(removals.count, 3)
    }

    func testAFailedCandidateIsRecordedAndNeverChosen() throws {
        let model = CompositeModel(elements: [nb], terms: [reference, repulsion])
        let error = MosaicError("the model gives non-finite derivatives", fix: "check the model's parameters")
        let failed = DesignLoop.failed(model, parent: 0, change: "remove 'pair'", id: 3, error)
        XCTAssertEqual(failed.score, .infinity)
        XCTAssertEqual(failed.parameters, model.freeParameterCount)
        XCTAssertTrue(failed.failure?.contains("non-finite derivatives") ?? false, "\(failed.failure ?? "nil")")
        let best = Standing(id: 0, score: 2.0, parameters: 80, repels: true)
        XCTAssertFalse(DesignSettings().improves(failed.standing, over: best, anchor: 2.0))
        XCTAssertEqual(DesignLoop.written(best: 0, among: [best, failed.standing]), 0)
        let saved = try JSONEncoder.mosaic.encode(failed)
        let back = try JSONDecoder.mosaic.decode(CandidateRecord.self, from: saved)
        XCTAssertEqual(back.failure, failed.failure)
        XCTAssertEqual(back.score, .infinity)
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        object["failure"] = nil
        let older = try JSONDecoder.mosaic.decode(
            CandidateRecord.self, from: try JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(older.failure)
    }

    /// What is written: the loop's best if it repels (or was never checked), else among those that repel the
    /// smallest within the tolerance of the lowest score (the loop's parsimony rule), else the best (the final check
    /// refuses it).
    func testTheWrittenCandidateRepels() {
        let candidates = [
            Standing(id: 0, score: 3.0, parameters: 80, repels: true),
            Standing(id: 1, score: 2.0, parameters: 60, repels: true),
            Standing(id: 2, score: 1.0, parameters: 50, repels: false),
            Standing(id: 3, score: 0.5, parameters: 40, repels: false),
            Standing(id: 4, score: 1.5, parameters: 70, repels: nil),
        ]
        XCTAssertEqual(DesignLoop.written(best: 1, among: candidates), 1)
        XCTAssertEqual(DesignLoop.written(best: 2, among: candidates), 1, "the best-scoring one that repels")
        XCTAssertEqual(DesignLoop.written(best: 4, among: candidates), 4, "unchecked counts as the loop's choice")
        XCTAssertEqual(DesignLoop.written(best: 3, among: Array(candidates[2...3])), 3, "none repels")
        let close = candidates + [Standing(id: 5, score: 2.03, parameters: 45, repels: true)]
        XCTAssertEqual(DesignLoop.written(best: 3, among: close), 1, "tolerance 0: the lowest score")
        XCTAssertEqual(DesignLoop.written(best: 3, among: close, tolerance: 0.01), 1)
        XCTAssertEqual(DesignLoop.written(best: 3, among: close, tolerance: 0.02), 5, "smaller, within 2% of 2.0")
    }

    /// `--warm-start`: a library whose values are already fitted is trained as given in one fit (no single-term
    /// candidates, no staged fit that would throw the values away): started at the generating values, the first
    /// candidate fits the data to the noise; the setting is absent from the encoded settings when off.
    func testWarmStartTrainsTheLibraryAsGiven() throws {
        let truth = CompositeModel(elements: [nb], terms: [reference, repulsion, pair, angular])
        let (train, validation) = try data(truth)
        var settings = DesignSettings()
        settings.maxCandidates = 1
        settings.trainingIterations = 5
        settings.useProperties = false
        settings.warmStart = true
        let loop = try DesignLoop(
            settings: settings, train: train, validation: validation, elastic: [], surfaces: [], statePath: nil)
        let state = try loop.run(library: truth)
        XCTAssertEqual(state.candidates.map(\.change), ["library trained from its values"])
        XCTAssertLessThan(state.candidates[0].validation.forceRMSE, 0.02, "kept at the fitted values")
        XCTAssertTrue(String(decoding: try JSONEncoder().encode(settings), as: UTF8.self).contains("warmStart"))
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(DesignSettings()), as: UTF8.self).contains("warm"))
    }

    /// `--hold-repulsion` gives every candidate's trainer the repulsion check as its constraint (when the data's
    /// shortest distances are known); off, it is absent from the encoded settings.
    func testHoldRepulsionReachesTheTrainer() throws {
        var settings = DesignSettings()
        XCTAssertNil(settings.trainer(staged: false, shortest: ["Nb-Nb": 2.1]).constraint)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(settings), as: UTF8.self).contains("holdRepulsion"))
        settings.holdRepulsion = true
        let constraint = try XCTUnwrap(settings.trainer(staged: false, shortest: ["Nb-Nb": 2.1]).constraint)
        let truth = CompositeModel(elements: [nb], terms: [reference, repulsion, pair, angular])
        XCTAssertTrue(constraint.holds(truth), "Born–Mayer repulsion holds the generating model")
        // An attractive pair with nothing to hold it: the constraint refuses it.
        let attractive = CompositeModel(
            elements: [nb],
            terms: [
                reference, .pairSpline(PairSplineTerm(inner: 0.2, cutoff: 4.0, coefficients: [-5, -4, -3, -2, -1])),
            ])
        XCTAssertFalse(constraint.holds(attractive))
        // Its slack at each failing place is the energy's rise over that scan step, measured here by hand:
        // negative on the attractive model, positive on the repelling one (which a fit can then slide along).
        let slack = try XCTUnwrap(constraint.slack)
        let places = constraint.failing(attractive)
        XCTAssertFalse(places.isEmpty)
        for place in places {
            let step = try XCTUnwrap(place.base as? RepulsionCheck.ScanStep)
            let nb = self.nb
            let energy = { (model: CompositeModel, x: Double) -> Double in
                let cell = Matrix3.diagonal(Vec3(repeating: x))
                let s =
                    step.crystal
                    ? Structure(cell: cell, positions: [Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5) * x], elements: [nb, nb])
                    : Structure(
                        cell: .identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(x, 0, 0)],
                        elements: [nb, nb])
                return try model.predict(s).energy / (step.crystal ? 2 : 1)
            }
            let rise = try energy(attractive, step.from - 0.01) - energy(attractive, step.from)
            XCTAssertLessThanOrEqual(rise, 0)
            XCTAssertEqual(slack(place, attractive), rise, accuracy: 1e-12 * max(1, abs(rise)))
            XCTAssertGreaterThan(slack(place, truth), 0)
        }
        XCTAssertGreaterThan(constraint.margin, 0)
        XCTAssertNil(settings.trainer(staged: false).constraint, "no shortest distances, no constraint")
    }

    /// `--geodesic` reaches every candidate's trainer; without it (and without `--fold-mean`) the settings encode
    /// as before (no key), so states and potential files of earlier designs still match.
    func testGeodesicSettingReachesTheTrainerAndIsAbsentWhenOff() throws {
        var settings = DesignSettings()
        XCTAssertFalse(settings.trainer(staged: true).settings.geodesicAcceleration)
        let plain = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        XCTAssertFalse(plain.contains("geodesic") || plain.contains("foldMean"), plain)
        XCTAssertEqual(try JSONDecoder().decode(DesignSettings.self, from: Data(plain.utf8)), settings)
        settings.geodesicAcceleration = true
        XCTAssertTrue(settings.trainer(staged: false).settings.geodesicAcceleration)
        XCTAssertTrue(String(decoding: try JSONEncoder().encode(settings), as: UTF8.self).contains("geodesic"))
    }

    func testReconfigurationsWarmStart() throws {
        let model = CompositeModel(elements: [nb], terms: [reference, pair, angular])
        // A finer spline represents the same function.
        let finer = try Reconfiguration.reshape(term: "pair", change: .resize(12)).apply(to: model)
        for r in stride(from: 2.2, to: 5.0, by: 0.37) {
            let dimer = Structure(
                cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                elements: [nb, nb])
            let single = CompositeModel(elements: [nb], terms: [model.terms[1]])
            let refined = CompositeModel(elements: [nb], terms: [finer.terms[1]])
            XCTAssertEqual(try refined.predict(dimer).energy, try single.predict(dimer).energy, accuracy: 2e-3)
        }
        // Higher Legendre order keeps the old coefficients and adds zeros: same energies.
        let higher = try Reconfiguration.reshape(term: "angular", change: .resize(4)).apply(to: model)
        let s = niobium["Nb_AIMD"]![5]
        XCTAssertEqual(try higher.predict(s).energy, try model.predict(s).energy, accuracy: 1e-9)
        XCTAssertEqual(higher.parameterCount, model.parameterCount + 2)
        // A √ embedding grows a ρ² correction starting at zero: same energies, one linear parameter more.
        let fs = CompositeModel(
            elements: [nb],
            terms: [
                reference, pair,
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, form: .sqrt, coefficients: [0.8], density: .exponential(beta: 2.5, r0: 2.86))),
            ])
        let corrected = try Reconfiguration.reshape(term: "embedding", change: .resize(2)).apply(to: fs)
        XCTAssertEqual(
            corrected.parameterNames.filter { $0.hasPrefix("embedding.") },
            ["embedding.A", "embedding.b2", "embedding.density.beta"])
        XCTAssertEqual(
            try corrected.predict(s).energy, try fs.predict(s).energy, accuracy: 1e-12 * abs(try fs.predict(s).energy))
        XCTAssertEqual(corrected.terms[2].parameters(elements: [nb]).map(\.isLinear), [false, true, false])
        // Removing a term that does not exist is a clear error.
        XCTAssertThrowsError(try Reconfiguration.remove(term: "nothing").apply(to: model))
    }
}

/// Dropping a parameter that only lives in a sloppy direction: a polynomial embedding of a spline
/// density is invariant under w → s·w, a_k → s^−k·a_k, an exact zero mode of the FIM.
final class FixedParameterTests: XCTestCase {
    let nb = Element(symbol: "Nb")!

    func testFixingTheDominantParameterOfAZeroModeRemovesItAndKeepsTheFit() throws {
        let truth = CompositeModel(
            elements: [nb],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9.8])),
                .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.3, -0.2, 0.1, -0.05, 0.02])),
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, form: .polynomial, coefficients: [-0.4, 0.03],
                        density: .spline(inner: 2.0, weights: [0.2, 0.5, 0.4, 0.2]))),
            ])
        let structures = Array(niobium["Nb_Elastic"]!.prefix(8)) + [niobium["Nb_Surface"]![5], niobium["Nb_AIMD"]![3]]
        let data = try labelled(structures, by: truth)
        let fim = try FisherAnalysis(
            model: truth, data: try PreparedDataset(data, model: truth), weights: FitWeights(), coordinates: .relative)
        XCTAssertLessThan(fim.eigenvalues[0], 1e-10 * fim.largestEigenvalue, "the scale invariance is a zero mode")
        let name = try XCTUnwrap(fim.dominantParameters(ofMode: 0, count: 1).first?.name)
        XCTAssertTrue(name.hasPrefix("embedding."), name)
        // How much of each parameter the zero mode holds (relative coordinates): δ ln w_j = 1 for the four
        // density weights, δ ln a_k = −k, so w_j and a_1 hold 1/9 each, a_2 4/9, every other parameter nothing.
        // Their σ over the determined modes stays finite; the strict σ is infinite.
        let ninth = 1.0 / 9
        var expected: [String: Double] = ["embedding.a1": ninth, "embedding.a2": 4 * ninth]
        for j in 0..<4 { expected["embedding.density.w\(j)"] = ninth }
        for (k, parameter) in fim.parameterNames.enumerated() {
            XCTAssertEqual(fim.undeterminedWeights[k], expected[parameter] ?? 0, accuracy: 1e-6, parameter)
            XCTAssertTrue(fim.determinedStandardErrors()[k].isFinite, parameter)
            XCTAssertEqual(fim.standardErrors[k].isInfinite, expected[parameter] != nil, parameter)
        }

        let fixed = try Reconfiguration.fix(parameter: name).apply(to: truth)
        XCTAssertEqual(fixed.fixed, [name])
        XCTAssertEqual(fixed.freeParameterCount, truth.parameterCount - 1)
        let after = try FisherAnalysis(
            model: fixed, data: try PreparedDataset(data, model: fixed), weights: FitWeights(), coordinates: .relative)
        XCTAssertEqual(after.parameterCount, truth.parameterCount - 1)
        XCTAssertFalse(after.parameterNames.contains(name))
        // The exact zero mode (λ ≈ 1e-17 λ_max) is gone; by interlacing, what remains is the next mode.
        XCTAssertLessThan(abs(fim.eigenvalues[0]), 1e-14 * fim.largestEigenvalue)
        XCTAssertGreaterThan(after.eigenvalues[0], 1e-12 * after.largestEigenvalue, "no zero mode left")
        XCTAssertLessThanOrEqual(after.eigenvalues[0], fim.eigenvalues[1] * (1 + 1e-6))

        // Training from a perturbed start leaves the fixed parameter alone and still reaches the truth.
        var start = fixed
        let index = fixed.parameterNames.firstIndex(of: name)!
        start.naturalParameters = fixed.naturalParameters.enumerated().map { k, v in
            k == index ? v : v * (1 + 0.1 * sin(Double(k) + 1))
        }
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 100
        let trained = try trainer.train(start, data: data).model
        XCTAssertEqual(trained.naturalParameters[index], fixed.naturalParameters[index])
        XCTAssertEqual(trained.fixed, [name])
        let report = EvaluationReport(model: trained, data: try PreparedDataset(data, model: trained))
        XCTAssertLessThan(report.overall.forceRMSE, 1e-5)
        XCTAssertLessThan(report.overall.energyRMSE, 1e-6)

        // Structural changes of the term free its parameters again; bad names are clear errors.
        let resized = try Reconfiguration.reshape(term: "embedding", change: .resize(3)).apply(to: fixed)
        XCTAssertNil(resized.fixed)
        XCTAssertThrowsError(try Reconfiguration.fix(parameter: "embedding.nothing").apply(to: truth))
        XCTAssertThrowsError(try Reconfiguration.fix(parameter: name).apply(to: fixed), "already fixed")
        var bad = truth
        bad.fixed = ["pair.c99"]
        XCTAssertTrue(mosaicError { try bad.validate() }?.description.contains("pair.c99") ?? false)
    }
}

/// Two identical embedding terms leave a plane of directions the data do not fix at all (two eigenvalues within
/// round-off of zero); which eigenvectors span it is round-off's choice, so the loop fixes the plane's first pivot
/// (`FisherAnalysis.sloppiestParameters`): the first
/// term's A (each of the four parameters has half its direction in the plane; ties go to the lower index), and
/// proposes no fuse.
final class UndeterminedSubspaceTests: XCTestCase {
    func testTheSloppiestModeChangeIsTheSubspacePivot() throws {
        let model = duplicatedEmbeddingModel()
        let structures = Array(niobium["Nb_Elastic"]!.prefix(6)) + [niobium["Nb_Surface"]![5], niobium["Nb_AIMD"]![3]]
        let data = try labelled(structures, by: model)
        let fim = try FisherAnalysis(
            model: model, data: try PreparedDataset(data, model: model), weights: FitWeights(), coordinates: .relative)
        XCTAssertEqual(fim.undeterminedModes.count, 2)
        XCTAssertEqual(
            Reconfiguration.sloppiestModeChanges(model, fim: fim).map(\.description), ["fix 'embedding.A'"])
    }
}

/// Fusing two parameters whose difference is an exact zero mode: two identical radial channels of a
/// three-body term (radial shapes held fixed) see the data only through c0_0 + c1_0.
final class FusedParameterTests: XCTestCase {
    let nb = Element(symbol: "Nb")!

    func testFusingTheTwoParametersOfADifferenceModeRemovesItAndKeepsTheFit() throws {
        let channel = RadialFunction.gaussian(center: 2.9, width: 0.5)
        let truth = CompositeModel(
            elements: [nb],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9.8])),
                .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.3, -0.2, 0.1, -0.05, 0.02])),
                .threeBody(
                    ThreeBodyTerm(
                        cutoff: 3.9, width: 1.0, order: 0, channels: [channel, channel], coefficients: [[0.07], [0.03]])
                ),
            ], fixed: ["angular.g0.center", "angular.g0.width", "angular.g1.center", "angular.g1.width"])
        let structures = Array(niobium["Nb_Elastic"]!.prefix(8)) + [niobium["Nb_Surface"]![5], niobium["Nb_AIMD"]![3]]
        let data = try labelled(structures, by: truth)
        let prepared = try PreparedDataset(data, model: truth)
        let fim = try FisherAnalysis(model: truth, data: prepared, weights: FitWeights(), coordinates: .fit)
        XCTAssertLessThan(fim.eigenvalues[0], 1e-10 * fim.largestEigenvalue, "c0_0 − c1_0 is a zero mode")
        XCTAssertGreaterThan(fim.eigenvalues[1], 1e-10 * fim.largestEigenvalue, "only one")

        // The sloppiest mode proposes fixing its dominant parameter and fusing the pair.
        let changes = Reconfiguration.sloppiestModeChanges(truth, fim: fim)
        let fuse = Reconfiguration.fuse(parameters: ["angular.c0_0", "angular.c1_0"])
        XCTAssertTrue(changes.contains(fuse), changes.map(\.description).joined(separator: "; "))
        let fused = try fuse.apply(to: truth)
        XCTAssertEqual(fused.fused, [["angular.c0_0", "angular.c1_0"]])
        XCTAssertEqual(fused.freeParameterCount, truth.freeParameterCount - 1)
        XCTAssertEqual(fused.fittedParameterGroups.count, fused.freeParameterCount)
        XCTAssertTrue(fused.describedParameterCount.contains("2 fused into 1"), fused.describedParameterCount)
        // Both take the mean, 0.05: the same sum, so the same predictions.
        let index = fused.parameterNames.firstIndex(of: "angular.c0_0")!
        let follower = fused.parameterNames.firstIndex(of: "angular.c1_0")!
        XCTAssertEqual(fused.naturalParameters[index], 0.05, accuracy: 1e-15)
        XCTAssertEqual(fused.naturalParameters[follower], 0.05, accuracy: 1e-15)
        for s in data.structures {
            XCTAssertEqual(try fused.predict(s).energy, s.energy!, accuracy: 1e-10 * abs(s.energy!))
        }

        // The fused coordinate's FIM is GᵀFG, G summing the two columns: the zero mode is gone.
        let after = try FisherAnalysis(model: fused, data: prepared, weights: FitWeights(), coordinates: .fit)
        XCTAssertEqual(after.parameterCount, fim.parameterCount - 1)
        let p = fim.parameterCount
        let q = after.parameterCount
        let column = fim.parameterIndices.indices.firstIndex { fim.parameterIndices[$0] == index }!
        let merged = fim.parameterIndices.indices.firstIndex { fim.parameterIndices[$0] == follower }!
        func sum(_ i: Int) -> [Int] { i == column ? [column, merged] : [i] }
        let kept = (0..<p).filter { $0 != merged }
        for (a, i) in kept.enumerated() {
            for (b, j) in kept.enumerated() {
                let expected = sum(i).reduce(0.0) { total, x in sum(j).reduce(total) { $0 + fim.matrix[x * p + $1] } }
                XCTAssertEqual(
                    after.matrix[a * q + b], expected, accuracy: 1e-9 * max(1, abs(expected)), "FIM[\(a)][\(b)]")
            }
        }
        XCTAssertGreaterThan(after.eigenvalues[0], 1e-12 * after.largestEigenvalue, "no zero mode left")

        // Training from a perturbed start moves the fused pair together and reaches the truth.
        var start = fused
        var theta = fused.internalParameters
        for k in theta.indices where k != follower && fused.freeParameterIndices.contains(k) {
            theta[k] *= 1 + 0.1 * sin(Double(k) + 1)
        }
        theta[follower] = theta[index]
        start.internalParameters = theta
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 100
        let trained = try trainer.train(start, data: data).model
        XCTAssertEqual(trained.naturalParameters[index], trained.naturalParameters[follower])
        XCTAssertEqual(trained.naturalParameters[index], 0.05, accuracy: 1e-6)
        let report = EvaluationReport(model: trained, data: try PreparedDataset(data, model: trained))
        XCTAssertLessThan(report.overall.forceRMSE, 1e-5)

        // Potential files keep the groups; bad groups are clear errors naming the group.
        let roundTrip = try JSONDecoder().decode(CompositeModel.self, from: try JSONEncoder().encode(trained))
        XCTAssertEqual(roundTrip.fused, trained.fused)
        var unequal = fused
        var values = fused.naturalParameters
        values[follower] = 0.04
        unequal.naturalParameters = values
        XCTAssertTrue(mosaicError { try unequal.validate() }?.description.contains("different values") ?? false)
        var acrossTerms = truth
        acrossTerms.fused = [["pair.c0", "angular.c0_0"]]
        XCTAssertTrue(mosaicError { try acrossTerms.validate() }?.description.contains("one term") ?? false)
        var unknown = truth
        unknown.fused = [["angular.c0_0", "angular.c9_0"]]
        XCTAssertTrue(mosaicError { try unknown.validate() }?.description.contains("angular.c9_0") ?? false)
        XCTAssertThrowsError(try Reconfiguration.fix(parameter: "angular.c1_0").apply(to: fused), "already fused")
        // Reshaping the term frees the pair again.
        XCTAssertNil(try Reconfiguration.reshape(term: "angular", change: .resize(1)).apply(to: fused).fused)
    }
}
