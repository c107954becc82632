import XCTest
import MosaicCore
import MosaicTestSupport
import MosaicModel

final class InvarianceTests: XCTestCase {
    let model = testModel()

    func testTranslationInvariance() throws {
        let s = niobium["Nb_AIMD"]![10]
        var moved = s
        moved.positions = s.positions.map { $0 + Vec3(0.731, -2.9, 13.4) }
        let a = try model.predict(s), b = try model.predict(moved)
        XCTAssertEqual(a.energy, b.energy, accuracy: 1e-9)
        for i in 0..<s.count { XCTAssertLessThan(norm(a.forceVectors[i] - b.forceVectors[i]), 1e-9) }
    }

    func testRotationInvariance() throws {
        let s = niobium["Nb_Surface"]![2]
        // Rotation about an arbitrary axis (Rodrigues).
        let axis = Vec3(1, 2, -0.5) / norm(Vec3(1, 2, -0.5)), angle = 0.77
        let k = Matrix3(Vec3(0, -axis.z, axis.y), Vec3(axis.z, 0, -axis.x), Vec3(-axis.y, axis.x, 0))
        var r = Matrix3.identity
        for i in 0..<3 { for j in 0..<3 {
            r[i, j] += sin(angle) * k[i, j] + (1 - cos(angle)) * (k * k)[i, j]
        } }
        let rotation = r.transposed  // row-vector convention: x' = x · Rᵀ
        var rotated = s
        rotated.cell = s.cell * rotation
        rotated.positions = s.positions.map { rotation.leftMultiply($0) }
        let a = try model.predict(s), b = try model.predict(rotated)
        XCTAssertEqual(a.energy, b.energy, accuracy: 1e-9)
        for i in 0..<s.count {
            XCTAssertLessThan(norm(rotation.leftMultiply(a.forceVectors[i]) - b.forceVectors[i]), 1e-9)
        }
        // Stress transforms as σ' = R σ Rᵀ.
        let sa = a.stress(volume: s.volume).matrix, sb = b.stress(volume: s.volume).matrix
        for i in 0..<3 { for j in 0..<3 {
            var expected = 0.0
            for p in 0..<3 { for q in 0..<3 { expected += r[i, p] * sa[p][q] * r[j, q] } }
            XCTAssertEqual(sb[i][j], expected, accuracy: 1e-10)
        } }
    }

    func testPermutationInvariance() throws {
        let s = niobium["Nb_AIMD"]![77]
        var rng = SeededGenerator(seed: 11)
        let order = Array(0..<s.count).shuffled(using: &rng)
        var permuted = s
        permuted.positions = order.map { s.positions[$0] }
        let a = try model.predict(s), b = try model.predict(permuted)
        XCTAssertEqual(a.energy, b.energy, accuracy: 1e-9)
        for (new, old) in order.enumerated() { XCTAssertLessThan(norm(a.forceVectors[old] - b.forceVectors[new]), 1e-9) }
    }

    func testPeriodicImagesEqualExplicitSupercell() throws {
        for s in [niobium["Nb_Elastic"]![40], randomTriclinic(atoms: 5, seed: 9, scale: 4.5)] {
            let big = s.supercell(2, 3, 1)
            let a = try model.predict(s), b = try model.predict(big)
            XCTAssertEqual(b.energy, 6 * a.energy, accuracy: 1e-9 * abs(b.energy))
            XCTAssertEqual(b.stress(volume: big.volume).voigt[3], a.stress(volume: s.volume).voigt[3], accuracy: 1e-10)
            for i in 0..<big.count { XCTAssertLessThan(norm(b.forceVectors[i] - a.forceVectors[i % s.count]), 1e-9) }
        }
    }

    /// An atom without neighbours has only its reference energy: every interaction term gives zero
    /// (the cohesive energy of `mosaic properties` relies on it).
    func testIsolatedAtomHasOnlyItsReferenceEnergy() throws {
        let atom = Structure(cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0)], elements: [model.elements[0]])
        for term in model.terms {
            let energy = try CompositeModel(elements: model.elements, terms: [term]).predict(atom).energy
            if let t = term.as(ReferenceEnergyTerm.self) {
                XCTAssertEqual(energy, t.energies["Nb"]!)
            } else {
                XCTAssertEqual(energy, 0, accuracy: 1e-15, term.name)
            }
        }
    }

    func testEnergyAndForceVanishContinuouslyAtEveryCutoff() throws {
        for term in model.terms where term.cutoff > 0 {
            let single = CompositeModel(elements: model.elements, terms: [term])
            // Three atoms in a line (open boundaries): the pair at distance r crosses the cutoff.
            func dimer(_ r: Double) -> Structure {
                Structure(cell: Matrix3.identity, pbc: [false, false, false],
                          positions: [Vec3(0, 0, 0), Vec3(r, 0, 0), Vec3(0.5 * r, 0.9 * r, 0)],
                          elements: Array(repeating: model.elements[0], count: 3))
            }
            let rc = term.cutoff
            let inside = try single.predict(dimer(rc - 1e-6)), outside = try single.predict(dimer(rc + 1e-6))
            XCTAssertEqual(inside.energy, outside.energy, accuracy: 1e-9, term.name)
            XCTAssertLessThan(norm(inside.forceVectors[1] - outside.forceVectors[1]), 1e-6, term.name)
        }
    }
}
