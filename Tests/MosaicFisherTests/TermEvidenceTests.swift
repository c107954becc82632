import MosaicCore
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// `TermEvidence`: the data's evidence that each term's amplitudes are not zero.
final class TermEvidenceTests: XCTestCase {
    /// Data made by a pair spline and an embedding (forces with 0.02 eV/Å noise), fitted with those terms and a
    /// three-body term the data do not contain: the two real terms are far from zero in their Fisher σ, the
    /// three-body term within a few σ of it (its z is √(χ²₃/3) of pure noise: above 3 with probability 5e-6).
    func testATermTheDataDoNotContainIsWithinItsUncertaintyOfZero() throws {
        let truth = pairAndEmbeddingModel()
        var rng = SeededGenerator(seed: 7)
        func noise() -> Double {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
            let v = Double.random(in: 0..<1, using: &rng)
            return 0.02 * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let geometries =
            Array(niobium["Nb_Elastic"]!.prefix(12))
            + Array(
                niobium["Nb_AIMD"]!.prefix(200).enumerated().filter {
                    $0.offset % 40 == 0
                }.map(\.element))
        let data = Dataset(
            try geometries.map { g in
                var s = g
                let p = try truth.predict(s)
                s.energy = p.energy
                s.forces = p.forceVectors.map { $0 + Vec3(noise(), noise(), noise()) }
                s.stress = p.stress(volume: s.volume)
                return s
            })
        var start = truth
        start.terms.append(
            .threeBody(
                ThreeBodyTerm(
                    cutoff: 3.9, width: 1.0, order: 2, channels: [.gaussian(center: 2.9, width: 0.5)],
                    coefficients: [[0.01, -0.01, 0.01]])))
        start.fixed = ["threebody.channel0.center", "threebody.channel0.width"].filter(start.parameterNames.contains)
        var trainer = Trainer()
        trainer.staged = false
        trainer.settings.maxIterations = 40
        let fitted = try trainer.train(start, data: data).model
        let fim = try FisherAnalysis(
            model: fitted, data: try PreparedDataset(data, model: fitted), weights: trainer.weights)
        let evidence = try TermEvidence.compute(fim)
        XCTAssertEqual(evidence.map(\.term), fitted.terms.filter { !$0.isBaseline }.map(\.name))
        XCTAssertEqual(evidence.first { $0.term == fitted.terms[2].name }?.amplitudes, 1, "the embedding's A")
        let z = Dictionary(uniqueKeysWithValues: evidence.map { ($0.term, $0.z) })
        XCTAssertEqual(evidence.first { $0.term == fitted.terms[3].name }?.amplitudes, 3)
        XCTAssertGreaterThan(z[fitted.terms[1].name]!, 30, "\(evidence)")
        XCTAssertGreaterThan(z[fitted.terms[2].name]!, 30, "\(evidence)")
        XCTAssertLessThan(z[fitted.terms[3].name]!, 3, "\(evidence)")
        let table = TermEvidence.table(evidence, removal: [fitted.terms[3].name: "#4: score +0.1%"])
        XCTAssertTrue(table.contains("within σ of zero") || table.contains("weakly needed"), table)
        XCTAssertTrue(table.contains("#4: score +0.1%"), table)
    }
}
