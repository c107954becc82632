import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

final class TrainingTests: XCTestCase {
    /// A small composite with a non-linear parameter in every kind of term.
    func truthModel() -> CompositeModel {
        CompositeModel(
            elements: [Element(symbol: "Nb")!],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9.8])),
                .bornMayer(BornMayerTerm(cutoff: 3.8, r0: 2.5, amplitude: 0.6, rho: 0.32)),
                .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.3, -0.2, 0.1, -0.05, 0.02])),
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, width: 1.2, form: .sqrt, coefficients: [1.6],
                        density: .exponential(beta: 2.8, r0: 2.86))),
                .threeBody(
                    ThreeBodyTerm(
                        cutoff: 3.9, width: 1.0, order: 2, channels: [.gaussian(center: 2.9, width: 0.5)],
                        coefficients: [[0.05, -0.1, 0.08]])),
            ])
    }

    /// Real geometries (strained cells, a surface, an AIMD frame) and random cells, labelled by `model`.
    func syntheticData(_ model: CompositeModel, forceNoise: Double = 0, seed: UInt64 = 1) throws -> Dataset {
        var rng = SeededGenerator(seed: seed)
        let geometries =
            Array(niobium["Nb_Elastic"]!.prefix(12)) + [niobium["Nb_Surface"]![5], niobium["Nb_AIMD"]![100]]
            + [randomTriclinic(atoms: 6, seed: 4, scale: 5.5), randomTriclinic(atoms: 6, seed: 5, scale: 5.5)]
        return Dataset(
            try geometries.map { g in
                var s = g
                let p = try model.predict(s)
                s.energy = p.energy
                s.forces = p.forceVectors.map { f in
                    f + Vec3(gaussian(&rng), gaussian(&rng), gaussian(&rng)) * forceNoise
                }
                s.stress = p.stress(volume: s.volume)
                return s
            })
    }

    func gaussian(_ rng: inout SeededGenerator) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let v = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    func perturbed(_ model: CompositeModel) -> CompositeModel {
        var start = model
        var rng = SeededGenerator(seed: 99)
        start.naturalParameters = zip(model.naturalParameters, model.transforms).map { value, transform in
            transform == .log
                ? value * Double.random(in: 0.85...1.15, using: &rng)
                : value + Double.random(in: -0.03...0.03, using: &rng)
        }
        return start
    }

    func testRecoversParametersFromNoiseFreeData() throws {
        let truth = truthModel()
        let data = try syntheticData(truth)
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights.ridge = 0  // exact recovery: no regularisation
        trainer.settings.maxIterations = 200
        trainer.settings.relativeCostTolerance = 1e-14
        let result = try trainer.train(perturbed(truth), data: data)
        let fitted = result.model.naturalParameters
        for (name, (got, want)) in zip(truth.parameterNames, zip(fitted, truth.naturalParameters)) {
            XCTAssertEqual(got, want, accuracy: 1e-5 * max(1, abs(want)), name)
        }
        XCTAssertLessThan(result.stages.last!.finalCost, 1e-12)
        // The cost never goes up on accepted steps.
        for (a, b) in zip(result.unifiedCostHistory, result.unifiedCostHistory.dropFirst()) {
            XCTAssertLessThanOrEqual(b, a)
        }
    }

    func testNoisyForcesAreFittedToTheNoiseLevel() throws {
        let truth = truthModel()
        let noise = 0.02
        let data = try syntheticData(truth, forceNoise: noise, seed: 5)
        var trainer = Trainer()
        // The default loss gives the 16 exact energies as much weight as the ~400 noisy force rows: a
        // stiffer problem than row-by-row weighting (170 unified iterations here, against under 80).
        trainer.settings.maxIterations = 250
        let result = try trainer.train(perturbed(truth), data: data)
        let prepared = try PreparedDataset(data, model: result.model)
        let report = EvaluationReport(model: result.model, data: prepared)
        // Residual force error ≈ noise (a little below: the fit absorbs some of it).
        XCTAssertEqual(report.overall.forceRMSE, noise, accuracy: 0.25 * noise)
        // Against the noise-free truth the fitted model is better than the noise.
        let clean = try syntheticData(truth)
        let truthReport = EvaluationReport(model: result.model, data: try PreparedDataset(clean, model: result.model))
        XCTAssertLessThan(truthReport.overall.forceRMSE, 0.5 * noise)
        XCTAssertGreaterThan(result.stages.count, 1, "single-term stages ran")
    }

    func testGeodesicAccelerationAlsoConverges() throws {
        let truth = truthModel()
        let data = try syntheticData(truth)
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights.ridge = 0
        trainer.settings.geodesicAcceleration = true
        trainer.settings.maxIterations = 200
        trainer.settings.relativeCostTolerance = 1e-14
        let result = try trainer.train(perturbed(truth), data: data)
        XCTAssertLessThan(result.stages.last!.finalCost, 1e-10)
    }

    /// The geodesic correction from the Jacobian rows the normal equations kept equals, bit for bit, the one that
    /// evaluates the Jacobian again; at another θ the kept rows are not used.
    func testGeodesicCorrectionFromKeptRowsIsTheRecomputedOne() throws {
        let truth = truthModel()
        let start = perturbed(truth)
        let prepared = try PreparedDataset(try syntheticData(truth), model: start)
        let keeping = LeastSquaresProblem(model: start, data: prepared, weights: FitWeights())
        let fresh = LeastSquaresProblem(model: start, data: prepared, weights: FitWeights())
        let theta = start.internalParameters
        let step = keeping.free.indices.map { 0.01 * sin(Double($0) + 1) }
        XCTAssertFalse(keeping.keepsRows(at: theta))
        let (a, g, cost) = keeping.normalEquations(theta, keepRows: true)
        XCTAssertTrue(keeping.keepsRows(at: theta))
        let plain = fresh.normalEquations(theta)
        XCTAssertEqual(a, plain.a)
        XCTAssertEqual(g, plain.g)
        XCTAssertEqual(cost, plain.cost)
        XCTAssertFalse(fresh.keepsRows(at: theta))
        let kept = keeping.directionalSecondDerivative(theta, step: step, h: 0.1)
        let recomputed = fresh.directionalSecondDerivative(theta, step: step, h: 0.1)
        XCTAssertEqual(kept, recomputed)
        XCTAssertGreaterThan(kept.map(abs).max() ?? 0, 0)
        let elsewhere = keeping.fullParameters(zip(keeping.free, step).map { theta[$0] + $1 }, base: theta)
        XCTAssertFalse(keeping.keepsRows(at: elsewhere))
        XCTAssertEqual(
            keeping.directionalSecondDerivative(elsewhere, step: step, h: 0.1),
            fresh.directionalSecondDerivative(elsewhere, step: step, h: 0.1))
        XCTAssertNotEqual(keeping.directionalSecondDerivative(elsewhere, step: step, h: 0.1), kept)
    }

    /// A moment-tensor term added with all its coefficients zero (its radial parameters then have no effect at the
    /// start: a zero Jacobian column) is recovered exactly by one unified run.
    func testTermStartingFromZeroCoefficientsIsFittedWithoutStages() throws {
        var truth = truthModel()
        let invariants = ["0(0)", "11(0,0)", "22(0,0)", "112(0,0,0)", "222(0,0,0)"].map {
            MomentInvariant(parsing: $0)!
        }
        truth.terms.append(
            .momentTensor(
                MomentTensorTerm(
                    cutoff: 4.4, channels: [.gaussian(center: 2.9, width: 0.6)], invariants: invariants,
                    coefficients: [0.02, 0.05, -0.04, 0.01, -0.008])))
        let data = try syntheticData(truth)
        var start = truth
        start.terms[5] = .momentTensor(
            MomentTensorTerm(cutoff: 4.4, channels: [.gaussian(center: 2.8, width: 0.5)], invariants: invariants))
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 300
        trainer.weights.ridge = 0
        trainer.settings.relativeCostTolerance = 1e-14
        let result = try trainer.train(start, data: data)
        let first = try XCTUnwrap(result.unifiedCostHistory.first)
        XCTAssertLessThan(result.stages.last!.finalCost, 1e-12 * first)
        for (name, (got, want)) in zip(
            truth.parameterNames, zip(result.model.naturalParameters, truth.naturalParameters))
        {
            XCTAssertEqual(got, want, accuracy: 1e-5 * max(1, abs(want)), name)
        }
    }

    /// The same on the real niobium data, where it failed before 6 Dec 2026: the shipped model with its three-body
    /// term replaced by a moment-tensor term whose coefficients start at zero. The first step ran the new channels'
    /// widths to e^(1e8) (their Jacobian columns were zero, so they were scaled by 1e-12 and nothing damped them) and
    /// every later step was refused at cost 1.1e10; now three steps lower the cost below 1e-2 of where it started.
    func testZeroColumnsDoNotStallAFitOnRealData() throws {
        var model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        model.terms.removeAll { $0.is(ThreeBodyTerm.self) }
        model.terms.insert(
            .momentTensor(
                MomentTensorTerm(
                    cutoff: 4.5, channels: [.gaussian(center: 2.86, width: 0.5), .gaussian(center: 3.3, width: 0.5)],
                    invariants: MomentInvariant.catalogue(channelCount: 2, bodyOrders: 2...4, maxRank: 3))),
            at: model.terms.count - 1)
        let data = Dataset(niobium.values.flatMap { $0 }.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 3
        trainer.settings.holdParametersAtTheEdge = false
        let result = try trainer.train(model, data: data)
        let first = try XCTUnwrap(result.unifiedCostHistory.first)
        XCTAssertLessThan(try XCTUnwrap(result.unifiedCostHistory.last), 1e-2 * first)
    }

    /// With a constraint the fit stays inside it (steps out are rejected): the √ amplitude, 1.6 in the truth,
    /// held at or below 1.45 from a start of 1.3, ends on that bound; a constraint the start breaks is ignored.
    func testConstrainedFitStaysInside() throws {
        let truth = truthModel()
        let data = try syntheticData(truth)
        let amplitude = try XCTUnwrap(truth.parameterNames.firstIndex(of: "embedding.A"))
        var start = perturbed(truth)
        var natural = start.naturalParameters
        natural[amplitude] = 1.3
        start.naturalParameters = natural
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights.ridge = 0
        trainer.settings.maxIterations = 150
        let free = try trainer.train(start, data: data)
        XCTAssertEqual(free.model.naturalParameters[amplitude], 1.6, accuracy: 1e-3)
        trainer.constraint = ModelConstraint { $0.naturalParameters[amplitude] <= 1.45 }
        let held = try trainer.train(start, data: data)
        XCTAssertTrue(held.constrained)
        XCTAssertFalse(free.constrained)
        let value = held.model.naturalParameters[amplitude]
        XCTAssertLessThanOrEqual(value, 1.45)
        XCTAssertGreaterThan(value, 1.4, "the fit presses against the bound")
        XCTAssertGreaterThan(held.stages.last!.finalCost, 100 * free.stages.last!.finalCost)
        XCTAssertLessThan(held.stages.last!.finalCost, held.stages.last!.initialCost)
        trainer.constraint = ModelConstraint { $0.naturalParameters[amplitude] <= 1.2 }
        let broken = try trainer.train(start, data: data)
        XCTAssertEqual(broken.model.naturalParameters[amplitude], 1.6, accuracy: 1e-3)
        XCTAssertFalse(broken.constrained)
    }

    /// A constraint that measures its slack lets the fit slide along it: the √ amplitude plus the first pair-spline
    /// coefficient (1.9 in the truth) held at or below 1.75. The refusing fit (no slack) can only shrink its steps
    /// where they cross the plane and stops short of the constrained optimum; the bending one ends on the plane
    /// with a lower cost.
    func testConstraintWithSlackBendsStepsAlongIt() throws {
        let truth = truthModel()
        let data = try syntheticData(truth)
        let amplitude = try XCTUnwrap(truth.parameterNames.firstIndex(of: "embedding.A"))
        let coefficient = try XCTUnwrap(truth.parameterNames.firstIndex { $0.hasSuffix(".c0") && $0.contains("pair") })
        var start = perturbed(truth)
        var natural = start.naturalParameters
        natural[amplitude] = 1.3
        natural[coefficient] = 0.2
        start.naturalParameters = natural
        let bound = 1.75
        let sum = { (model: CompositeModel) in model.naturalParameters[amplitude] + model.naturalParameters[coefficient]
        }
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights.ridge = 0
        trainer.settings.maxIterations = 400
        trainer.constraint = ModelConstraint { sum($0) <= bound }
        let refused = try trainer.train(start, data: data)
        trainer.constraint = ModelConstraint(
            failing: { sum($0) <= bound ? [] : ["sum"] }, slack: { _, model in bound - sum(model) })
        let bent = try trainer.train(start, data: data)
        XCTAssertTrue(bent.constrained)
        XCTAssertLessThanOrEqual(sum(bent.model), bound)
        XCTAssertLessThanOrEqual(sum(refused.model), bound)
        XCTAssertGreaterThan(sum(bent.model), bound - 1e-4, "it ends on the plane")
        // Measured 28 Nov 2026: 0.58002 against the refusing fit's 0.58347, which stops where its steps shrink.
        XCTAssertLessThan(bent.stages.last!.finalCost, 0.999 * refused.stages.last!.finalCost)
    }

    /// Same data and model description: byte-identical potential files.
    func testFitsAreReproducibleBitForBit() throws {
        let truth = truthModel()
        let data = try syntheticData(truth, forceNoise: 0.05, seed: 8)
        var trainer = Trainer()
        trainer.settings.maxIterations = 15
        func bytes() throws -> Data {
            let model = try trainer.train(perturbed(truth), data: data).model
            return try PotentialFile(model: model, provenance: .string("reproducibility test")).encoded()
        }
        let first = try bytes()
        let second = try bytes()
        XCTAssertEqual(first, second)
        XCTAssertGreaterThan(first.count, 1000)
    }

    /// The metrics a fit reports are what evaluating the written potential gives.
    func testEvaluationOfWrittenPotentialReproducesReportedMetrics() throws {
        let truth = truthModel()
        let data = try syntheticData(truth, forceNoise: 0.05, seed: 9)
        var trainer = Trainer()
        trainer.settings.maxIterations = 10
        let model = try trainer.train(perturbed(truth), data: data).model
        let reported = EvaluationReport(model: model, data: try PreparedDataset(data, model: model))
        let path = temporaryFile("", name: "reported.json")
        try PotentialFile(model: model, provenance: try JSONValue.from(["training": reported])).write(to: path)
        let file = try PotentialFile.read(path: path)
        let again = EvaluationReport(model: file.model, data: try PreparedDataset(data, model: file.model))
        XCTAssertEqual(again.overall, reported.overall)
        XCTAssertEqual(file.provenance["training"], try JSONValue.from(again))
    }
}

final class AdmissibilityTests: XCTestCase {
    /// Steps that push a positive scale to overflow are not admissible (LM rejects them).
    func testNonPhysicalScalesAreNotAdmissible() throws {
        let model = CompositeModel(
            elements: [Element(symbol: "Nb")!],
            terms: [
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, form: .polynomial, coefficients: [0.1], density: .gaussian(center: 3.0, width: 1.0)
                    ))
            ])
        let data = try PreparedDataset(Dataset([niobium["Nb_Elastic"]![0]]), model: model)
        let problem = LeastSquaresProblem(model: model, data: data, weights: FitWeights())
        var theta = model.internalParameters
        XCTAssertTrue(problem.isAdmissible(theta))
        theta[2] += 900  // width → e^900 Å
        XCTAssertFalse(problem.isAdmissible(theta))
        theta[2] = .nan
        XCTAssertFalse(problem.isAdmissible(theta))
    }
}

extension TrainingTests {
    /// With balancing, cost = ½ (R/K) Σ_kinds (RMSE/tolerance)² (no ridge), the RMSEs computed by the
    /// metrics (a separate code path), and the row-by-row cost is the plain sum of squares.
    func testBalancedCostIsTheSumOfScaledSquaredRMSEs() throws {
        let model = truthModel()
        var structures = Array(niobium["Nb_Elastic"]!.prefix(5)) + [niobium["Nb_AIMD"]![30], niobium["Nb_AIMD"]![150]]
        structures.append(niobium["Nb_Surface"]![2])
        let data = Dataset(structures)
        let prepared = try PreparedDataset(data, model: model)
        var weights = FitWeights()
        weights.ridge = 0
        weights.energyTolerance = 0.003
        weights.forceTolerance = 0.2
        weights.stressTolerance = 0.7
        XCTAssertEqual(weights.balanceKinds, true, "balancing is the default")
        let m = EvaluationReport(model: model, data: prepared).overall
        let rows = data.structures.map { ResidualRows($0).count }.reduce(0, +)
        XCTAssertEqual(rows, m.structures + m.forceComponents + m.stressComponents)
        let balanced = LeastSquaresProblem(model: model, data: prepared, weights: weights)
        let energyTerm: Double = pow(m.energyRMSE / 0.003, 2)
        let forceTerm: Double = pow(m.forceRMSE / 0.2, 2)
        let stressTerm: Double = pow(m.stressRMSE / 0.7, 2)
        let expected = 0.5 * Double(rows) / 3 * (energyTerm + forceTerm + stressTerm)
        XCTAssertEqual(balanced.cost(model.internalParameters), expected, accuracy: 1e-10 * expected)
        // Energy-only multipliers (what --energy-target raises) scale the energy term alone.
        var energyWeighted = weights
        energyWeighted.energyGroups = ["Nb_Elastic": 2, "Nb_AIMD": 2, "Nb_Surface": 2]
        let raised = 0.5 * Double(rows) / 3 * (4 * energyTerm + forceTerm + stressTerm)
        XCTAssertEqual(
            LeastSquaresProblem(model: model, data: prepared, weights: energyWeighted).cost(model.internalParameters),
            raised, accuracy: 1e-10 * raised)
        weights.balanceKinds = false
        let plain = LeastSquaresProblem(model: model, data: prepared, weights: weights)
        let energyRows = Double(m.structures) * energyTerm
        let forceRows = Double(m.forceComponents) * forceTerm
        let stressRows = Double(m.stressComponents) * stressTerm
        let sum = 0.5 * (energyRows + forceRows + stressRows)
        XCTAssertEqual(plain.cost(model.internalParameters), sum, accuracy: 1e-10 * sum)
        // Files written before the option existed read as row-by-row.
        let old = try JSONDecoder().decode(
            FitWeights.self,
            from: Data(
                #"{"energyTolerance":0.002,"forceTolerance":0.1,"stressTolerance":0.5,"groups":{},"ridge":0}"#.utf8))
        XCTAssertNil(old.balanceKinds)
        XCTAssertNil(old.energyGroups)
    }
}
