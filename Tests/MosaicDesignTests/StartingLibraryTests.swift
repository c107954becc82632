import MosaicCore
import MosaicDesign
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// The defaults a design takes from the data when the user names none.
final class StartingLibraryTests: XCTestCase {
    /// On the Nb data the rules give back the hand-made library (distances within 1%), and the
    /// cross-validation folds are the five AIMD blocks (strained cells and relaxed slabs are static).
    func testNiobiumDefaultsMatchTheHandMadeLibrary() throws {
        let data = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Elastic"]! + niobium["Nb_Surface"]!)
        XCTAssertEqual(
            CrossValidation.defaultFolds(for: data).map(\.patterns),
            [
                ["Nb_AIMD/Md/300K"], ["Nb_AIMD/Md/1000K"], ["Nb_AIMD/Md/3000K"], ["Nb_AIMD/Md_90/300K"],
                ["Nb_AIMD/Md_110/300K"],
            ])
        XCTAssertEqual(
            CrossValidation.defaultFolds(for: Dataset(niobium["Nb_Elastic"]! + niobium["Nb_Surface"]!)).map(\.name),
            ["Nb_Elastic", "Nb_Surface"], "without moving groups every group is a fold")
        let (library, choices) = try StartingLibrary.make(for: data)
        XCTAssertEqual(library.elements.map(\.symbol), ["Nb"])
        XCTAssertEqual(choices.count, 4)
        let made = library.terms.map(\.typeName)
        XCTAssertEqual(
            made, ["reference", "born-mayer", "pair-spline", "embedding", "three-body", "angular-embedding"])
        let pair = try XCTUnwrap(library.terms[2].as(PairSplineTerm.self))
        XCTAssertEqual(pair.inner, 2.0, accuracy: 0.02)
        XCTAssertEqual(pair.cutoff, 5.5, accuracy: 0.055)
        let angular = try XCTUnwrap(library.terms[4].as(ThreeBodyTerm.self))
        XCTAssertEqual(angular.cutoff, 4.0, accuracy: 0.04)
        XCTAssertEqual(angular.channels[1].values[0], 3.30, accuracy: 0.033)
        let meam = try XCTUnwrap(library.terms[5].as(AngularEmbeddingTerm.self))
        XCTAssertEqual(meam.cutoff, 4.0, accuracy: 0.04)
        XCTAssertEqual(meam.density.values[0], 2.86, accuracy: 0.03)
        XCTAssertEqual(meam.density.values[1], 0.5, accuracy: 0.01)
        XCTAssertEqual(meam.gamma, .bounded)
        // One element: least squares of E_s ≈ n_s μ gives μ = Σ n_s E_s / Σ n_s².
        let numerator = data.structures.reduce(0) { $0 + Double($1.count) * $1.energy! }
        let denominator = data.structures.reduce(0) { $0 + Double($1.count * $1.count) }
        let reference = try XCTUnwrap(library.terms[0].as(ReferenceEnergyTerm.self)?.energies["Nb"])
        XCTAssertEqual(reference, numerator / denominator, accuracy: 1e-6)
    }

    /// Two elements: the reference energies are the per-element energies that reproduce made-up totals.
    func testChemicalPotentialsOfTwoElements() throws {
        let mo = Element(symbol: "Mo")!
        var structures: [Structure] = []
        for (k, seed) in [1, 2, 3, 4].enumerated() {
            var s = randomTriclinic(atoms: 6, seed: UInt64(seed), scale: 6)
            for i in 0..<(k + 1) { s.elements[i] = mo }
            let nMo = Double(k + 1)
            s.energy = -10.1 * (6 - nMo) - 10.9 * nMo
            structures.append(s)
        }
        let (library, _) = try StartingLibrary.make(for: Dataset(structures))
        let energies = try XCTUnwrap(library.terms[0].as(ReferenceEnergyTerm.self)?.energies)
        XCTAssertEqual(energies["Nb"] ?? 0, -10.1, accuracy: 1e-6)
        XCTAssertEqual(energies["Mo"] ?? 0, -10.9, accuracy: 1e-6)
    }
}
