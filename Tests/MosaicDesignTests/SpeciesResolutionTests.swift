import MosaicCore
import MosaicDesign
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// Species resolution of pair terms: one shared coefficient set or one per element pair.
final class SpeciesResolutionTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let mo = Element(symbol: "Mo")!

    /// Cells mixing Nb and Mo: AIMD frames with every third atom Mo, and random triclinic cells.
    func mixedCells() -> [Structure] {
        var cells: [Structure] = []
        for (k, frame) in [10, 70, 130, 190].enumerated() {
            var s = niobium["Nb_AIMD"]![frame]
            for i in stride(from: k % 3, to: s.count, by: 3) { s.elements[i] = mo }
            cells.append(s)
        }
        for seed in 1...4 {
            var s = randomTriclinic(atoms: 8, seed: UInt64(seed), scale: 6)
            for i in stride(from: 0, to: s.count, by: 2) { s.elements[i] = mo }
            cells.append(s)
        }
        return cells
    }

    func model(_ pair: PairSplineTerm, elements: [Element]? = nil) -> CompositeModel {
        CompositeModel(
            elements: elements ?? [nb, mo],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -10.1, "Mo": -10.9])),
                .bornMayer(BornMayerTerm(cutoff: 3.8, r0: 2.5, amplitude: 0.6, rho: 0.32)), .pairSpline(pair),
            ])
    }

    var shared: PairSplineTerm { PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.3, -0.2, 0.1, -0.05, 0.02]) }

    /// Splitting a shared term leaves every prediction unchanged; fusing the split gives it back.
    func testSplitKeepsPredictionsAndFuseInverts() throws {
        let before = model(shared)
        let split = try Reconfiguration.reshape(term: "pair", change: .splitBySpecies(elements: [nb, mo])).apply(
            to: before)
        let term = try XCTUnwrap(split.terms[2].as(PairSplineTerm.self))
        XCTAssertEqual(Set(term.pairs?.keys.map { $0 } ?? []), ["Mo-Mo", "Mo-Nb", "Nb-Nb"])
        XCTAssertEqual(split.freeParameterCount, before.freeParameterCount + 2 * 5)
        XCTAssertTrue(split.parameterNames.contains("pair.Mo-Nb.c3"))
        for s in mixedCells() {
            let a = try before.predict(s)
            let b = try split.predict(s)
            XCTAssertEqual(a.energy, b.energy, accuracy: 1e-12 * abs(a.energy), s.source)
            for i in 0..<s.count { XCTAssertLessThan(norm(a.forceVectors[i] - b.forceVectors[i]), 1e-12) }
        }
        let fused = try Reconfiguration.reshape(term: "pair", change: .fuseSpecies).apply(to: split)
        XCTAssertNil(fused.terms[2].as(PairSplineTerm.self)?.pairs)
        XCTAssertEqual(fused.parameterNames, before.parameterNames)
        for (a, b) in zip(fused.naturalParameters, before.naturalParameters) {
            XCTAssertEqual(a, b, accuracy: 1e-15 * max(1, abs(b)), "the mean of equal blocks")
        }
    }

    /// The order of the elements in the model file does not matter: pairs are keyed by name.
    func testElementOrderInTheModelDoesNotChangePredictions() throws {
        let perPair = PairSplineTerm(
            inner: 2.0, cutoff: 5.0, coefficients: [],
            pairs: [
                "Nb-Nb": [0.3, -0.2, 0.1, -0.05, 0.02], "Mo-Nb": [0.1, 0.2, -0.1, 0.05, 0.0],
                "Mo-Mo": [0.5, 0, 0, 0.1, 0],
            ])
        let a = model(perPair, elements: [nb, mo])
        let b = model(perPair, elements: [mo, nb])
        XCTAssertNotEqual(a.parameterNames, b.parameterNames, "the parameter order follows the element order")
        XCTAssertEqual(Set(a.parameterNames), Set(b.parameterNames))
        for s in mixedCells() {
            let pa = try a.predict(s)
            let pb = try b.predict(s)
            XCTAssertEqual(pa.energy, pb.energy, accuracy: 1e-12 * abs(pa.energy), s.source)
            for i in 0..<s.count { XCTAssertLessThan(norm(pa.forceVectors[i] - pb.forceVectors[i]), 1e-12) }
        }
    }

    /// Each pair of elements uses its own coefficients: isolated dimers against the spline sum done here.
    func testDimersUseTheirPairsCoefficients() throws {
        let pairs = [
            "Nb-Nb": [0.3, -0.2, 0.1, -0.05, 0.02], "Mo-Nb": [0.1, 0.2, -0.1, 0.05, 0.0], "Mo-Mo": [0.5, 0, 0, 0.1, 0],
        ]
        let term = PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [], pairs: pairs)
        let only = CompositeModel(elements: [nb, mo], terms: [.pairSpline(term)])
        let basis = CubicBSplineBasis(inner: 2.0, cutoff: 5.0, size: 5)
        for (a, b) in [(nb, nb), (nb, mo), (mo, nb), (mo, mo)] {
            for r in [2.3, 2.9, 3.6, 4.4] {
                let dimer = Structure(
                    cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                    elements: [a, b])
                var expected = 0.0
                basis.forEachNonZero(r) { k, value, _ in expected += pairs[pairKey(a, b)]![k] * value }
                XCTAssertEqual(try only.predict(dimer).energy, expected, accuracy: 1e-13, "\(a)-\(b) at \(r) Å")
            }
        }
    }

    /// Born–Mayer per pair: splitting keeps predictions, each dimer follows its own A and ρ, and fusing
    /// takes geometric means.
    func testBornMayerPerPair() throws {
        let before = model(shared)
        let split = try Reconfiguration.reshape(term: "repulsion", change: .splitBySpecies(elements: [nb, mo])).apply(
            to: before)
        XCTAssertTrue(split.parameterNames.contains("repulsion.Mo-Nb.rho"))
        for s in mixedCells() {
            XCTAssertEqual(try split.predict(s).energy, try before.predict(s).energy, accuracy: 1e-12 * 600)
        }
        let pairs: [String: BornMayerTerm.Pair] = [
            "Nb-Nb": .init(amplitude: 0.6, rho: 0.32), "Mo-Nb": .init(amplitude: 0.9, rho: 0.28),
            "Mo-Mo": .init(amplitude: 1.2, rho: 0.25),
        ]
        let term = BornMayerTerm(cutoff: 3.8, width: 1.0, r0: 2.5, amplitude: 0, rho: 0, pairs: pairs)
        let only = CompositeModel(elements: [nb, mo], terms: [.bornMayer(term)])
        let fc = SmoothCutoff(cutoff: 3.8, width: 1.0)
        for (a, b) in [(nb, nb), (mo, nb), (mo, mo)] {
            for r in [2.2, 2.8, 3.3] {
                let dimer = Structure(
                    cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                    elements: [a, b])
                let pair = pairs[pairKey(a, b)]!
                let expected = pair.amplitude * exp(-(r - 2.5) / pair.rho) * fc(r).0
                XCTAssertEqual(try only.predict(dimer).energy, expected, accuracy: 1e-13, "\(a)-\(b) at \(r) Å")
            }
        }
        let fused = try XCTUnwrap(try term.applying(.fuseSpecies).pairs == nil ? term.applying(.fuseSpecies) : nil)
        XCTAssertEqual(fused.amplitude, pow(0.6 * 0.9 * 1.2, 1.0 / 3), accuracy: 1e-14)
        XCTAssertEqual(fused.rho, pow(0.32 * 0.28 * 0.25, 1.0 / 3), accuracy: 1e-14)
    }

    /// EAM/alloy embedding: a dimer A–B has E = F_A(f_B(r)) + F_B(f_A(r)), computed here by hand; the
    /// split from a shared embedding keeps predictions, and fusing gives the shared one back.
    func testEmbeddingPerElement() throws {
        func entry(_ a: Double, _ beta: Double) -> EmbeddingTerm.Species {
            EmbeddingTerm.Species(coefficients: [a], density: .exponential(beta: beta, r0: 2.8))
        }
        let term = EmbeddingTerm(
            cutoff: 5.0, width: 1.0, form: .sqrt, coefficients: [], density: .exponential(beta: 1, r0: 2.8),
            species: ["Nb": entry(1.6, 3.0), "Mo": entry(2.1, 4.2)])
        let only = CompositeModel(elements: [nb, mo], terms: [.embedding(term)])
        let fc = SmoothCutoff(cutoff: 5.0, width: 1.0)
        func f(_ beta: Double, _ r: Double) -> Double { exp(-beta * (r / 2.8 - 1)) * fc(r).0 }
        func F(_ a: Double, _ rho: Double) -> Double { -a * ((rho + 1e-4).squareRoot() - 1e-2) }
        let parameters = ["Nb": (1.6, 3.0), "Mo": (2.1, 4.2)]
        for (a, b) in [(nb, nb), (nb, mo), (mo, mo)] {
            for r in [2.4, 3.0, 4.3] {
                let dimer = Structure(
                    cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                    elements: [a, b])
                let pa = parameters[a.symbol]!
                let pb = parameters[b.symbol]!
                let expected = F(pa.0, f(pb.1, r)) + F(pb.0, f(pa.1, r))
                XCTAssertEqual(try only.predict(dimer).energy, expected, accuracy: 1e-13, "\(a)-\(b) at \(r) Å")
            }
        }
        let shared = CompositeModel(
            elements: [nb, mo],
            terms: [
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, width: 1.0, form: .sqrt, coefficients: [1.8, 0.01],
                        density: .exponential(beta: 3.3, r0: 2.8)))
            ])
        let split = try Reconfiguration.reshape(term: "embedding", change: .splitBySpecies(elements: [nb, mo])).apply(
            to: shared)
        XCTAssertTrue(split.parameterNames.contains("embedding.Mo.density.beta"))
        for s in mixedCells() {
            XCTAssertEqual(try split.predict(s).energy, try shared.predict(s).energy, accuracy: 1e-12 * 100, s.source)
        }
        let fused = try Reconfiguration.reshape(term: "embedding", change: .fuseSpecies).apply(to: split)
        for (x, y) in zip(fused.naturalParameters, shared.naturalParameters) {
            XCTAssertEqual(x, y, accuracy: 1e-14 * max(1, abs(y)))
        }
    }

    /// Three-body coefficients per centre element: on a mixed cell every atom's energy equals that of
    /// the shared term with its own element's rows; the split keeps predictions.
    func testThreeBodyCoefficientsPerCentreElement() throws {
        let channels: [RadialFunction] = [.gaussian(center: 2.86, width: 0.45), .exponential(beta: 1.5, r0: 3.0)]
        let rows = [
            "Nb": [[0.12, -0.08, 0.15], [-0.05, 0.11, -0.02]], "Mo": [[0.3, 0.1, -0.2], [0.02, -0.04, 0.09]],
        ]
        let perElement = CompositeModel(
            elements: [nb, mo],
            terms: [
                .threeBody(ThreeBodyTerm(cutoff: 4.1, width: 1.1, order: 2, channels: channels, species: rows))
            ])
        func shared(_ symbol: String) -> CompositeModel {
            CompositeModel(
                elements: [nb, mo],
                terms: [
                    .threeBody(
                        ThreeBodyTerm(cutoff: 4.1, width: 1.1, order: 2, channels: channels, coefficients: rows[symbol])
                    )
                ])
        }
        for s in mixedCells() {
            let resolved = try perElement.predict(s).atomEnergies
            let asNb = try shared("Nb").predict(s).atomEnergies
            let asMo = try shared("Mo").predict(s).atomEnergies
            for i in 0..<s.count {
                let expected = s.elements[i] == nb ? asNb[i] : asMo[i]
                XCTAssertEqual(resolved[i], expected, accuracy: 1e-13, "\(s.source) atom \(i)")
            }
        }
        let split = try Reconfiguration.reshape(term: "angular", change: .splitBySpecies(elements: [nb, mo])).apply(
            to: shared("Mo"))
        XCTAssertTrue(split.parameterNames.contains("angular.Nb.c1_2"))
        for s in mixedCells() {
            XCTAssertEqual(try split.predict(s).energy, try shared("Mo").predict(s).energy, accuracy: 1e-12, s.source)
        }
    }

    /// Three-body channels weighted per neighbour element: E_i = Σ_{j<k} w_j w_k g g h, so with w_Nb = 1 the
    /// energy is exactly quadratic in w_Mo (third difference zero), w = 1 is the shared channel, and in pure Nb only
    /// Nb's weight acts (the labels are right: w_Nb = 2 quadruples the three-body energy); the split keeps
    /// predictions; data made with Mo weighted 1.6 are recovered from a shared start (the weights' ratio, up to the
    /// common scale the coefficients absorb), which one shared channel cannot fit.
    func testThreeBodyChannelsWeightedPerNeighbourElement() throws {
        let channel: [RadialFunction] = [.gaussian(center: 2.86, width: 0.45)]
        func model(_ neighbours: [String: [Double]]?, rows: [[Double]] = [[0.12, -0.08, 0.15]]) -> CompositeModel {
            CompositeModel(
                elements: [nb, mo],
                terms: [
                    .reference(ReferenceEnergyTerm(energies: ["Nb": -10.1, "Mo": -10.9])),
                    .bornMayer(BornMayerTerm(cutoff: 3.8, r0: 2.5, amplitude: 0.6, rho: 0.32)),
                    .threeBody(
                        ThreeBodyTerm(
                            cutoff: 4.1, width: 1.1, order: 2, channels: channel, coefficients: rows,
                            neighbours: neighbours)),
                ])
        }
        for s in mixedCells() {
            let e = try [1.0, 2.0, 3.0].map { try model(["Nb": [1], "Mo": [$0]]).predict(s).energy }
            let e4 = try model(["Nb": [1], "Mo": [4]]).predict(s).energy
            XCTAssertEqual(e4 - 3 * e[2] + 3 * e[1] - e[0], 0, accuracy: 1e-9, "E is quadratic in w: \(s.source)")
            let shared = try model(nil).predict(s).energy
            XCTAssertEqual(e[0], shared, accuracy: 1e-12, "weights of 1 are the shared channel")
        }
        // The labels: in pure Nb only Nb's weight acts (w² scales the energy), Mo's none.
        let pure = niobium["Nb_AIMD"]![30]
        let base = try model(nil).predict(pure).energy - (try model(nil, rows: [[0, 0, 0]]).predict(pure).energy)
        let moWeighted = try model(["Nb": [1], "Mo": [2]]).predict(pure).energy
        let nbWeighted = try model(["Nb": [2], "Mo": [1]]).predict(pure).energy
        XCTAssertEqual(moWeighted, try model(nil).predict(pure).energy, accuracy: 1e-10)
        XCTAssertEqual(nbWeighted - moWeighted, 3 * base, accuracy: 1e-9 * abs(base))
        XCTAssertGreaterThan(abs(base), 1e-3)
        let start = model(nil)
        let split = try Reconfiguration.reshape(term: "angular", change: .weighNeighbours(elements: [nb, mo])).apply(
            to: start)
        XCTAssertEqual(split.parameterCount, start.parameterCount + 2)
        XCTAssertTrue(split.parameterNames.contains("angular.Mo.w0"))
        for s in mixedCells() {
            XCTAssertEqual(try split.predict(s).energy, try start.predict(s).energy, accuracy: 1e-12, s.source)
        }
        let truth = model(["Nb": [1.0], "Mo": [1.6]])
        let data = try labelled(mixedCells(), by: truth)
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights.ridge = 0
        trainer.settings.maxIterations = 80
        let prepared = try PreparedDataset(data, model: truth)
        let sharedFit = try trainer.train(start, data: data).model
        let weightedFit = try trainer.train(split, data: data).model
        let sharedError = EvaluationReport(model: sharedFit, data: prepared).overall.forceRMSE
        let weightedError = EvaluationReport(model: weightedFit, data: prepared).overall.forceRMSE
        XCTAssertGreaterThan(sharedError, 0.01, "one weight for both species cannot fit Mo weighted 1.6")
        XCTAssertLessThan(weightedError, 1e-4)
        let weights = try XCTUnwrap(weightedFit.terms[2].as(ThreeBodyTerm.self)?.neighbours)
        XCTAssertEqual(weights["Mo"]![0] / weights["Nb"]![0], 1.6, accuracy: 1e-3)
        let back = try Reconfiguration.reshape(term: "angular", change: .unweighNeighbours).apply(to: weightedFit)
        XCTAssertNil(back.terms[2].as(ThreeBodyTerm.self)?.neighbours)
        XCTAssertEqual(back.parameterCount, start.parameterCount)
    }

    func testPairsMustCoverEveryElementPair() {
        let missing = PairSplineTerm(
            inner: 2.0, cutoff: 5.0, coefficients: [], pairs: ["Nb-Nb": [0.1, 0.2], "Nb-Mo": [0.1, 0.2]])
        let error = mosaicError { try self.model(missing).validate() }
        XCTAssertTrue(
            error?.description.contains("missing [Mo-Mo, Mo-Nb], unknown [Nb-Mo]") ?? false,
            error?.description ?? "no error")
    }

    /// Data made by a per-pair pair potential: a shared pair term cannot fit it; split by species and
    /// retrained, it recovers the generating coefficients.
    func testSplitRecoversPerPairTruth() throws {
        let truthPair = PairSplineTerm(
            inner: 2.0, cutoff: 5.0, coefficients: [],
            pairs: [
                "Nb-Nb": [0.30, -0.20, 0.10, -0.05, 0.02], "Mo-Nb": [0.10, 0.05, -0.15, 0.08, -0.03],
                "Mo-Mo": [0.45, -0.30, 0.20, 0.00, 0.04],
            ])
        let truth = model(truthPair)
        let data = try labelled(mixedCells(), by: truth)
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 60
        let start = model(shared)
        let sharedFit = try trainer.train(start, data: data).model
        let split = try Reconfiguration.reshape(term: "pair", change: .splitBySpecies(elements: [nb, mo])).apply(
            to: sharedFit)
        let splitFit = try trainer.train(split, data: data).model
        let prepared = try PreparedDataset(data, model: truth)
        let sharedError = EvaluationReport(model: sharedFit, data: prepared).overall.forceRMSE
        let splitError = EvaluationReport(model: splitFit, data: prepared).overall.forceRMSE
        XCTAssertGreaterThan(sharedError, 0.05, "one shared pair function cannot fit three different pairs")
        XCTAssertLessThan(splitError, 1e-4)
        let fitted = try XCTUnwrap(splitFit.terms[2].as(PairSplineTerm.self)?.pairs)
        for (key, values) in truthPair.pairs! {
            for (a, b) in zip(fitted[key] ?? [], values) { XCTAssertEqual(a, b, accuracy: 1e-3, key) }
        }
    }

    /// The Fisher evidence of the split names what the data distinguish: data from a per-pair truth whose
    /// Nb–Nb and Mo–Mo functions differ while Mo–Nb is exactly their mean, with noisy forces. Fitted per pair,
    /// Nb–Nb and Mo–Mo sit far from the mean of the three blocks in units of their σ; Mo–Nb, the mean, sits
    /// within noise of it (fusable).
    func testSpeciesEvidenceSeparatesDistinctPairsFromTheMean() throws {
        let nbnb = [0.30, -0.20, 0.10, -0.05, 0.02]
        let momo = [0.60, -0.45, 0.25, 0.04, 0.07]
        let truthPair = PairSplineTerm(
            inner: 2.0, cutoff: 5.0, coefficients: [],
            pairs: ["Nb-Nb": nbnb, "Mo-Mo": momo, "Mo-Nb": zip(nbnb, momo).map { 0.5 * ($0 + $1) }])
        let noisy = try noisyForces(by: model(truthPair))
        let trainer = unregularisedTrainer
        let fitted = try trainer.train(model(truthPair), data: noisy).model
        let fim = try FisherAnalysis(
            model: fitted, data: try PreparedDataset(noisy, model: fitted), weights: trainer.weights)
        let evidence = try SpeciesEvidence.compute(fim)
        let z = Dictionary(uniqueKeysWithValues: evidence.map { ($0.block, $0.z) })
        XCTAssertEqual(Set(evidence.map(\.term)), ["pair"], "the shared Born–Mayer has no blocks")
        XCTAssertEqual(evidence.map(\.parameters), [5, 5, 5])
        XCTAssertGreaterThan(try XCTUnwrap(z["Nb-Nb"]), 10)
        XCTAssertGreaterThan(try XCTUnwrap(z["Mo-Mo"]), 10)
        XCTAssertLessThan(try XCTUnwrap(z["Mo-Nb"]), 2.5, "the mean block is not told apart")
        print(SpeciesEvidence.table(evidence))
    }

    /// `mixedCells()` labelled by `truth`, with Gaussian noise of 0.01 eV/Å on every force component and no stress.
    func noisyForces(by truth: CompositeModel) throws -> Dataset {
        var state: UInt64 = 12345
        func gaussian() -> Double {
            func uniform() -> Double {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (Double(state >> 11) + 0.5) / Double(1 << 53)
            }
            return (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        }
        return Dataset(
            try labelled(mixedCells(), by: truth).structures.map { s in
                var s = s
                s.forces = s.forces!.map { $0 + Vec3(gaussian(), gaussian(), gaussian()) * 0.01 }
                s.stress = nil
                return s
            })
    }

    var unregularisedTrainer: Trainer {
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights.ridge = 0
        trainer.settings.maxIterations = 60
        return trainer
    }

    /// Per-pair fuse: data from a truth whose Mo–Nb function equals Nb–Nb while Mo–Mo differs. Fitted per pair,
    /// the Fisher evidence puts Mo–Nb and Nb–Nb within noise of each other and Mo–Mo far from both; the design
    /// loop's fuse proposal names exactly that pair; fused and refitted, the model keeps its error with five
    /// parameters fewer, where fusing the distinct pair (Nb–Nb = Mo–Mo) cannot fit the data. A second fuse
    /// overlapping the first merges into one group per parameter.
    func testFuseBlocksJoinsThePairsTheDataCannotTellApart() throws {
        let nbnb = [0.30, -0.20, 0.10, -0.05, 0.02]
        let momo = [0.60, -0.45, 0.25, 0.04, 0.07]
        let truthPair = PairSplineTerm(
            inner: 2.0, cutoff: 5.0, coefficients: [], pairs: ["Nb-Nb": nbnb, "Mo-Mo": momo, "Mo-Nb": nbnb])
        let noisy = try noisyForces(by: model(truthPair))
        let trainer = unregularisedTrainer
        let fitted = try trainer.train(model(truthPair), data: noisy).model
        let prepared = try PreparedDataset(noisy, model: fitted)
        let fim = try FisherAnalysis(model: fitted, data: prepared, weights: trainer.weights)
        let pairs = try SpeciesEvidence.pairs(fim)
        print(SpeciesEvidence.pairsTable(pairs))
        XCTAssertEqual(pairs.count, 3)
        let z = Dictionary(uniqueKeysWithValues: pairs.map { (Set($0.blocks), $0.z) })
        XCTAssertLessThan(try XCTUnwrap(z[["Mo-Nb", "Nb-Nb"]]), 2.5, "equal functions are not told apart")
        XCTAssertGreaterThan(try XCTUnwrap(z[["Mo-Mo", "Nb-Nb"]]), 10)
        XCTAssertGreaterThan(try XCTUnwrap(z[["Mo-Mo", "Mo-Nb"]]), 10)

        let proposals = try Reconfiguration.blockFuseChanges(fitted, fim: fim)
        XCTAssertEqual(proposals.count, 1)
        guard case .fuseBlocks(let term, let blocks) = try XCTUnwrap(proposals.first) else {
            return XCTFail("expected a block fuse, got \(proposals)")
        }
        XCTAssertEqual(term, "pair")
        XCTAssertEqual(Set(blocks), ["Mo-Nb", "Nb-Nb"])

        let error = { (m: CompositeModel) in EvaluationReport(model: m, data: prepared).overall.forceRMSE }
        let fused = try proposals[0].apply(to: fitted)
        XCTAssertEqual(fused.freeParameterCount, fitted.freeParameterCount - 5)
        XCTAssertEqual(fused.fused?.count, 5)
        let fusedFit = try trainer.train(fused, data: noisy).model
        let pairTerm = try XCTUnwrap(fusedFit.terms[2].as(PairSplineTerm.self)?.pairs)
        XCTAssertEqual(pairTerm["Mo-Nb"], pairTerm["Nb-Nb"], "fused blocks share their values")
        for (a, b) in zip(pairTerm["Nb-Nb"]!, nbnb) { XCTAssertEqual(a, b, accuracy: 5e-3) }
        XCTAssertLessThan(error(fusedFit), 1.01 * error(fitted), "the fuse costs nothing the data can see")
        let wrongFuse = try Reconfiguration.fuseBlocks(term: "pair", blocks: ["Nb-Nb", "Mo-Mo"]).apply(to: fitted)
        XCTAssertGreaterThan(error(try trainer.train(wrongFuse, data: noisy).model), 3 * error(fitted))

        // Fused blocks have z = 0 and are not proposed again; an overlapping fuse merges the groups.
        let fusedPairs = try SpeciesEvidence.pairs(
            try FisherAnalysis(model: fusedFit, data: prepared, weights: trainer.weights))
        XCTAssertEqual(fusedPairs.first { Set($0.blocks) == ["Mo-Nb", "Nb-Nb"] }?.z, 0)
        let all = try Reconfiguration.fuseBlocks(term: "pair", blocks: ["Mo-Nb", "Mo-Mo"]).apply(to: fusedFit)
        XCTAssertEqual(all.fused?.map(\.count), [3, 3, 3, 3, 3])
        XCTAssertEqual(all.freeParameterCount, fitted.freeParameterCount - 10)
        XCTAssertThrowsError(
            try Reconfiguration.fuseBlocks(term: "pair", blocks: ["Nb-Nb", "Ta-Ta"]).apply(to: fitted))
    }

    /// The design loop fuses chemistry the data do not resolve: started from a per-pair model on data whose Mo–Nb
    /// function equals Nb–Nb, it proposes fusing exactly those two blocks and keeps the fuse (fewer parameters,
    /// validation error within noise), while Mo–Mo stays its own.
    func testDesignLoopFusesBlocksTheDataCannotTellApart() throws {
        let nbnb = [0.30, -0.20, 0.10, -0.05, 0.02]
        let momo = [0.60, -0.45, 0.25, 0.04, 0.07]
        let truth = model(
            PairSplineTerm(
                inner: 2.0, cutoff: 5.0, coefficients: [], pairs: ["Nb-Nb": nbnb, "Mo-Mo": momo, "Mo-Nb": nbnb]))
        let train = try noisyForces(by: truth)
        let zero = [Double](repeating: 0, count: 5)
        let library = model(
            PairSplineTerm(
                inner: 2.0, cutoff: 5.0, coefficients: [], pairs: ["Nb-Nb": zero, "Mo-Mo": zero, "Mo-Nb": zero]))
        let state = try designRun(from: library, truth: truth, train: train, candidates: 6)
        let fuses = state.candidates.filter { $0.change.hasPrefix("fuse blocks") }
        XCTAssertFalse(fuses.isEmpty, state.candidates.map(\.change).joined(separator: "; "))
        XCTAssertTrue(fuses.allSatisfy { $0.change.contains("Nb-Nb") && $0.change.contains("Mo-Nb") }, fuses[0].change)
        let best = try XCTUnwrap(state.candidates.first { $0.id == state.best })
        let groups = try XCTUnwrap(best.model.fused, "the chosen model keeps the fuse: \(best.change)")
        XCTAssertEqual(
            Set(groups.map { Set($0) }), Set((0..<5).map { Set(["pair.Nb-Nb.c\($0)", "pair.Mo-Nb.c\($0)"]) }))
        XCTAssertLessThan(best.validation.forceRMSE, 0.01)
    }

    /// The design loop recovers the species resolution of the data: from a library whose pair spline is shared,
    /// on data made by three different pair functions, it splits the spline by element pair, keeps the split and
    /// ends near the generating functions.
    func testDesignLoopSplitsWhatTheDataResolve() throws {
        let (truth, train, library) = try threePairFunctions()
        let state = try designRun(from: library, truth: truth, train: train, candidates: 5)
        let best = try XCTUnwrap(state.candidates.first { $0.id == state.best })
        let pairs = try XCTUnwrap(
            best.model.terms.first { $0.name == "pair" }?.as(PairSplineTerm.self)?.pairs, "chosen: \(best.change)")
        XCTAssertLessThan(best.validation.forceRMSE, 0.01)
        let truthPairs = try XCTUnwrap(truth.terms.first { $0.name == "pair" }?.as(PairSplineTerm.self)?.pairs)
        for (key, values) in truthPairs {
            for (a, b) in zip(pairs[key] ?? [], values) { XCTAssertEqual(a, b, accuracy: 0.02, key) }
        }
    }

    /// Data made by three different pair functions (Nb–Nb, Mo–Nb, Mo–Mo) and a library sharing one pair spline.
    func threePairFunctions() throws -> (truth: CompositeModel, train: Dataset, library: CompositeModel) {
        let truthPairs = [
            "Nb-Nb": [0.30, -0.20, 0.10, -0.05, 0.02], "Mo-Nb": [0.10, 0.05, -0.15, 0.08, -0.03],
            "Mo-Mo": [0.45, -0.30, 0.20, 0.00, 0.04],
        ]
        let truth = model(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [], pairs: truthPairs))
        return (truth, try noisyForces(by: truth), model(PairSplineTerm(inner: 2.0, cutoff: 5.0, size: 5)))
    }

    /// `--skip-change split-species`: on the same data as the test above, whose loop splits the pair spline first,
    /// the loop never proposes a split and explores other changes instead; the kind is named as the user types it.
    func testSkippedKindsAreNeverProposed() throws {
        let (truth, train, library) = try threePairFunctions()
        let kind = try XCTUnwrap(Reconfiguration.Kind(rawValue: "split-species"))
        let state = try designRun(from: library, truth: truth, train: train, candidates: 4, skipping: [kind])
        XCTAssertEqual(state.candidates.count, 4)
        XCTAssertFalse(state.candidates.contains { $0.change.contains("split") })
        XCTAssertEqual(state.settings.skippedChanges, [.splitSpecies])
        XCTAssertNil(Reconfiguration.Kind(rawValue: "split"))
        XCTAssertEqual(
            Reconfiguration.reshape(term: "pair", change: .splitBySpecies(elements: [nb, mo])).kind, .splitSpecies)
        XCTAssertEqual(Reconfiguration.reshape(term: "pair", change: .remove).kind, .removeTerm)
    }

    /// `--demote-after 2`: a change (by description) counts as refused once it has scored worse than its parent
    /// twice (a score that is not finite is worse; an equal one is not); refused changes are proposed after all the
    /// others, which keep their order.
    func testRefusedChangesAreProposedLast() throws {
        let history = [
            DesignLoop.Step(id: 0, parent: nil, change: "all single terms combined", score: 3.0),
            DesignLoop.Step(id: 1, parent: 0, change: "split 'pair' by species", score: 3.5),
            DesignLoop.Step(id: 2, parent: 0, change: "resize 'pair' to 4", score: 2.5),
            DesignLoop.Step(id: 3, parent: 0, change: "remove 'angular'", score: 3.0),
            DesignLoop.Step(id: 4, parent: 2, change: "split 'pair' by species", score: .infinity),
            DesignLoop.Step(id: 5, parent: 2, change: "resize 'pair' to 4", score: 2.6),
            DesignLoop.Step(id: 6, parent: 2, change: "remove 'angular'", score: 2.5),
        ]
        XCTAssertEqual(DesignLoop.refused(history, times: 2), ["split 'pair' by species"])
        XCTAssertEqual(
            DesignLoop.refused(history, times: 1), ["split 'pair' by species", "resize 'pair' to 4"])
        XCTAssertEqual(DesignLoop.refused(Array(history.prefix(4)), times: 2), [])

        let (_, train, library) = try threePairFunctions()
        var settings = DesignSettings()
        settings.budgetParameters = 30
        settings.useProperties = false
        let loop = try DesignLoop(
            settings: settings, train: train, validation: train, elastic: [], surfaces: [], statePath: nil)
        let plain = try loop.proposals(for: library, of: 0).map(\.description)
        XCTAssertGreaterThanOrEqual(plain.count, 3)
        let first = plain[0]
        let demoted = try loop.proposals(for: library, of: 0, demoted: [first, "not proposed here"]).map(\.description)
        XCTAssertEqual(demoted, Array(plain.dropFirst()) + [first])
    }

    /// A small design run (no properties, no ridge) from `library` on `train`, validated on three random mixed
    /// cells labelled by `truth`; prints every candidate.
    func designRun(
        from library: CompositeModel, truth: CompositeModel, train: Dataset, candidates: Int,
        skipping: [Reconfiguration.Kind]? = nil
    ) throws -> DesignState {
        let validation = try labelled(
            (5...7).map { seed in
                var s = randomTriclinic(atoms: 8, seed: UInt64(seed), scale: 6)
                for i in stride(from: 0, to: s.count, by: 2) { s.elements[i] = mo }
                return s
            }, by: truth)
        var settings = DesignSettings()
        settings.budgetParameters = 30
        settings.maxCandidates = candidates
        settings.trainingIterations = 60
        settings.useProperties = false
        settings.weights.ridge = 0
        settings.skippedChanges = skipping
        let loop = try DesignLoop(
            settings: settings, train: train, validation: validation, elastic: [], surfaces: [], statePath: nil)
        let state = try loop.run(library: library)
        for c in state.candidates { print("#\(c.id) \(c.change): \(c.parameters) params, score \(c.score)") }
        return state
    }
}
