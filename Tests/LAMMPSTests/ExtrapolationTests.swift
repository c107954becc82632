import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicTestSupport
import XCTest

/// Does the extrapolation grade flag what the training data never covered? A liquid at 5000 K from our own
/// MD (LAMMPS, the shipped potential, compute mosaic/grade), against the held-out V0/1000 K AIMD block.
final class ExtrapolationTests: XCTestCase {
    let potential = repositoryRoot + "/potentials/Nb.json"

    /// The largest γ of each structure, by the Swift core.
    func maxGrades(_ structures: [Structure]) throws -> [Double] {
        let file = try PotentialFile.read(path: potential)
        let data = try XCTUnwrap(file.uncertainty)
        let evaluator = AtomGradientEvaluator(model: file.model, coordinates: data.coordinates)
        return try structures.map { s in
            AtomUncertainties(
                gradients: evaluator.gradients(
                    species: try file.model.speciesIndices(of: s),
                    neighbours: NeighbourList(s, cutoff: file.model.cutoff)),
                symbols: s.elements.map(\.symbol), data: data
            ).maximumGrade
        }
    }

    func testLiquidAt5000KIsFlagged() throws {
        let folder = LAMMPS.folder("liquid-5000K")
        let input = """
            units metal
            atom_style atomic
            lattice bcc 3.3226
            region box block 0 4 0 4 0 4
            create_box 1 box
            create_atoms 1 box
            mass 1 92.906
            pair_style mosaic
            pair_coeff * * \(potential) Nb
            compute grade all mosaic/grade
            compute msd all msd
            velocity all create 10000 4928459 mom yes rot yes dist gaussian
            timestep 0.001
            fix nvt all nvt temp 5000 5000 0.1
            thermo_style custom step temp pe c_grade c_msd[4]
            thermo 1000
            run 4000
            reset_timestep 0
            dump frames all custom 500 liquid.dump id type x y z
            dump_modify frames sort id
            run 5000
            print "RESULT $(c_msd[4]:%.6g) $(temp:%.6g)"
            """
        let out = try LAMMPS.run(input, folder: folder)
        XCTAssertEqual(out.status, 0, out.text)
        let result = LAMMPS.results(out)
        XCTAssertEqual(result.count, 2, out.text)
        // A liquid: atoms wandered several Å (a solid's MSD stays below ~0.5 Å²) at about 5000 K.
        XCTAssertGreaterThan(result.first ?? 0, 5, "mean squared displacement (Å²)\n\(out.text)")
        let liquid = try LAMMPSDump(elements: [Element(symbol: "Nb")!]).read(path: folder + "/liquid.dump")
        XCTAssertEqual(liquid.count, 11)
        let heldOut = niobium["Nb_AIMD"]!.filter { $0.group == "Nb_AIMD/Md/1000K" }
        let liquidGrades = try maxGrades(liquid)
        let heldOutGrades = try maxGrades(heldOut)
        var wins = 0.0
        for p in liquidGrades { for n in heldOutGrades { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
        let auc = wins / Double(liquidGrades.count * heldOutGrades.count)
        print(
            String(
                format: "liquid at 5000 K (%d frames, MSD %.1f Å²): max γ %.2f–%.2f;"
                    + " held-out 1000 K block %.2f–%.2f; ROC AUC %.3f", liquid.count, result.first ?? .nan,
                liquidGrades.min()!, liquidGrades.max()!,
                heldOutGrades.min()!, heldOutGrades.max()!, auc))
        XCTAssertEqual(auc, 1, "the grade separates the liquid from the held-out block")
        XCTAssertGreaterThan(liquidGrades.min()!, 1, "every liquid frame is flagged at γ = 1")
        XCTAssertLessThan(heldOutGrades.max()!, 1, "no held-out frame is")
    }
}
