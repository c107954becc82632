import Foundation
import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// compute mosaic/grade and mosaic/sigma in LAMMPS against the Swift numbers, on real snapshots, in
/// both LAMMPS builds and on 1 and 2 MPI ranks; fix halt stops a run on the grade.
final class UncertaintyComputeTests: XCTestCase {
    let potential = repositoryRoot + "/potentials/Nb.json"

    func input(thermo extra: String = "") -> String {
        """
        units metal
        atom_style atomic
        boundary p p p
        box tilt large
        read_data data.lmp
        pair_style mosaic
        pair_coeff * * \(potential) Nb
        compute grade all mosaic/grade
        compute sigma all mosaic/sigma
        thermo_style custom step pe c_grade c_sigma c_sigma[2]
        dump atoms all custom 1 atoms.dump id c_grade c_sigma
        dump_modify atoms sort id format float %.17g
        \(extra)
        run 0
        print "RESULT $(c_grade:%.17g) $(c_sigma:%.17g) $(c_sigma[2]:%.17g)"
        """
    }

    /// The shipped potential (format 4, grades in fit coordinates) and the same potential with its section
    /// recomputed as `mosaic fit` writes it now (format 5, grades in relative coordinates).
    func testComputesEqualSwiftOnRealSnapshots() throws {
        let shipped = try PotentialFile.read(path: potential)
        XCTAssertEqual(shipped.version, 4)
        var refitted = shipped
        refitted.version = PotentialFile.formatVersion
        let training = Dataset(niobium["Nb_AIMD"]!.enumerated().filter { $0.offset % 10 == 0 }.map(\.element))
        refitted.uncertainty = try UncertaintyData.fitted(
            model: shipped.model, data: try PreparedDataset(training, model: shipped.model), weights: FitWeights())
        XCTAssertNotNil(refitted.uncertainty?.gradeScales)
        let formatFive = LAMMPS.folder("uncertainty-format-5") + "/Nb-format-5.json"
        try refitted.write(to: formatFive)
        try computesEqualSwift(path: potential, file: shipped)
        try computesEqualSwift(path: formatFive, file: try PotentialFile.read(path: formatFive))
    }

    func computesEqualSwift(path: String, file: PotentialFile) throws {
        let data = try XCTUnwrap(file.uncertainty, "the potential carries an uncertainty section")
        let model = file.model
        let evaluator = AtomGradientEvaluator(model: model, coordinates: data.coordinates)
        let snapshots = [niobium["Nb_AIMD"]![130], niobium["Nb_Surface"]![4], niobium["Nb_Elastic"]![33]]
        let text = input().replacingOccurrences(of: potential, with: path)
        for (k, s) in snapshots.enumerated() {
            let swift = AtomUncertainties(
                gradients: evaluator.gradients(
                    species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff)),
                symbols: s.elements.map(\.symbol), data: data)
            let sigmaE = data.sigma(gradient: swift.energyGradient)
            // σ of the virial pressure (bar): σ(tr W) / 3V.
            let sigmaP = data.sigma(gradient: evaluator.virialTraceGradient) / (3 * s.volume) * LAMMPS.nktv2p
            for (host, ranks) in [(LAMMPS.Host.launcher, 0), (.launcher, 2), (.pluginLoad, 0)] {
                let folder = LAMMPS.folder("uncertainty-\(file.version)-\(k)-\(host)-\(ranks)")
                try LAMMPSData(s).text(elements: model.elements).write(
                    toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
                let out = try LAMMPS.run(text, folder: folder, ranks: ranks, host: host)
                XCTAssertEqual(out.status, 0, out.text)
                let r = LAMMPS.results(out)
                XCTAssertEqual(r.count, 3, out.text)
                guard r.count == 3 else { continue }
                let label = "\(s.source), format \(file.version), \(host), \(ranks) ranks"
                // σ² = gᵀCg with C = s²FIM⁺ spanning up to 12 decades (the pseudo-inverse floor): the gradients,
                // summed in LAMMPS's neighbour order rather than Swift's, differ at 1e-16 and σ at up to ~1e-8.
                let sigmaTolerance = 1e-7
                XCTAssertEqual(r[0], swift.maximumGrade, accuracy: 1e-9 * swift.maximumGrade, "max grade, \(label)")
                XCTAssertEqual(r[1], sigmaE, accuracy: sigmaTolerance * sigmaE, "σ of the energy, \(label)")
                XCTAssertEqual(r[2], sigmaP, accuracy: sigmaTolerance * sigmaP, "σ of the pressure, \(label)")
                let rows = try LAMMPS.dump(folder + "/atoms.dump")
                XCTAssertEqual(rows.count, s.count, label)
                for (i, row) in rows.enumerated() where row.count == 3 {
                    XCTAssertEqual(
                        row[1], swift.grades[i], accuracy: 1e-9 * max(1, swift.grades[i]), "γ \(i), \(label)")
                    XCTAssertEqual(
                        row[2], swift.sigmas[i], accuracy: sigmaTolerance * swift.sigmas[i], "σ \(i), \(label)")
                }
            }
            print(
                String(
                    format: "%@, format %d: max grade %.3f, σ_E %.4f eV, σ_P %.3f bar (LAMMPS = Swift)",
                    s.source as NSString, file.version, swift.maximumGrade, sigmaE, sigmaP))
        }
    }

    /// `fix halt` on the largest grade, as a user would guard MD (checked every 5 steps): a threshold of 25
    /// lets 100 steps of 3000 K MD in an AIMD cell run through; a threshold below every grade stops the
    /// run at the first check.
    func testFixHaltStopsOnTheGrade() throws {
        let s = niobium["Nb_AIMD"]![60]
        for (threshold, lastStep) in [(25.0, 100.0), (1e-6, 5.0)] {
            let folder = LAMMPS.folder("uncertainty-halt-\(threshold)")
            try LAMMPSData(s).text(elements: [Element(symbol: "Nb")!]).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let text = """
                units metal
                atom_style atomic
                read_data data.lmp
                pair_style mosaic
                pair_coeff * * \(potential) Nb
                velocity all create 3000 1 loop geom
                compute grade all mosaic/grade
                variable gmax equal c_grade
                fix md all nve
                fix stop all halt 5 v_gmax > \(threshold) error continue
                thermo_style custom step pe c_grade
                thermo 5
                run 100
                print "RESULT $(step)"
                """
            let out = try LAMMPS.run(text, folder: folder)
            XCTAssertEqual(out.status, 0, out.text)
            XCTAssertEqual(out.text.contains("Fix halt condition"), lastStep < 100, out.text)
            XCTAssertEqual(LAMMPS.results(out).first, lastStep, out.text)
        }
    }

    /// examples/lammps/in.nve-alloy with `-var grade yes` (432 atoms of random equiatomic NbMoTaW, the shipped alloy
    /// potential, 0.3 ps): the grade and σ columns are printed, and hot MD strays further from what the training
    /// atoms spanned than MD at 300 K (the largest γ of any atom at 3000 K above its largest at 300 K, both above 1:
    /// the training data hold no quaternary environments).
    func testAlloyInputPrintsTheGradeAndHotMDExtrapolatesMore() throws {
        var largest: [Double] = []
        for temperature in [300, 3000] {
            let folder = LAMMPS.folder("uncertainty-alloy-\(temperature)")
            let input = try LAMMPS.exampleInput(
                "in.nve-alloy", variables: ["T": "\(temperature)", "steps": "300", "n": "6", "grade": "yes"])
            let out = try LAMMPS.run(input, folder: folder)
            XCTAssertEqual(out.status, 0, out.text)
            XCTAssertTrue(out.text.contains("c_grade c_sigma"), out.text)
            // step time temp pe etotal press closest grade sigma
            let rows = out.text.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
                .filter { $0.count == 9 }
            XCTAssertEqual(rows.count, 7, out.text)
            XCTAssertTrue(rows.allSatisfy { $0[7].isFinite && $0[7] > 0 && $0[8] > 0 }, out.text)
            largest.append(rows.map { $0[7] }.max() ?? 0)
        }
        XCTAssertGreaterThan(largest[0], 1, "quaternary MD at 300 K leaves the training span")
        XCTAssertGreaterThan(largest[1], largest[0], "γ at 3000 K against 300 K")
    }

    /// A format-1 potential (no uncertainty section) gives a LAMMPS error naming the file and the fix.
    func testPotentialWithoutUncertaintyIsAnError() throws {
        var file = try PotentialFile.read(path: potential)
        file.uncertainty = nil
        let folder = LAMMPS.folder("uncertainty-missing")
        try file.write(to: folder + "/old.json")
        let s = niobium["Nb_Elastic"]![3]
        try LAMMPSData(s).text(elements: file.model.elements).write(
            toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
        let text = input().replacingOccurrences(of: potential, with: folder + "/old.json")
        let out = try LAMMPS.run(text, folder: folder)
        XCTAssertNotEqual(out.status, 0, out.text)
        XCTAssertTrue(out.text.contains("has no uncertainty section") && out.text.contains("old.json"), out.text)
    }
}
