import MosaicCore
import MosaicDesign
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// Block cross-validation of the design loop: each fold's refit equals a fit that never saw the fold,
/// and each fold counts once in the combined errors.
final class CrossValidationTests: XCTestCase {
    let nb = Element(symbol: "Nb")!

    /// Real Nb geometries in three groups, labelled by a model with an embedding (which the fitted pair
    /// model cannot represent) plus energy noise, so that leaving a group out changes the fit.
    func data() throws -> Dataset {
        let truth = pairAndEmbeddingModel(amplitude: 1.2)
        var rng = SeededGenerator(seed: 11)
        let blocks: [(String, [Structure])] = [
            ("strained", Array(niobium["Nb_Elastic"]!.prefix(16))),
            ("slabs", Array(niobium["Nb_Surface"]!.prefix(3))),
            ("md", [niobium["Nb_AIMD"]![10], niobium["Nb_AIMD"]![90], niobium["Nb_AIMD"]![170]]),
        ]
        var structures: [Structure] = []
        for (group, geometries) in blocks {
            for g in geometries {
                var s = g
                let p = try truth.predict(s)
                s.energy = p.energy + Double(s.count) * Double.random(in: -0.004...0.004, using: &rng)
                s.forces = p.forceVectors
                s.stress = p.stress(volume: s.volume)
                s.group = group
                structures.append(s)
            }
        }
        return Dataset(structures)
    }

    func everyGroup(_ data: Dataset) -> [Fold] { data.groups.sorted().map { Fold(name: $0, patterns: [$0]) } }

    var pairModel: CompositeModel {
        CompositeModel(
            elements: [nb],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9.5])),
                .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, size: 6)),
            ])
    }

    /// A model with non-linear parameters: Born–Mayer amplitude and range, the embedding's density decay.
    var nonlinearModel: CompositeModel {
        CompositeModel(
            elements: [nb],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9.5])),
                .bornMayer(BornMayerTerm(cutoff: 3.8, r0: 2.5, amplitude: 0.6, rho: 0.32)),
                .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, size: 6)),
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, width: 1.2, form: .sqrt, coefficients: [0.8],
                        density: .exponential(beta: 2.0, r0: 2.86))),
            ])
    }

    /// Fits `nonlinearModel` with the default weights.
    var nonlinearTrainer: Trainer {
        var trainer = Trainer(weights: FitWeights())
        trainer.settings.maxIterations = 300
        return trainer
    }

    /// For a model linear in its parameters, the warm-started fold refit (a few LM steps from the fit
    /// on all data) gives the same fold errors as a fit from scratch without the fold.
    func testFoldRefitEqualsAFitThatNeverSawTheFold() throws {
        let data = try data()
        var weights = FitWeights()
        weights.ridge = 0
        var trainer = Trainer(weights: weights)
        trainer.staged = false
        trainer.settings.maxIterations = 200
        let full = try trainer.train(pairModel, data: data).model
        let folds = everyGroup(data)
        XCTAssertEqual(folds.map(\.name), ["md", "slabs", "strained"])
        let results = CrossValidation(folds: folds, weights: weights, iterations: 6)
            .evaluate(full, data: try PreparedDataset(data, model: full))
        for (fold, result) in zip(folds, results) {
            let (kept, left) = try data.split(holdingOut: fold.patterns)
            let alone = try trainer.train(pairModel, data: kept).model
            let direct = EvaluationReport(model: alone, data: try PreparedDataset(left, model: alone)).overall
            XCTAssertEqual(result.errors.structures, left.structures.count)
            XCTAssertEqual(result.errors.energyRMSE, direct.energyRMSE, accuracy: 1e-5 * direct.energyRMSE, fold.name)
            XCTAssertEqual(
                result.errors.energyMeanError ?? .nan, direct.energyMeanError ?? .nan,
                accuracy: 1e-5 * direct.energyRMSE, fold.name)
            if fold.name == "strained" {
                // Forces zero by symmetry: no force error rather than a perfect one.
                XCTAssertEqual(result.errors.forceComponents, 0)
                XCTAssertTrue(result.errors.forceRMSE.isNaN)
            } else {
                XCTAssertEqual(result.errors.forceRMSE, direct.forceRMSE, accuracy: 1e-5 * direct.forceRMSE, fold.name)
            }
            // Leaving the fold out must matter (otherwise the test proves nothing).
            let fullOnFold = EvaluationReport(model: full, data: try PreparedDataset(left, model: full)).overall
            XCTAssertGreaterThan(abs(fullOnFold.energyRMSE - direct.energyRMSE), 1e-3 * direct.energyRMSE, fold.name)
        }
    }

    /// A model with non-linear parameters (Born–Mayer amplitude and range, density decay): each fold's
    /// refit moves (the full Gauss–Newton step overshoots at first, and damping must grow before a step
    /// is accepted), lowers the cost of the kept data and changes the fold's errors. It stays in the
    /// candidate's basin: a fresh staged fit without the fold may find a lower minimum, but the refit
    /// recovers at least 75% of the fresh fit's gain on the kept data (printed).
    func testFoldRefitOfANonLinearModelMoves() throws {
        let data = try data()
        let model = nonlinearModel
        let weights = FitWeights()
        let trainer = nonlinearTrainer
        let full = try trainer.train(model, data: data).model
        let prepared = try PreparedDataset(data, model: full)
        let validation = CrossValidation(folds: everyGroup(data), weights: weights, iterations: 6)
        for fold in validation.folds {
            let (refitted, steps) = validation.refit(full, without: fold, data: prepared)
            XCTAssertGreaterThan(steps, 0, fold.name)
            let kept = prepared.subset { !fold.contains($0) }
            let problem = LeastSquaresProblem(model: full, data: kept, weights: weights)
            let (keptData, _) = try data.split(holdingOut: fold.patterns)
            let fresh = try trainer.train(model, data: keptData).model
            let freshCost = problem.cost(fresh.internalParameters)
            let fullCost = problem.cost(full.internalParameters)
            let refitCost = problem.cost(refitted.internalParameters)
            XCTAssertLessThan(refitCost, fullCost * 0.999, fold.name)
            // The share of a fresh fit's gain on the kept data that the warm refit recovers (README: 81–100%).
            XCTAssertGreaterThan((fullCost - refitCost) / (fullCost - freshCost), 0.75, fold.name)
            let left = prepared.subset { fold.contains($0) }
            XCTAssertNotEqual(
                EvaluationReport(model: refitted, data: left).overall.energyRMSE,
                EvaluationReport(model: full, data: left).overall.energyRMSE, fold.name)
            print(
                "fold \(fold.name): kept-data cost \(fullCost) (fit on all) → \(refitCost) (\(steps) steps);"
                    + " fresh fit without the fold \(freshCost)")
        }
    }

    /// Each fold counts once whatever its size; folds without a label are skipped; the bias is the
    /// RMS of the folds' mean signed errors.
    func testCombinedErrorsCountEachFoldOnce() {
        var big = ErrorMetrics()
        big.structures = 100
        big.energyRMSE = 0.003
        big.energyMeanError = -0.003
        big.forceRMSE = 0.2
        big.forceComponents = 3000
        big.stressRMSE = 1
        big.stressComponents = 600
        var small = ErrorMetrics()
        small.structures = 2
        small.energyRMSE = 0.001
        small.energyMeanError = 0.0005
        small.forceRMSE = .nan
        small.stressRMSE = 0.5
        small.stressComponents = 12
        let combined = CrossValidation.combined([
            FoldResult(fold: "big", errors: big, steps: 1), FoldResult(fold: "small", errors: small, steps: 1),
        ])
        XCTAssertEqual(combined.structures, 102)
        XCTAssertEqual(combined.energyRMSE, ((9e-6 + 1e-6) / 2).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(combined.energyMeanError ?? .nan, ((9e-6 + 0.25e-6) / 2).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(combined.forceRMSE, 0.2, accuracy: 1e-15)
        XCTAssertEqual(combined.stressRMSE, ((1 + 0.25) / 2).squareRoot(), accuracy: 1e-15)
        // The geometric mean: each fold by its relative size; the bias by its magnitude.
        let geometric = CrossValidation.combined(
            [FoldResult(fold: "big", errors: big, steps: 1), FoldResult(fold: "small", errors: small, steps: 1)],
            mean: .geometric)
        XCTAssertEqual(geometric.energyRMSE, (0.003 * 0.001).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(geometric.energyMeanError ?? .nan, (0.003 * 0.0005).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(geometric.forceRMSE, 0.2, accuracy: 1e-15)
        XCTAssertEqual(geometric.stressRMSE, 0.5.squareRoot(), accuracy: 1e-15)
    }

    /// The loop scores a candidate by its folds: the record's validation errors are the combined fold
    /// errors, one result per fold.
    func testDesignLoopScoresOnFolds() throws {
        let data = try data()
        var settings = DesignSettings()
        settings.maxCandidates = 1
        settings.useProperties = false
        settings.folds = everyGroup(data)
        let loop = try DesignLoop(
            settings: settings, train: data, validation: Dataset([]), elastic: [], surfaces: [], statePath: nil)
        let state = try loop.run(library: pairModel)
        let record = try XCTUnwrap(state.candidates.first)
        let folds = try XCTUnwrap(record.folds)
        XCTAssertEqual(folds.map(\.fold), ["md", "slabs", "strained"])
        XCTAssertEqual(record.validation, CrossValidation.combined(folds))
    }
}

extension CrossValidationTests {
    /// On real data with the shipped architecture (non-linear Born–Mayer, embedding density and 3-body
    /// channels), first converged on a subset of the AIMD blocks, every fold's refit changes the fold's
    /// errors: a refit whose first Gauss–Newton step overshoots must not stall at the full fit.
    func testEveryFoldMovesOnRealDataWithTheShippedArchitecture() throws {
        let file = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")
        let weights = try XCTUnwrap(file.lossWeights)
        let frames = niobium["Nb_AIMD"]!.enumerated().filter { $0.offset % 5 == 0 }.map(\.element)
        let data = Dataset(frames + Array(niobium["Nb_Elastic"]!.prefix(20)))
        var trainer = Trainer(weights: weights)
        trainer.staged = false
        trainer.settings.maxIterations = 60
        let converged = try trainer.train(file.model, data: data).model
        let prepared = try PreparedDataset(data, model: converged)
        let validation = CrossValidation(
            folds: CrossValidation.defaultFolds(for: data), weights: weights, iterations: 3)
        XCTAssertEqual(validation.folds.count, 5)
        for (fold, result) in zip(validation.folds, validation.evaluate(converged, data: prepared)) {
            let left = prepared.subset { fold.contains($0) }
            let before = EvaluationReport(model: converged, data: left).overall
            XCTAssertGreaterThan(result.steps, 0, fold.name)
            XCTAssertGreaterThan(
                abs(result.errors.energyRMSE - before.energyRMSE), 0.01 * before.energyRMSE,
                "\(fold.name): the refit must move (\(before.energyRMSE) → \(result.errors.energyRMSE))")
        }
    }

    /// A fold refit moves when a parameter the data hardly determine sits at the edge of its admissible range (as
    /// an alloy candidate's Ta density decay did, at 2.7e-8 per Å): the refit holds it there and moves the others.
    /// Refusing every step that would take it out (what every fold refit did before 28 Nov 2026 and every other fit
    /// before 6 Dec 2026, shown here from the same start) makes the damping climb until the steps move nothing: the
    /// fold's errors stay the fit's.
    func testFoldRefitMovesWhenAParameterSitsAtTheEdgeOfItsRange() throws {
        let data = try data()
        let weights = FitWeights()
        var full = try nonlinearTrainer.train(nonlinearModel, data: data).model
        // Its density decay at 1.5e-8 per Å, a factor 1.5 inside its range: a density the data cannot tell from flat.
        let beta = try XCTUnwrap(full.parameterNames.firstIndex(of: "embedding.density.beta"))
        var values = full.naturalParameters
        values[beta] = 1.5e-8
        full.naturalParameters = values
        let prepared = try PreparedDataset(data, model: full)
        let validation = CrossValidation(folds: everyGroup(data), weights: weights, iterations: 6)
        for fold in validation.folds {
            let (refitted, steps) = validation.refit(full, without: fold, data: prepared)
            XCTAssertEqual(steps, 6, fold.name)
            let kept = prepared.subset { !fold.contains($0) }
            let problem = LeastSquaresProblem(model: full, data: kept, weights: weights)
            let start = problem.cost(full.internalParameters)
            XCTAssertLessThan(problem.cost(refitted.internalParameters), 0.999 * start, fold.name)
            XCTAssertGreaterThanOrEqual(refitted.naturalParameters[beta], 1e-8 * (1 - 1e-12), fold.name)
            // The same first run refusing such steps: no step that lowers the kept data's cost by 0.1%.
            var settings = LevenbergMarquardt.Settings()
            settings.initialDamping = 1e-10
            settings.maxAcceptedSteps = 6
            settings.maxIterations = 120
            settings.holdParametersAtTheEdge = false
            let refused = LevenbergMarquardt(settings: settings).minimize(problem, from: full.internalParameters)
            XCTAssertGreaterThan(refused.cost, 0.999 * start, fold.name)
        }
    }

    /// Default folds of elemental AIMD blocks plus a binary solid-solution set: each AIMD block alone, the
    /// strained cells in no fold, and the Nb–Mo cells in three folds of whole compositions (by the Mo
    /// fraction), relaxed and unrelaxed cells of one composition always together.
    func testAlloyCellsFoldByWholeCompositions() throws {
        let binary = try MVLReader.read(path: repositoryRoot + "/data/binaries/NbMo_SS.json")
        let data = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Elastic"]! + binary)
        let folds = CrossValidation.defaultFolds(for: data)
        XCTAssertEqual(
            folds.filter { $0.composition == nil }.map(\.name).sorted(),
            niobium["Nb_AIMD"]!.map(\.group).uniqued().sorted())
        let compositionFolds = folds.filter { $0.composition != nil }
        XCTAssertEqual(compositionFolds.count, 3, folds.map(\.name).joined(separator: "; "))
        XCTAssertTrue(compositionFolds.allSatisfy { $0.composition?.element == "Mo" })
        var foldOfComposition: [Int: Int] = [:]
        for s in binary {
            let owners = folds.indices.filter { folds[$0].contains(s) }
            XCTAssertEqual(owners.count, 1, "every Nb–Mo cell in exactly one fold")
            let mo = s.elements.filter { $0.symbol == "Mo" }.count
            if let owner = owners.first {
                XCTAssertEqual(foldOfComposition[mo, default: owner], owner, "composition \(mo)/16 split across folds")
                foldOfComposition[mo] = owner
            }
        }
        XCTAssertEqual(Set(foldOfComposition.values).count, 3)
        XCTAssertFalse(niobium["Nb_Elastic"]!.contains { s in folds.contains { $0.contains(s) } })
    }
}

extension Array where Element: Hashable {
    /// The distinct elements in first-seen order.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }

}

extension CrossValidationTests {
    /// A fold of several patterns is named in the candidate lines by its first and how many more.
    func testFoldSummaryShortensFoldsOfSeveralPatterns() {
        var errors = ErrorMetrics()
        errors.energyRMSE = 0.0024
        errors.energyMeanError = 0.002
        errors.forceRMSE = 0.096
        errors.forceComponents = 10
        let folds = [
            FoldResult(
                fold: "Nb_AIMD/Md/300K,Mo_AIMD/Md/300K,Ta_AIMD/Md/300K,W_AIMD/Md/300K", errors: errors, steps: 6),
            FoldResult(fold: "Nb_Surface", errors: errors, steps: 6),
        ]
        XCTAssertEqual(
            DesignLoop.foldSummary(folds), "Nb_AIMD/Md/300K +3 2.4 +2.0 0.096 | Nb_Surface 2.4 +2.0 0.096")
    }
}
