import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicTestSupport
import XCTest

/// The ZBL core in LAMMPS: the same screened-Coulomb energies as LAMMPS's own `pair_style zbl`, and
/// head-on collisions at 1 and 10 keV that conserve energy and lose no atoms.
final class ShortRangeTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let mo = Element(symbol: "Mo")!

    /// Runs `lines` after a dimer setup: type 1 at the origin, type 2 at (r, 0, 0) in an open box.
    func dimerInput(types: [Element], pair: String, r: Double) -> String {
        """
        units metal
        atom_style atomic
        atom_modify map yes
        boundary f f f
        region box block -10 10 -10 10 -10 10
        create_box 2 box
        create_atoms 1 single 0 0 0 units box
        create_atoms 2 single \(r) 0 0 units box
        mass 1 \(types[0].mass)
        mass 2 \(types[1].mass)
        \(pair)
        variable force equal fx[2]
        run 0
        print "RESULT $(pe:%.17g) $(v_force:%.17g)"
        """
    }

    /// Inside the core's inner radius the energy is the ZBL universal potential alone: energy
    /// differences and forces equal LAMMPS's `pair_style zbl` (its energy carries a constant shift
    /// below its own inner cutoff, so differences are compared) for a like and an unlike pair.
    func testCoreIsLAMMPSsZBLBelowItsInnerRadius() throws {
        let elements = [nb, mo]
        let model = CompositeModel(
            elements: elements,
            terms: [
                Term(ReferenceEnergyTerm(energies: ["Nb": -10, "Mo": -11])),
                Term(ZBLCoreTerm(inner: 1.6, outer: 2.4)),
            ])
        let folder = LAMMPS.folder("zbl")
        let potential = folder + "/core.json"
        try PotentialFile(model: model, provenance: .object(["purpose": .string("test")])).write(to: potential)
        for types in [[nb, nb], [nb, mo]] {
            func run(_ pair: String, _ r: Double) throws -> [Double] {
                let out = try LAMMPS.run(dimerInput(types: types, pair: pair, r: r), folder: folder)
                XCTAssertEqual(out.status, 0, out.text)
                return LAMMPS.results(out)
            }
            let zbl = """
                pair_style zbl 1.7 1.8
                pair_coeff 1 1 \(types[0].atomicNumber) \(types[0].atomicNumber)
                pair_coeff 1 2 \(types[0].atomicNumber) \(types[1].atomicNumber)
                pair_coeff 2 2 \(types[1].atomicNumber) \(types[1].atomicNumber)
                """
            let mosaic = "pair_style mosaic\npair_coeff * * \(potential) \(types[0].symbol) \(types[1].symbol)"
            let distances = [0.5, 0.9, 1.3, 1.55]
            let reference = try distances.map { try run(zbl, $0) }
            let ours = try distances.map { try run(mosaic, $0) }
            guard reference.allSatisfy({ $0.count == 2 }), ours.allSatisfy({ $0.count == 2 }) else { return }
            for k in 1..<distances.count {
                let expected = reference[k][0] - reference[0][0]
                XCTAssertEqual(
                    ours[k][0] - ours[0][0], expected, accuracy: 1e-9 * abs(expected),
                    "\(types) energy difference \(distances[k]) vs \(distances[0]) Å")
            }
            for k in distances.indices {
                XCTAssertEqual(
                    ours[k][1], reference[k][1], accuracy: 1e-9 * abs(reference[k][1]),
                    "\(types) force at \(distances[k]) Å")
            }
        }
    }

    /// One collision run: thermo every step (time, total energy, closest pair distance, atoms).
    struct Collision {
        var closest: Double
        var drift: Double
        var atomsLost: Int
        var steps: Int
    }

    func collide(_ setup: String, name: String, picoseconds: Double, maxDisplacement: Double) throws -> Collision {
        let folder = LAMMPS.folder(name)
        let input = """
            units metal
            atom_style atomic
            \(setup)
            pair_style mosaic
            pair_coeff * * \(repositoryRoot)/potentials/Nb.json Nb
            compute distance all pair/local dist
            compute closest all reduce min c_distance
            fix move all nve
            fix step all dt/reset 1 NULL 0.002 \(maxDisplacement) units box
            thermo_style custom step time etotal c_closest atoms
            thermo_modify format float %.12g lost error
            thermo 1
            label chunk
            run 200
            if "$(time) < \(picoseconds)" then "jump SELF chunk"
            """
        // fix dt/reset changes the step, so the input runs 200-step chunks until the time is reached.
        let out = try LAMMPS.run(input, folder: folder, ranks: 2)
        XCTAssertEqual(out.status, 0, out.text)
        // Thermo rows: exactly five numbers and nothing else.
        let rows = out.text.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count == 5 }.compactMap
        {
            tokens -> [Double]? in
            let values = tokens.compactMap { Double($0) }
            return values.count == 5 ? values : nil
        }
        XCTAssertGreaterThan(rows.count, 100, out.text)
        guard let first = rows.first else { return Collision(closest: 0, drift: .infinity, atomsLost: -1, steps: 0) }
        let drift = rows.map { abs($0[2] - first[2]) }.max()!
        let closest = rows.map { $0[3] }.min()!
        let lost = Int(first[4] - rows.last![4])
        return Collision(closest: closest, drift: drift, atomsLost: lost, steps: rows.count)
    }

    /// A dimer head-on at 1 and 10 keV (laboratory frame, one atom at rest): the atoms turn where the
    /// potential energy has risen by the centre-of-mass kinetic energy (E/2), and energy is conserved.
    func testHeadOnDimerTurnsWhereThePotentialSaysAndConservesEnergy() throws {
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        func dimerEnergy(_ r: Double) throws -> Double {
            try model.predict(
                Structure(
                    cell: .identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                    elements: [nb, nb])
            ).energy
        }
        for kiloelectronvolts in [1.0, 10.0] {
            // v = sqrt(2E/m) in Å/ps (1 amu Å²/ps² = 1.0364269e-4 eV).
            let speed = (2 * kiloelectronvolts * 1000 / (nb.mass * 1.0364269e-4)).squareRoot()
            let setup = """
                boundary f f f
                region box block -20 20 -20 20 -20 20
                create_box 1 box
                create_atoms 1 single 0 0 0 units box
                create_atoms 1 single 6 0 0 units box
                mass 1 \(nb.mass)
                velocity all set 0 0 0
                group mover id 2
                velocity mover set -\(speed) 0 0 units box
                """
            let run = try collide(
                setup, name: "dimer-\(Int(kiloelectronvolts))keV", picoseconds: 12 / speed, maxDisplacement: 0.001)
            let rise = try dimerEnergy(run.closest) - dimerEnergy(6)
            print(
                String(
                    format: "head-on Nb dimer at %.0f keV: closest approach %.4f Å, peak |ΔE_total| %.2e eV"
                        + " (%d steps)",
                    kiloelectronvolts, run.closest, run.drift, run.steps))
            XCTAssertEqual(rise, kiloelectronvolts * 500, accuracy: 0.01 * kiloelectronvolts * 500)
            XCTAssertLessThan(run.drift, 1e-4 * kiloelectronvolts * 1000)
            XCTAssertEqual(run.atomsLost, 0)
        }
    }

    /// A primary knock-on atom aimed along ⟨111⟩ at 1 and 10 keV in a 1024-atom bcc Nb box (2 MPI
    /// ranks, `fix dt/reset`): no atom is lost, nothing overlaps, total energy is conserved.
    func testPrimaryKnockOnAtomAlong111() throws {
        for kiloelectronvolts in [1.0, 10.0] {
            let speed = (2 * kiloelectronvolts * 1000 / (nb.mass * 1.0364269e-4)).squareRoot() / 3.0.squareRoot()
            let setup = """
                boundary p p p
                lattice bcc 3.307
                region box block 0 8 0 8 0 8
                create_box 1 box
                create_atoms 1 box
                mass 1 \(nb.mass)
                velocity all set 0 0 0
                group pka id 293
                velocity pka set \(speed) \(speed) \(speed) units box
                """
            let run = try collide(
                setup, name: "pka-\(Int(kiloelectronvolts))keV", picoseconds: 0.1, maxDisplacement: 0.005)
            print(
                String(
                    format: "<111> PKA at %.0f keV in 1024-atom bcc Nb: closest approach %.4f Å, peak |ΔE_total|"
                        + " %.2e eV (%d steps)", kiloelectronvolts, run.closest, run.drift, run.steps))
            XCTAssertEqual(run.atomsLost, 0)
            XCTAssertGreaterThan(run.closest, 0.2)
            XCTAssertLessThan(run.drift, 5e-5 * kiloelectronvolts * 1000)
        }
    }
}
