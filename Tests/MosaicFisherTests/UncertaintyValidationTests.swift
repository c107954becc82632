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
        // Behaviour: the held-out block is inside the span; the squeezed and stretched frames are fully
        // separated from it, with grades at least 5 times its largest. (They do not all pass γ = 1: the
        // normalisation by the most extreme training atom, a 3000 K one, makes 1 a lenient threshold.)
        let inside = inDomain.map(\.maxGrade).max()!
        XCTAssertLessThan(inside, 1)
        XCTAssertGreaterThan(squeezed.map(\.maxGrade).min()!, 5 * inside)
        XCTAssertGreaterThan(stretched.map(\.maxGrade).min()!, 5 * inside)
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
}
