import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// The ZBL core placed below the training data: it never touches a training structure, and a core
/// that would is refused before any fitting.
final class ShortRangeCoreTests: XCTestCase {
    let data = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Elastic"]! + niobium["Nb_Surface"]!)

    /// The shortest Nb–Nb distance of the shipped data, found by brute force over every pair and
    /// periodic image (independent of the neighbour list).
    func bruteForceShortest() -> Double {
        var shortest = Double.infinity
        for s in data.structures {
            for i in 0..<s.count {
                for j in 0..<s.count {
                    for a in -1...1 {
                        for b in -1...1 {
                            for c in -1...1 where i != j || a != 0 || b != 0 || c != 0 {
                                let shift = Double(a) * s.cell.a + Double(b) * s.cell.b + Double(c) * s.cell.c
                                shortest = min(shortest, norm(s.positions[j] + shift - s.positions[i]))
                            }
                        }
                    }
                }
            }
        }
        return shortest
    }

    func testAddedCoreSitsBelowTheDataAndChangesNoTrainingPrediction() throws {
        let model = testModel()
        let (cored, note) = try model.withCore(below: data)
        XCTAssertTrue(note.contains("added"), note)
        let core = try XCTUnwrap(cored.terms.compactMap { $0.as(ZBLCoreTerm.self) }.first)
        let shortest = bruteForceShortest()
        XCTAssertLessThanOrEqual(core.radii.outer, shortest)
        XCTAssertGreaterThan(core.radii.outer, shortest - 0.01)
        XCTAssertEqual(core.radii.inner, core.radii.outer - 1.0, accuracy: 0.011)
        XCTAssertEqual(cored.parameterCount, model.parameterCount, "the core has no fitted parameters")
        // The same energies, forces and virials on every structure of the data, to round-off (the core
        // sums the switched terms first, so the order of the sum differs).
        var worst = 0.0
        for s in data.structures {
            let with = try cored.predict(s)
            let without = try model.predict(s)
            worst = max(worst, abs(with.energy - without.energy) / abs(without.energy))
            for (a, b) in zip(with.forceVectors, without.forceVectors) { worst = max(worst, norm(a - b) / 10) }
            for (a, b) in zip(with.virial, without.virial) { worst = max(worst, abs(a - b) / 100) }
        }
        XCTAssertLessThan(worst, 1e-13)
    }

    func testCoreReachingIntoTheDataIsRefused() throws {
        var model = testModel()
        model.terms.append(Term(ZBLCoreTerm(inner: 1.5, outer: 2.5)))
        XCTAssertThrowsError(try model.withCore(below: data)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("Nb-Nb") && message.contains("exceeds the shortest"), message)
            XCTAssertTrue(message.contains("Nb_AIMD.json"), "names the structure: \(message)")
            XCTAssertTrue(message.contains("set outer at or below 2.1"), message)
        }
        // A core at or below the data is kept as given.
        var below = testModel()
        below.terms.append(Term(ZBLCoreTerm(name: "mine", inner: 1.0, outer: 2.0)))
        let (kept, note) = try below.withCore(below: data)
        XCTAssertEqual(kept, below)
        XCTAssertTrue(note.contains("'mine' as given"), note)
    }

    /// For alloys each pair gets its own radii: pairs the data show sit at their shortest distance, but a
    /// pair of two elements at most at the mean of its elements' own radii; a pair they never show takes
    /// that mean. On real data: Nb–Mo solid-solution cells reach Mo–Nb only at 2.74 Å, the Nb and Mo AIMD
    /// frames their own pairs at 2.1 Å, so the Mo–Nb core sits at their mean, not at 2.74 Å.
    func testPerPairRadiiForAlloys() throws {
        let mo = Element(symbol: "Mo")!
        let ta = Element(symbol: "Ta")!
        var mixed = niobium["Nb_AIMD"]![10]
        for i in stride(from: 0, to: mixed.count, by: 2) { mixed.elements[i] = mo }
        var pureMo = niobium["Nb_AIMD"]![20]
        pureMo.elements = pureMo.elements.map { _ in mo }
        var pureTa = niobium["Nb_AIMD"]![30]
        pureTa.elements = pureTa.elements.map { _ in ta }
        let alloy = Dataset([mixed, pureMo, pureTa])
        var model = testModel()
        model.elements = [Element(symbol: "Nb")!, mo, ta]
        model.terms = [Term(ReferenceEnergyTerm())]
        let core = try XCTUnwrap(
            try model.withCore(below: alloy).model.terms.compactMap { $0.as(ZBLCoreTerm.self) }.first)
        let shortest = alloy.shortestDistances()
        for key in ["Mo-Mo", "Nb-Nb", "Ta-Ta"] {
            let outer = try XCTUnwrap(core.pairs?[key]).outer
            let d = try XCTUnwrap(shortest[key]).distance
            XCTAssertLessThanOrEqual(outer, d, key)
            XCTAssertGreaterThan(outer, d - 0.01, key)
        }
        let moNb = try XCTUnwrap(core.pairs?["Mo-Nb"]).outer
        let bound = min(shortest["Mo-Nb"]!.distance, 0.5 * (shortest["Nb-Nb"]!.distance + shortest["Mo-Mo"]!.distance))
        XCTAssertLessThanOrEqual(moNb, bound)
        XCTAssertGreaterThan(moNb, bound - 0.01)
        XCTAssertNil(shortest["Nb-Ta"])
        let nbTa = try XCTUnwrap(core.pairs?["Nb-Ta"]).outer
        let expected = 0.5 * (shortest["Nb-Nb"]!.distance + shortest["Ta-Ta"]!.distance)
        XCTAssertLessThanOrEqual(nbTa, expected)
        XCTAssertGreaterThan(nbTa, expected - 0.01)
    }

    func testAlloyPairCoreSitsAtTheElementsMeanOnRealData() throws {
        let mo = try MVLReader.read(path: repositoryRoot + "/data/mo/Mo_AIMD.json")
        let binary = try MVLReader.read(path: repositoryRoot + "/data/binaries/NbMo_SS.json")
        let data = Dataset(niobium["Nb_AIMD"]! + mo + binary)
        let shortest = data.shortestDistances()
        XCTAssertGreaterThan(shortest["Mo-Nb"]!.distance, 2.5, "the solid-solution cells put Mo–Nb far out")
        var model = testModel()
        model.elements = [Element(symbol: "Nb")!, Element(symbol: "Mo")!]
        model.terms = [Term(ReferenceEnergyTerm())]
        let core = try XCTUnwrap(
            try model.withCore(shortest: shortest).model.terms.compactMap { $0.as(ZBLCoreTerm.self) }.first)
        let mean = 0.5 * (shortest["Nb-Nb"]!.distance + shortest["Mo-Mo"]!.distance)
        let outer = try XCTUnwrap(core.pairs?["Mo-Nb"]).outer
        XCTAssertLessThanOrEqual(outer, mean)
        XCTAssertGreaterThan(outer, mean - 0.01)
        XCTAssertLessThan(outer, 2.3)
    }
}
