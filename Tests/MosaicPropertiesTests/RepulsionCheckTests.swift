import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

/// Short-range repulsion of the shipped potentials, and the check that refuses models without it.
final class RepulsionCheckTests: XCTestCase {
    let nb = Element(symbol: "Nb")!

    func bccEnergy(_ model: CompositeModel, _ a: Double) throws -> Double {
        try model.predict(
            Structure(
                cell: Matrix3.diagonal(Vec3(repeating: a)), positions: [Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5) * a],
                elements: [nb, nb])
        ).energy / 2
    }

    /// Every shipped potential carries a ZBL core and passes the check; its bcc energy at a = 1.0 Å is
    /// far above equilibrium (the issue measured −2956 eV/atom before the core).
    func testShippedPotentialsRepel() throws {
        for name in ["Nb.json", "Nb-handwritten.json"] {
            let model = try PotentialFile.read(path: repositoryRoot + "/potentials/" + name).model
            XCTAssertTrue(model.terms.contains { $0.is(ZBLCoreTerm.self) }, name)
            XCTAssertEqual(
                try RepulsionCheck(model: model).failures(shortest: ["Nb-Nb": 2.13]).map(\.description), [], name)
            // Data that reach only 2.78 Å (strained cells alone): the dimer may bind there, the scan starts at
            // the core.
            XCTAssertEqual(try RepulsionCheck(model: model).failures(shortest: ["Nb-Nb": 2.78]).count, 0, name)
            let energies = try [1.6, 1.4, 1.2, 1.0].map { try bccEnergy(model, $0) }
            let printed = energies.map { String(format: "%.0f", $0) }.joined(separator: ", ")
            print("\(name): bcc energy per atom at a = 1.6, 1.4, 1.2, 1.0 Å: \(printed) eV")
            for (a, e) in zip([1.6, 1.4, 1.2, 1.0], energies) { XCTAssertGreaterThan(e, 100, "\(name) a = \(a) Å") }
        }
    }

    /// Without its core the shipped potential collapses under compression: the check finds it and names
    /// the bcc scan and a term of the model.
    func testModelWithoutCoreIsCaught() throws {
        var model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        model.terms.removeAll { $0.is(ZBLCoreTerm.self) }
        XCTAssertLessThan(try bccEnergy(model, 1.0), -1000, "the issue's collapse (−2956 eV/atom at a = 1.0 Å)")
        let failures = try RepulsionCheck(model: model).failures(shortest: ["Nb-Nb": 2.13])
        let bcc = try XCTUnwrap(failures.first { $0.structure == "bcc Nb" }, "\(failures)")
        XCTAssertLessThan(bcc.energyTo, bcc.energyFrom)
        XCTAssertTrue(model.terms.map(\.name).contains(bcc.term))
        XCTAssertTrue(bcc.description.contains("bcc Nb: energy falls"), bcc.description)
    }

    /// A pair term attractive down to short range, with no core, fails the dimer scan, naming that term.
    func testAttractiveDimerIsCaught() throws {
        let model = CompositeModel(
            elements: [nb],
            terms: [
                Term(ReferenceEnergyTerm(energies: ["Nb": -10])),
                // −8 eV at 1 Å rising to 0 at 4 Å: pulls atoms together all the way in.
                Term(PairSplineTerm(inner: 0.2, cutoff: 4.0, coefficients: (0..<9).map { -Double(9 - $0) })),
            ])
        let failures = try RepulsionCheck(model: model).failures(shortest: ["Nb-Nb": 2.5])
        let dimer = try XCTUnwrap(failures.first { $0.structure == "Nb-Nb dimer" }, "\(failures)")
        XCTAssertEqual(dimer.term, "pair")
        XCTAssertEqual(dimer.from, 2.5, accuracy: 1e-12, "it falls from the start of the scan")
        // A dimer's energies are its total (two reference energies, −20 eV, plus the pair), a crystal's per atom.
        XCTAssertLessThan(dimer.energyFrom, -20)
        XCTAssertTrue(dimer.description.contains(" eV between"), dimer.description)
        let bcc = try XCTUnwrap(failures.first { $0.structure == "bcc Nb" }, "\(failures)")
        XCTAssertTrue(bcc.description.contains(" eV/atom between"), bcc.description)
        XCTAssertFalse(RepulsionCheck(model: model).repels(shortest: ["Nb-Nb": 2.5]))
    }
}
