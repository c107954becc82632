import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

/// The examples in examples/ run and agree with the Swift core.
final class ExampleTests: XCTestCase {
    var shipped: CompositeModel {
        get throws { try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model }
    }

    func bcc(cells n: Int, a: Double) -> Structure {
        var positions: [Vec3] = []
        for i in 0..<n {
            for j in 0..<n {
                for k in 0..<n {
                    let corner = Vec3(Double(i), Double(j), Double(k)) * a
                    positions += [corner, corner + Vec3(0.5, 0.5, 0.5) * a]
                }
            }
        }
        return Structure(
            cell: Matrix3.diagonal(Vec3(1, 1, 1) * (a * Double(n))), positions: positions,
            elements: Array(repeating: Element(symbol: "Nb")!, count: positions.count))
    }

    /// Runs examples/lammps/<name> with the shipped potential; fails on a non-zero exit.
    func runExample(_ name: String, variables: [String: String] = [:]) throws -> LAMMPS.Output {
        let input = try LAMMPS.exampleInput(name, variables: variables)
        let out = try LAMMPS.run(input, folder: LAMMPS.folder(name))
        XCTAssertEqual(out.status, 0, out.text)
        return out
    }

    /// Runs examples/python/<script> with Debian's Python (which has the lammps module); fails on a
    /// non-zero exit and returns what it printed.
    func runPython(_ script: String, _ arguments: String...) throws -> String {
        try runPython(arguments: [repositoryRoot + "/examples/python/" + script] + arguments)
    }

    /// The virtual environment `make test` builds over Debian's Python: Debian's numpy and lammps module plus
    /// a current ASE from PyPI (Debian's 3.22 predates FrechetCellFilter).
    static let currentASEPython = repositoryRoot + "/build/venv/bin/python"

    /// Runs `python` (default Debian's) with `arguments` in `folder` (default: the current directory).
    func runPython(arguments: [String], in folder: String? = nil, python: String = "/usr/bin/python3") throws -> String
    {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MosaicError(file: python, "no such Python", fix: "run make test, which builds build/venv")
        }
        let run = try runProcess(python, arguments, in: folder)
        XCTAssertEqual(run.status, 0, run.output)
        return run.output
    }

    /// examples/dft/phase-cells.py: every fcc, hcp and A15 point of data/phases/NbMoTaW-gpaw.json becomes a cell of
    /// its lattice at its volume, with zero forces and GPAW's energy per atom shifted so that GPAW's bcc energy at
    /// the data's volume (the parabola through the three nearest bcc points, in Lagrange form) lands on
    /// the data's unstrained bcc cell.
    func testPhaseCellsCarryGPAWDifferencesOnTheDataZero() throws {
        let folder = scratchFolder("phase-cells")
        _ = try runPython(arguments: [
            repositoryRoot + "/examples/dft/phase-cells.py", repositoryRoot + "/data/phases/NbMoTaW-gpaw.json", folder,
            "Ta",
        ])
        let cells = try Dataset.load([folder + "/Ta_Phases.xyz"]).structures
        let root = try XCTUnwrap(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/data/phases/NbMoTaW-gpaw.json")))
                as? [String: Any])
        let tantalum = try XCTUnwrap((root["elements"] as? [String: Any])?["Ta"] as? [String: Any])
        let points = try XCTUnwrap(tantalum["points"] as? [String: [[Double]]])
        let unstrained = try PropertyReport.unstrainedCell(
            try Dataset.load([repositoryRoot + "/data/ta/Ta_Elastic.json"]).structures)
        let dataVolume = unstrained.volume / Double(unstrained.count)
        let nearest = try XCTUnwrap(points["bcc"]).sorted { abs($0[0] - dataVolume) < abs($1[0] - dataVolume) }
        let (v, e) = (nearest[0..<3].map { $0[0] }, nearest[0..<3].map { $0[1] })
        // Lagrange form of the parabola through the three points, at the data's volume.
        var gpawBcc = 0.0
        for i in 0..<3 {
            var weight = 1.0
            for j in 0..<3 where j != i { weight *= (dataVolume - v[j]) / (v[i] - v[j]) }
            gpawBcc += weight * e[i]
        }
        XCTAssertLessThan(abs(gpawBcc - e[0]), 1e-4, "the scan is centred at the data's volume")
        let shift = try XCTUnwrap(unstrained.energy) / Double(unstrained.count) - gpawBcc
        XCTAssertEqual(cells.count, 15)
        for (phase, atoms) in [("fcc", 1), ("hcp", 2), ("A15", 8)] {
            let ofPhase = cells.filter { $0.group == "Ta_Phases/\(phase)" }
            let expected = try XCTUnwrap(points[phase])
            XCTAssertEqual(ofPhase.count, expected.count, phase)
            for (cell, point) in zip(ofPhase, expected) {
                XCTAssertEqual(cell.count, atoms, phase)
                XCTAssertEqual(cell.volume / Double(atoms), point[0], accuracy: 1e-4, phase)
                XCTAssertEqual(try XCTUnwrap(cell.energy) / Double(atoms), point[1] + shift, accuracy: 1e-7, phase)
                XCTAssertEqual(try XCTUnwrap(cell.forces).map { norm($0) }.max(), 0, phase)
            }
        }
    }

    /// examples/python/lammps_mosaic.py: Debian's python3-lammps with the style registered through the C API.
    func testPythonLAMMPSModule() throws {
        let text = try runPython("lammps_mosaic.py")
        let energy = text.components(separatedBy: "E = ").last.flatMap { Double($0.split(separator: " ").first ?? "") }
        let swift = try shipped.predict(bcc(cells: 3, a: 3.3226)).energy / 54
        XCTAssertEqual(energy ?? .nan, swift, accuracy: 2e-6, text)  // printed with 6 decimals
        // The computes are registered too: the perfect lattice lies well inside the training span.
        let grade = text.components(separatedBy: "largest extrapolation grade ").last.flatMap {
            Double($0.split(separator: ",").first ?? "")
        }
        XCTAssertNotNil(grade, text)
        XCTAssertLessThan(grade ?? .nan, 1, text)
        XCTAssertGreaterThan(grade ?? .nan, 0, text)
    }

    /// The ASE example as a module: importing it runs nothing and writes nothing, and its calculator
    /// survives the repeated calculations of an ASE optimizer (keep_alive), lowering energy and forces.
    func testASECalculatorRelaxes() throws {
        let folder = LAMMPS.folder("ase-relax")
        let code = """
            import sys
            sys.path.insert(0, "\(repositoryRoot)/examples/python")
            import ase_mosaic
            from ase.build import bulk
            from ase.optimize import BFGS
            atoms = bulk("Nb", "bcc", a=3.3226, cubic=True).repeat((2, 2, 2))
            atoms.rattle(stdev=0.05, seed=1)
            atoms.calc = ase_mosaic.mosaic_calculator()
            e0 = atoms.get_potential_energy()
            BFGS(atoms, logfile=None).run(fmax=0.01, steps=60)
            print("RESULT", e0, atoms.get_potential_energy(), abs(atoms.get_forces()).max())
            """
        let text = try runPython(arguments: ["-c", code], in: folder)
        let numbers =
            text.split(separator: "\n").last { $0.hasPrefix("RESULT") }?.split(separator: " ").dropFirst()
            .compactMap { Double($0) } ?? []
        XCTAssertEqual(numbers.count, 3, text)
        guard numbers.count == 3 else { return }
        XCTAssertLessThan(numbers[1], numbers[0], "the relaxation lowers the energy")
        XCTAssertLessThanOrEqual(numbers[2], 0.01, "forces below fmax")
        let written = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertFalse(written.contains("ase-mosaic.xyz"), "importing the example wrote its demo output")
    }

    /// examples/python/ase_mosaic.py: ASE's LAMMPSlib calculator with pair_style mosaic. The extended
    /// XYZ it writes (ASE's own writer) carries energy, forces and stress equal to the Swift core's.
    func testASECalculator() throws {
        let output = LAMMPS.folder("ase") + "/ase.xyz"
        _ = try runPython("ase_mosaic.py", output)
        let structure = try XCTUnwrap(try ExtXYZ(requireForces: true).read(path: output).first)
        let swift = try shipped.predict(structure)
        XCTAssertEqual(structure.energy!, swift.energy, accuracy: 1e-9 * abs(swift.energy))
        // ASE writes positions and forces with 8 decimals: position rounding moves forces by ~1e-8 Å
        // × force constants.
        for (a, b) in zip(structure.forces!, swift.forceVectors) { XCTAssertLessThan(norm(a - b), 2e-7) }
        let stress = swift.stress(volume: structure.volume)
        for v in 0..<6 {
            XCTAssertEqual(
                structure.stress!.voigt[v], stress.voigt[v], accuracy: 1e-6 * max(1e-3, abs(stress.voigt[v])))
        }
    }

    /// examples/lammps/in.minimize: box relaxation ends at the zero-pressure lattice constant of the Swift model.
    func testMinimizeExample() throws {
        let out = try runExample("in.minimize")
        guard let line = out.text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT lattice constant") }),
            let a = Double(line.split(separator: " ")[3])
        else { return XCTFail(out.text) }
        // Zero pressure in the Swift model at that lattice constant (trace of the stress ≈ 0).
        let model = try shipped
        let stress = try model.predict(bcc(cells: 2, a: a)).stress(volume: pow(2 * a, 3))
        XCTAssertLessThan(abs(Units.gigapascal(stress.trace / 3)), 1e-3, "pressure at a = \(a)")
        XCTAssertEqual(a, 3.3226, accuracy: 0.03, "near the DFT lattice constant")
    }

    /// examples/lammps/in.triclinic runs.
    func testTriclinicExample() throws {
        let out = try runExample("in.triclinic")
        XCTAssertTrue(out.text.contains("Loop time"), out.text)
    }

    /// Lattice constant, C11/C12/C44 and the vacancy formation energy from LAMMPS inputs in examples/
    /// agree with the Swift property calculator (issue: cross-check in LAMMPS).
    func testLAMMPSPropertiesMatchSwift() throws {
        let model = try shipped
        let calculator = PropertyCalculator(model: model)
        let a0 = try calculator.latticeConstant(guess: 3.32)
        func result(_ out: LAMMPS.Output, _ prefix: String) -> [Double] {
            guard let line = out.text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT " + prefix) }) else {
                return []
            }
            return line.split(separator: " ").compactMap { Double($0) }
        }
        // Lattice constant from box relaxation.
        let aLAMMPS = result(try runExample("in.minimize"), "lattice constant").first ?? .nan
        XCTAssertEqual(aLAMMPS, a0, accuracy: 1e-4 * a0)
        // Elastic constants from ±0.2% strains, the same deformations in both codes.
        let eps = 0.002
        let elastic = result(try runExample("in.elastic", variables: ["a": "\(a0)", "eps": "\(eps)"]), "C11")
        XCTAssertEqual(elastic.count, 3)
        let base = Crystal.bcc(Element(symbol: "Nb")!, a: a0, cells: 2)
        var cells = [base]
        for sign in [1.0, -1.0] {
            var uniaxial = Matrix3.identity
            uniaxial[0, 0] += sign * eps
            var shear = Matrix3.identity
            shear[2, 1] = sign * eps
            cells += [base.deformed(by: uniaxial), base.deformed(by: shear)]
        }
        let swift = try CubicElasticConstants.fit(cells: cells, reference: base.cell, maxStrain: 0.01) {
            try model.predict($0).stress(volume: $0.volume)
        }
        if elastic.count == 3 {
            XCTAssertEqual(elastic[0], swift.c11, accuracy: 1e-4 * swift.c11)
            XCTAssertEqual(elastic[1], swift.c12, accuracy: 1e-4 * swift.c11)
            XCTAssertEqual(elastic[2], swift.c44, accuracy: 1e-4 * swift.c11)
        }
        // Relaxed vacancy.
        let vacancyLAMMPS =
            result(try runExample("in.vacancy", variables: ["a": "\(a0)"]), "vacancy formation energy").first ?? .nan
        let vacancy = try calculator.vacancyFormationEnergy(a0: a0)
        XCTAssertTrue(vacancy.converged)
        XCTAssertEqual(vacancyLAMMPS, vacancy.energy, accuracy: 1e-4 * vacancy.energy)
    }

    /// examples/active-learning/run.sh end to end: MD at 0.75 V0 and 2000 K with the grade watching, then
    /// mosaic select. Without halting, the frames extrapolate (γ > 1) and two picks are written as
    /// extended XYZ that reads back; the second pick, given the first, has a much lower grade. With a
    /// halt threshold of 1.2, fix halt stops the MD and the dumped frames are still selectable.
    func testActiveLearningExample() throws {
        let mosaic = repositoryRoot + "/.build/release/mosaic"
        for (halt, halts) in [("25", false), ("1.2", true)] {
            let folder = LAMMPS.folder("active-learning-\(halt)")
            let (status, text) = try runProcess(
                "/bin/bash",
                [repositoryRoot + "/examples/active-learning/run.sh", "-var", "steps", "100", "-var", "halt", halt],
                environment: ["LMP": LAMMPS.launcher, "MOSAIC": mosaic, "OUT": folder, "COUNT": "2"])
            XCTAssertEqual(status, 0, text)
            XCTAssertEqual(text.contains("Fix halt condition"), halts, text)
            let picked = try ExtXYZ().read(path: folder + "/candidates.extxyz")
            XCTAssertEqual(picked.count, 2, text)
            XCTAssertTrue(picked.allSatisfy { $0.count == 128 && $0.isPeriodic }, text)
            // The pick table: grades above 1, and the second pick's grade given the first is lower.
            let lines = text.split(separator: "\n")
            let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("pick ") }, text)
            let rows = lines[(header + 1)...].prefix(2).map { $0.split(separator: " ").compactMap { Double($0) } }
            XCTAssertEqual(rows.count, 2, text)
            guard rows.count == 2, rows.allSatisfy({ $0.count >= 5 }) else { continue }
            // Last three numbers of a row: max γ, γ given the earlier picks, gain.
            let first = Array(rows[0].suffix(3))
            let second = Array(rows[1].suffix(3))
            XCTAssertGreaterThan(first[0], 1, text)
            XCTAssertEqual(first[1], first[0], accuracy: 1e-2, text)
            XCTAssertLessThan(second[1], second[0], text)
            XCTAssertGreaterThan(first[2], second[2], "the first pick gains most")
            // The dump reads back: a frame every 20 steps until the run ended.
            let frames = try LAMMPSDump().read(path: folder + "/md.dump")
            XCTAssertGreaterThanOrEqual(frames.count, halts ? 1 : 6)
        }
    }

    /// `import mosaic` (examples/python/mosaic): the ASE calculator without LAMMPS equals the Swift core
    /// (energy, forces, stress, per-atom energies, grades), its forces and stress equal finite differences
    /// of its energy, an ASE optimizer relaxes with it, a cluster (no periodicity) works, and an element
    /// the potential lacks is a clear error.
    func testImportMosaicASECalculator() throws {
        let folder = LAMMPS.folder("import-mosaic")
        let code = """
            import sys
            sys.path.insert(0, "\(repositoryRoot)/examples/python")
            import numpy as np
            import mosaic
            from ase import Atoms
            from ase.build import bulk
            from ase.calculators.test import numeric_force
            from ase.optimize import BFGS
            atoms = bulk("Nb", "bcc", a=3.32, cubic=True) * (3, 3, 3)
            atoms.rattle(0.05, seed=1)
            atoms.calc = mosaic.MosaicCalculator("\(repositoryRoot)/potentials/Nb.json", uncertainty=True)
            atoms.get_potential_energy()
            np.savetxt("positions.txt", atoms.positions, fmt="%.17g")
            np.savetxt("results.txt", np.column_stack([atoms.get_forces(), atoms.calc.results["energies"],
                       atoms.calc.results["grades"]]))
            np.savetxt("stress.txt", atoms.get_stress())
            force_error = max(abs(atoms.get_forces()[i][k] - numeric_force(atoms, i, k, 1e-5))
                              for i in (0, 7) for k in range(3))
            stress_error = abs(atoms.calc.calculate_numerical_stress(atoms, d=1e-6) - atoms.get_stress()).max()
            print(f"FD force {force_error:.3e} stress {stress_error:.3e}")
            BFGS(atoms, logfile=None).run(fmax=0.01)
            print(f"relaxed fmax {abs(atoms.get_forces()).max():.4f}")
            cluster = Atoms("Nb3", positions=[[0, 0, 0], [2.8, 0, 0], [1.4, 2.4, 0]])
            cluster.calc = mosaic.MosaicCalculator("\(repositoryRoot)/potentials/Nb.json")
            print(f"cluster {cluster.get_potential_energy():.10f}")
            try:
                mosaic.Potential("\(repositoryRoot)/potentials/Nb.json").compute(np.eye(3) * 5, [True] * 3,
                                                                              [[0, 0, 0]], ["W"])
            except mosaic.MosaicError as error:
                print("error:", error)
            """
        try code.write(toFile: folder + "/check.py", atomically: true, encoding: .utf8)
        let text = try runPython(arguments: ["check.py"], in: folder)
        let model = try shipped
        // The rattled cell (positions to full precision), evaluated by the Swift core.
        let positions = try String(contentsOfFile: folder + "/positions.txt", encoding: .utf8).split(separator: "\n")
            .map { line -> Vec3 in
                let v = line.split(separator: " ").compactMap { Double($0) }
                return Vec3(v[0], v[1], v[2])
            }
        let s = Structure(
            cell: Matrix3.diagonal(Vec3(repeating: 9.96)), positions: positions,
            elements: Array(repeating: Element(symbol: "Nb")!, count: positions.count))
        let swift = try model.predict(s)
        let rows = try String(contentsOfFile: folder + "/results.txt", encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: " ").compactMap { Double($0) }
        }
        XCTAssertEqual(rows.count, s.count)
        for (i, row) in rows.enumerated() where row.count == 5 {
            for k in 0..<3 { XCTAssertEqual(row[k], swift.forceVectors[i][k], accuracy: 1e-12, "force \(i)") }
            XCTAssertEqual(row[3], swift.atomEnergies[i], accuracy: 1e-12, "energy \(i)")
            XCTAssertTrue(row[4] > 0 && row[4] < 1, "grade \(i): \(row[4])")
        }
        let stress = try String(contentsOfFile: folder + "/stress.txt", encoding: .utf8).split(separator: "\n")
            .compactMap { Double($0) }
        let expected = swift.stress(volume: s.volume).voigt
        XCTAssertEqual(stress.count, 6)
        for (a, b) in zip(stress, expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        let fdLine = text.split(separator: "\n").first { $0.hasPrefix("FD force ") } ?? ""
        let fd = fdLine.split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(fd.count, 2, text)
        XCTAssertLessThan(fd.first ?? 1, 1e-6, text)
        XCTAssertLessThan(fd.last ?? 1, 1e-8, text)
        XCTAssertTrue(text.contains("relaxed fmax 0.00"), text)
        let nb = Element(symbol: "Nb")!
        let cluster = Structure(
            cell: .identity, pbc: [false, false, false],
            positions: [Vec3(0, 0, 0), Vec3(2.8, 0, 0), Vec3(1.4, 2.4, 0)],
            elements: [nb, nb, nb])
        let clusterEnergy = text.components(separatedBy: "cluster ").last.flatMap {
            Double($0.split(separator: "\n").first ?? "")
        }
        XCTAssertEqual(clusterEnergy ?? .nan, try model.predict(cluster).energy, accuracy: 1e-9, text)
        XCTAssertTrue(text.contains("error:") && text.contains("elements W are not in the potential"), text)
    }

    /// `from mosaic.ase import MosaicCalculator` with ASE's tools: a triclinic snapshot equals the Swift core,
    /// ASE's EquationOfState gives the Swift lattice constant, FrechetCellFilter relaxes the box to it (run with
    /// a current ASE: Debian's 3.22 predates that filter), and velocity-Verlet MD conserves energy.
    func testASEToolsWithTheCalculator() throws {
        let folder = LAMMPS.folder("mosaic-ase-tools")
        var sheared = niobium["Nb_Elastic"]!.first {
            abs($0.cell.a.y) + abs($0.cell.b.x) + abs($0.cell.c.x) + abs($0.cell.c.y) > 1e-6
        }!
        sheared = sheared.supercell(2, 2, 2)
        let cell = [sheared.cell.a, sheared.cell.b, sheared.cell.c].map { "[\($0.x), \($0.y), \($0.z)]" }
        let positions = sheared.positions.map { "[\($0.x), \($0.y), \($0.z)]" }
        let code = """
            import sys
            sys.path.insert(0, "\(repositoryRoot)/examples/python")
            import numpy as np
            from mosaic.ase import MosaicCalculator
            from ase import Atoms, units
            from ase.build import bulk
            from ase.filters import FrechetCellFilter
            from ase.eos import EquationOfState
            from ase.md.verlet import VelocityVerlet
            from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
            from ase.optimize import BFGS
            potential = "\(repositoryRoot)/potentials/Nb.json"
            tri = Atoms("Nb\(sheared.count)", positions=[\(positions.joined(separator: ", "))],
                        cell=[\(cell.joined(separator: ", "))], pbc=True)
            tri.calc = MosaicCalculator(potential)
            print(f"triclinic {tri.get_potential_energy():.12f}")
            volumes, energies = [], []
            for a in np.linspace(3.25, 3.40, 7):
                atoms = bulk("Nb", "bcc", a=a, cubic=True)
                atoms.calc = MosaicCalculator(potential)
                volumes.append(atoms.get_volume())
                energies.append(atoms.get_potential_energy())
            v0, e0, b = EquationOfState(volumes, energies).fit()
            print(f"eos a0 {(2 * v0 / 2) ** (1 / 3):.6f}")
            box = bulk("Nb", "bcc", a=3.25, cubic=True) * (2, 2, 2)
            box.calc = MosaicCalculator(potential)
            BFGS(FrechetCellFilter(box), logfile=None).run(fmax=1e-4, steps=200)
            print(f"relaxed a {box.cell[0][0] / 2:.6f}")
            md = bulk("Nb", "bcc", a=3.31, cubic=True) * (3, 3, 3)
            md.calc = MosaicCalculator(potential)
            MaxwellBoltzmannDistribution(md, temperature_K=600, rng=np.random.default_rng(3))
            start = md.get_total_energy()
            dyn = VelocityVerlet(md, 1.0 * units.fs)
            drift = 0.0
            for _ in range(10):
                dyn.run(10)
                drift = max(drift, abs(md.get_total_energy() - start))
            print(f"md drift {drift:.3e}")
            """
        try code.write(toFile: folder + "/tools.py", atomically: true, encoding: .utf8)
        let text = try runPython(arguments: ["tools.py"], in: folder, python: Self.currentASEPython)
        func number(_ label: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(label + " ") }.flatMap {
                Double($0.dropFirst(label.count + 1))
            } ?? .nan
        }
        let model = try shipped
        XCTAssertEqual(number("triclinic"), try model.predict(sheared).energy, accuracy: 1e-9, text)
        let a0 = try PropertyCalculator(model: model).latticeConstant(guess: 3.3)
        XCTAssertEqual(number("eos a0"), a0, accuracy: 2e-3, text)
        XCTAssertEqual(number("relaxed a"), a0, accuracy: 1e-4, text)
        XCTAssertLessThan(number("md drift"), 1e-3, text)
    }

    /// The ASE calculator (C ABI, neighbour list in Swift) and LAMMPS's pair_style mosaic give the same energy,
    /// forces and per-atom energies on real snapshots: an AIMD frame, a slab and a sheared (triclinic) cell.
    func testASECalculatorEqualsLAMMPS() throws {
        let folder = LAMMPS.folder("ase-vs-lammps")
        let sheared = niobium["Nb_Elastic"]!.first {
            abs($0.cell.a.y) + abs($0.cell.b.x) + abs($0.cell.c.x) + abs($0.cell.c.y) > 1e-6
        }!.supercell(2, 2, 2)
        for (k, s) in [niobium["Nb_AIMD"]![120], niobium["Nb_Surface"]![5], sheared].enumerated() {
            try ExtXYZ.format([s]).write(toFile: folder + "/frame.extxyz", atomically: true, encoding: .utf8)
            let code = """
                import sys
                sys.path.insert(0, "\(repositoryRoot)/examples/python")
                import numpy as np
                from ase.io import read
                from mosaic import MosaicCalculator
                atoms = read("frame.extxyz")
                atoms.calc = MosaicCalculator("\(repositoryRoot)/potentials/Nb.json")
                table = np.column_stack([atoms.get_forces(), atoms.calc.results["energies"]])
                np.savetxt("ase.txt", table, fmt="%.17g")
                print(f"energy {atoms.get_potential_energy():.17g}")
                """
            try code.write(toFile: folder + "/calculate.py", atomically: true, encoding: .utf8)
            let text = try runPython(arguments: ["calculate.py"], in: folder)
            let energy = try XCTUnwrap(
                text.split(separator: "\n").first { $0.hasPrefix("energy ") }.flatMap { Double($0.dropFirst(7)) }, text)
            let ase = try String(contentsOfFile: folder + "/ase.txt", encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: " ").compactMap { Double($0) }
            }
            try LAMMPSData(s).text(elements: [Element(symbol: "Nb")!]).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let out = try LAMMPS.run(
                LAMMPS.singlePointInput(potential: repositoryRoot + "/potentials/Nb.json", elements: "Nb"),
                folder: folder)
            XCTAssertEqual(out.status, 0, out.text)
            let lammpsEnergy = try XCTUnwrap(LAMMPS.results(out).first, out.text)
            XCTAssertEqual(energy, lammpsEnergy, accuracy: 1e-10 * abs(lammpsEnergy), "snapshot \(k)")
            let rows = try LAMMPS.dump(folder + "/forces.dump")
            let rotation = try LAMMPSData(s).rotation
            XCTAssertEqual(rows.count, s.count)
            var largest = 0.0
            for (i, row) in rows.enumerated() where row.count == 5 && ase[i].count == 4 {
                let f = rotation.leftMultiply(Vec3(ase[i][0], ase[i][1], ase[i][2]))
                for a in 0..<3 { largest = max(largest, abs(row[1 + a] - f[a])) }
                largest = max(largest, abs(row[4] - ase[i][3]))
            }
            print(
                String(
                    format: "ASE calculator vs LAMMPS, snapshot %d: energy %.1e eV, largest force/atom-energy"
                        + " difference %.1e", k, abs(energy - lammpsEnergy), largest))
            XCTAssertLessThan(largest, 1e-9, "snapshot \(k)")
        }
    }
}
