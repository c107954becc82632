import Foundation
import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// Does the uncertainty work? Measured on the shipped potential, which never saw the 1000 K AIMD block:
/// rank correlation of σ_E and max γ with the actual errors there, separation of those in-domain frames
/// from the same kind of frames squeezed to 0.8 V0 or stretched to 1.25 V0 (training spans 0.9–1.1 V0),
/// and calibration of σ_E. The numbers are printed for the README; the assertions are the behaviour.
final class UncertaintyValidationTests: XCTestCase {
    let file = try! PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")

    struct Row {
        var maxGrade: Double
        var sigmaEnergyPerAtom: Double
        var energyError: Double
        var forceRMSE: Double
    }

    func rows(_ structures: [Structure]) throws -> [Row] {
        let model = file.model
        let data = try XCTUnwrap(file.uncertainty)
        let evaluator = AtomGradientEvaluator(model: model, coordinates: data.coordinates)
        return try structures.map { s in
            let species = try model.speciesIndices(of: s)
            let list = NeighbourList(s, cutoff: model.cutoff)
            let u = AtomUncertainties(
                gradients: evaluator.gradients(species: species, neighbours: list), symbols: s.elements.map(\.symbol),
                data: data)
            let error = StructureError(s, try model.predict(s))
            return Row(
                maxGrade: u.maximumGrade, sigmaEnergyPerAtom: data.sigma(gradient: u.energyGradient) / Double(s.count),
                energyError: abs(error.energyErrorPerAtom ?? .nan), forceRMSE: error.forceRMSE ?? .nan)
        }
    }

    /// Spearman rank correlation.
    func spearman(_ x: [Double], _ y: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: v.count)
            for (rank, index) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[index] = Double(rank) }
            return r
        }
        let (a, b) = (ranks(x), ranks(y))
        let n = Double(x.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
        let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }
        let vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
        return cov / (va * vb).squareRoot()
    }

    /// ROC AUC of a score separating `positives` (out of domain) from `negatives`: P(score⁺ > score⁻).
    func auc(positives: [Double], negatives: [Double]) -> Double {
        var wins = 0.0
        for p in positives { for n in negatives { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
        return wins / Double(positives.count * negatives.count)
    }

    func scaled(_ s: Structure, volume: Double) -> Structure {
        var t = s.deformed(by: Matrix3.diagonal(Vec3(repeating: Foundation.pow(volume, 1.0 / 3))))
        t.source = s.source + " at \(volume) V"
        return t
    }

    func testGradesSeparateExtrapolationAndSigmaIsReported() throws {
        let aimd = niobium["Nb_AIMD"]!
        let heldOut = aimd.filter { $0.group == "Nb_AIMD/Md/1000K" }
        XCTAssertEqual(heldOut.count, 40)
        let inDomain = try rows(heldOut)
        let squeezed = try rows(heldOut.map { scaled($0, volume: 0.8) })
        let stretched = try rows(heldOut.map { scaled($0, volume: 1.25) })
        let spearmanGradeEnergy = spearman(inDomain.map(\.maxGrade), inDomain.map(\.energyError))
        let spearmanSigmaEnergy = spearman(inDomain.map(\.sigmaEnergyPerAtom), inDomain.map(\.energyError))
        let spearmanGradeForce = spearman(inDomain.map(\.maxGrade), inDomain.map(\.forceRMSE))
        let aucSqueezed = auc(positives: squeezed.map(\.maxGrade), negatives: inDomain.map(\.maxGrade))
        let aucStretched = auc(positives: stretched.map(\.maxGrade), negatives: inDomain.map(\.maxGrade))
        let within1 = inDomain.filter { $0.energyError <= $0.sigmaEnergyPerAtom }.count
        let within2 = inDomain.filter { $0.energyError <= 2 * $0.sigmaEnergyPerAtom }.count
        print(
            String(
                format: "held-out 1000 K block (40 frames): Spearman(max γ, |E err|) %.2f,"
                    + " Spearman(σ_E, |E err|) %.2f, Spearman(max γ, F RMSE) %.2f; max γ in-domain %.3f,"
                    + " at 0.8 V0 %.2f–%.2f, at 1.25 V0 %.2f–%.2f; ROC AUC 0.8 V0 %.3f, 1.25 V0 %.3f;"
                    + " |E err| within 1σ %d/40, within 2σ %d/40",
                spearmanGradeEnergy, spearmanSigmaEnergy, spearmanGradeForce, inDomain.map(\.maxGrade).max()!,
                squeezed.map(\.maxGrade).min()!, squeezed.map(\.maxGrade).max()!, stretched.map(\.maxGrade).min()!,
                stretched.map(\.maxGrade).max()!, aucSqueezed, aucStretched, within1, within2))
        // Behaviour: γ = 1 separates: every held-out frame is inside, every squeezed or stretched one outside.
        XCTAssertLessThan(inDomain.map(\.maxGrade).max()!, 1)
        XCTAssertGreaterThan(squeezed.map(\.maxGrade).min()!, 1)
        XCTAssertGreaterThan(stretched.map(\.maxGrade).min()!, 1)
        XCTAssertEqual(aucSqueezed, 1)
        XCTAssertEqual(aucStretched, 1)
    }

    /// On synthetic truth: σ of a structure's energy shrinks as the training data grow (same model, same
    /// loss), roughly as 1/√N for data of one kind.
    func testSigmaShrinksAsDataGrow() throws {
        let model = file.model
        let pool = niobium["Nb_AIMD"]!.filter { $0.group == "Nb_AIMD/Md/300K" } + niobium["Nb_Elastic"]!
        let probe = niobium["Nb_AIMD"]!.first { $0.group == "Nb_AIMD/Md/1000K" }!
        var sigmas: [Double] = []
        for fraction in [4, 2, 1] {
            let subset = Dataset(pool.enumerated().filter { $0.offset % fraction == 0 }.map(\.element))
            let data = try UncertaintyData.fitted(
                model: model, data: try PreparedDataset(subset, model: model), weights: FitWeights())
            let evaluator = AtomGradientEvaluator(model: model, coordinates: data.coordinates)
            let u = AtomUncertainties(
                gradients: evaluator.gradients(
                    species: try model.speciesIndices(of: probe), neighbours: NeighbourList(probe, cutoff: model.cutoff)
                ),
                symbols: probe.elements.map(\.symbol), data: data)
            sigmas.append(data.sigma(gradient: u.energyGradient))
        }
        print("σ_E of a 1000 K frame with 1/4, 1/2, all of the 300 K + strained data: \(sigmas)")
        XCTAssertGreaterThan(sigmas[0], sigmas[1])
        XCTAssertGreaterThan(sigmas[1], sigmas[2])
    }

    /// A potential trained on the elements alone (Nb and Mo AIMD and strained cells), asked about Nb–Mo
    /// solid-solution cells it never saw: with the pair term shared by all pairs an Nb atom still takes density
    /// from its Mo neighbours through Mo's density function, which no Nb training atom did; with one pair
    /// function per element pair, the Mo–Nb function was never moved by any training atom either. Both must be
    /// flagged against the same elements' held-out 1000 K frames (they are: γ = ∞, a coordinate no training
    /// atom of the element moved).
    func testElementsOnlyPotentialFlagsBinaryCells() throws {
        let nb = Element(symbol: "Nb")!
        let mo = Element(symbol: "Mo")!
        let molybdenum = try MVLReader.read(path: repositoryRoot + "/data/mo/Mo_AIMD.json")
        let elastic = try MVLReader.read(path: repositoryRoot + "/data/mo/Mo_Elastic.json")
        let binary = try MVLReader.read(path: repositoryRoot + "/data/binaries/NbMo_SS.json").enumerated()
            .filter { $0.offset % 8 == 0 }.map(\.element)
        func every(_ k: Int, _ structures: [Structure], _ group: String) -> [Structure] {
            structures.filter { $0.group == group }.enumerated().filter { $0.offset % k == 0 }.map(\.element)
        }
        let training = Dataset(
            every(4, niobium["Nb_AIMD"]!, "Nb_AIMD/Md/300K") + every(4, niobium["Nb_AIMD"]!, "Nb_AIMD/Md/3000K")
                + every(4, molybdenum, "Mo_AIMD/Md/300K") + every(4, molybdenum, "Mo_AIMD/Md/3000K")
                + niobium["Nb_Elastic"]! + elastic)
        let heldOut = every(4, niobium["Nb_AIMD"]!, "Nb_AIMD/Md/1000K") + every(4, molybdenum, "Mo_AIMD/Md/1000K")
        let density = RadialFunction.exponential(beta: 3, r0: 2.8)
        let embedding = EmbeddingTerm(
            cutoff: 5.0, width: 1.5, form: .sqrt, coefficients: [], density: density,
            species: [
                "Nb": .init(coefficients: [2], density: density), "Mo": .init(coefficients: [2], density: density),
            ])
        let shared = PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: Array(repeating: 0, count: 8))
        let perPair = PairSplineTerm(
            inner: 2.0, cutoff: 5.0, coefficients: [],
            pairs: [
                "Mo-Mo": Array(repeating: 0, count: 8), "Mo-Nb": Array(repeating: 0, count: 8),
                "Nb-Nb": Array(repeating: 0, count: 8),
            ])
        // Compositions: 6–10 Nb atoms of 16 held out, the other Nb–Mo cells in training (shared pair term).
        let nbCount = { (s: Structure) in s.elements.filter { $0 == nb }.count }
        let middle = binary.filter { (6...10).contains(nbCount($0)) }
        let outer = try MVLReader.read(path: repositoryRoot + "/data/binaries/NbMo_SS.json").enumerated()
            .filter { $0.offset % 4 == 1 && !(6...10).contains(nbCount($0.element)) }.map(\.element)
        var medians: [String: Double] = [:]
        for (name, pair, extra, probe) in [
            ("shared pair term", shared, [Structure](), binary),
            ("one pair function per element pair", perPair, [], binary),
            ("shared pair term, Nb–Mo cells with ≤ 5 or ≥ 11 Nb in training", shared, outer, middle),
        ] {
            let start = CompositeModel(
                elements: [nb, mo],
                terms: [
                    Term(ReferenceEnergyTerm(energies: ["Nb": -10, "Mo": -10.8])), Term(pair), Term(embedding),
                ])
            var trainer = Trainer()
            trainer.settings.maxIterations = 40
            let trainingSet = Dataset(training.structures + extra)
            let fitted = try trainer.train(start, data: trainingSet).model
            let prepared = try PreparedDataset(trainingSet, model: fitted)
            let data = try UncertaintyData.fitted(model: fitted, data: prepared, weights: trainer.weights)
            let evaluator = AtomGradientEvaluator(model: fitted, coordinates: data.coordinates)
            func maxGrades(_ structures: [Structure]) throws -> [Double] {
                try structures.map { s in
                    AtomUncertainties(
                        gradients: evaluator.gradients(
                            species: try fitted.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: 5.0)),
                        symbols: s.elements.map(\.symbol), data: data
                    ).maximumGrade
                }
            }
            let inDomain = try maxGrades(heldOut)
            let binaryGrades = try maxGrades(probe)
            let errors = try probe.map { abs(StructureError($0, try fitted.predict($0)).energyErrorPerAtom ?? .nan) }
            let separation = auc(positives: binaryGrades, negatives: inDomain)
            let flagged = binaryGrades.filter { $0 > 1 }.count
            medians[name] = binaryGrades.sorted()[binaryGrades.count / 2]
            print(
                String(
                    format: "%@: held-out Nb/Mo 1000 K frames max γ %.2f–%.2f; Nb–Mo cells asked about %.3g–%.3g"
                        + " (median %.3g), %d/%d above 1; ROC AUC %.3f; Spearman(max γ, |E err|) %.2f",
                    name as NSString, inDomain.min()!, inDomain.max()!, binaryGrades.min()!, binaryGrades.max()!,
                    medians[name]!, flagged, binaryGrades.count, separation, spearman(binaryGrades, errors)))
            if extra.isEmpty {
                XCTAssertLessThan(inDomain.max()!, 1, name)
                XCTAssertGreaterThan(binaryGrades.min()!, 1, name)
                XCTAssertEqual(separation, 1, name)
            }
        }
        // Training on neighbouring compositions brings the held-out ones much closer to the data.
        XCTAssertLessThan(
            medians["shared pair term, Nb–Mo cells with ≤ 5 or ≥ 11 Nb in training"]!,
            0.5 * medians["shared pair term"]!)
    }

    /// Surfaces held out: the shipped architecture refitted without the slabs (and without the 1000 K block),
    /// then asked about the 13 slabs: are they flagged against the held-out AIMD frames, and does the grade
    /// rank their errors?
    func testHeldOutSurfaces() throws {
        let model = file.model
        let all = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Elastic"]!)
        let (training, _) = try all.split(holdingOut: ["Nb_AIMD/Md/1000K"])
        var trainer = Trainer()
        trainer.staged = false
        trainer.weights = file.lossWeights ?? FitWeights()
        trainer.settings.maxIterations = 30
        let refitted = try trainer.train(model, data: training).model
        let data = try UncertaintyData.fitted(
            model: refitted, data: try PreparedDataset(training, model: refitted), weights: trainer.weights)
        let evaluator = AtomGradientEvaluator(model: refitted, coordinates: data.coordinates)
        func maxGrades(_ structures: [Structure]) throws -> [Double] {
            try structures.map { s in
                AtomUncertainties(
                    gradients: evaluator.gradients(
                        species: try refitted.speciesIndices(of: s),
                        neighbours: NeighbourList(s, cutoff: refitted.cutoff)),
                    symbols: s.elements.map(\.symbol), data: data
                ).maximumGrade
            }
        }
        let slabs = niobium["Nb_Surface"]!
        let heldOut = niobium["Nb_AIMD"]!.filter { $0.group == "Nb_AIMD/Md/1000K" }
        let slabGrades = try maxGrades(slabs)
        let heldOutGrades = try maxGrades(heldOut)
        let errors = try slabs.map { abs(StructureError($0, try refitted.predict($0)).energyErrorPerAtom ?? .nan) }
        let separation = auc(positives: slabGrades, negatives: heldOutGrades)
        print(
            String(
                format: "surfaces held out (13 slabs): max γ %.2f–%.2f, %d/13 above 1; held-out 1000 K block"
                    + " %.2f–%.2f; ROC AUC %.3f; Spearman(max γ, |E err|) %.2f; |E err| %.1f–%.1f meV/atom",
                slabGrades.min()!, slabGrades.max()!, slabGrades.filter { $0 > 1 }.count, heldOutGrades.min()!,
                heldOutGrades.max()!, separation, spearman(slabGrades, errors), 1000 * errors.min()!,
                1000 * errors.max()!))
        XCTAssertLessThan(heldOutGrades.max()!, 1)
        XCTAssertEqual(separation, 1, "slabs never seen are flagged against the held-out bulk frames")
    }
}
