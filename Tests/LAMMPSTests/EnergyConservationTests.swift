import Foundation
import MosaicCore
import MosaicTestSupport
import XCTest

/// NVE molecular dynamics with the shipped potential (examples/lammps/in.nve): the total
/// energy is conserved, and its error scales as dt² (velocity Verlet).
final class EnergyConservationTests: XCTestCase {
    struct Run {
        var drift: Double
        var fluctuation: Double
        var temperature: Double
        /// The thermo rows (step, time, T, PE, E total, pressure, and what the input adds).
        var rows: [[Double]]
    }

    /// Runs in.nve and fits E_total(t) per atom by a line: slope = drift (eV/atom/ps),
    /// RMS residual = fluctuation (eV/atom).
    /// 10³ bcc cells = 2000 atoms, on 2 MPI ranks.
    func nve(
        temperature: Double, dt: Double, picoseconds: Double, cells: Int = 10, input name: String = "in.nve",
        columns: Int = 6
    ) throws -> Run {
        let folder = LAMMPS.folder("nve-\(name)-\(Int(temperature))-\(dt)")
        let steps = Int((picoseconds / dt).rounded())
        let input = try LAMMPS.exampleInput(
            name, variables: ["T": "\(temperature)", "dt": "\(dt)", "steps": "\(steps)", "n": "\(cells)"])
        let out = try LAMMPS.run(input, folder: folder, ranks: 2)
        XCTAssertEqual(out.status, 0, out.text)
        let rows = out.text.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }.filter {
            $0.count == columns
        }
        XCTAssertGreaterThan(rows.count, 20, out.text)
        // Skip the first 0.2 ps (equipartition).
        let data = rows.filter { $0[1] >= 0.2 }
        let t = data.map { $0[1] }
        let e = data.map { $0[4] }
        let n = Double(t.count)
        let tMean = t.reduce(0, +) / n
        let eMean = e.reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        for (x, y) in zip(t, e) {
            sxy += (x - tMean) * (y - eMean)
            sxx += (x - tMean) * (x - tMean)
        }
        let slope = sxy / sxx
        let residual = zip(t, e).map { x, y in y - (eMean + slope * (x - tMean)) }
        let fluctuation = (residual.map { $0 * $0 }.reduce(0, +) / n).squareRoot()
        let temperature = data.map { $0[2] }.reduce(0, +) / n
        return Run(drift: slope, fluctuation: fluctuation, temperature: temperature, rows: rows)
    }

    func testEnergyIsConservedAndErrorScalesAsTimeStepSquared() throws {
        let fine = try nve(temperature: 300, dt: 0.001, picoseconds: 5)
        let coarse = try nve(temperature: 300, dt: 0.002, picoseconds: 5)
        let hot = try nve(temperature: 3000, dt: 0.001, picoseconds: 5)
        for (label, run) in [("300 K, 1 fs", fine), ("300 K, 2 fs", coarse), ("3000 K, 1 fs", hot)] {
            print(
                String(
                    format: "NVE, 2000 atoms, 5 ps, %@: <T> = %.0f K, drift %.2e eV/atom/ps, fluctuation %.2e eV/atom",
                    label as NSString, run.temperature, run.drift, run.fluctuation))
        }
        XCTAssertLessThan(abs(fine.drift), 1e-6, "300 K drift per atom per ps")
        XCTAssertLessThan(abs(hot.drift), 1e-5, "3000 K drift per atom per ps")
        XCTAssertLessThan(fine.fluctuation, 1e-5)
        // Velocity Verlet: energy error ∝ dt².
        let ratio = coarse.fluctuation / fine.fluctuation
        XCTAssertGreaterThan(ratio, 2.5, "fluctuation ratio 2 fs / 1 fs = \(ratio)")
        XCTAssertLessThan(ratio, 6.0, "fluctuation ratio 2 fs / 1 fs = \(ratio)")
    }

    /// The shipped NbMoTaW potential on 2000 atoms of a random equiatomic alloy (examples/lammps/in.nve-alloy),
    /// 2 ps at 300 K and at 3000 K: the energy is conserved, and no atom ever has a neighbour within 1.8 Å
    /// (no pair collapses).
    func testAlloyPotentialConservesEnergyAndNoPairCollapses() throws {
        for (temperature, limit) in [(300.0, 1e-6), (3000.0, 1e-5)] {
            let run = try nve(
                temperature: temperature, dt: 0.001, picoseconds: 2, input: "in.nve-alloy",
                columns: 7)
            print(
                String(
                    format: "NVE NbMoTaW, 2000 atoms, 2 ps, %.0f K: <T> = %.0f K, drift %.2e eV/atom/ps,"
                        + " fluctuation %.2e eV/atom", temperature, run.temperature, run.drift, run.fluctuation))
            XCTAssertLessThan(abs(run.drift), limit, "drift per atom per ps at \(temperature) K")
            XCTAssertGreaterThan(run.temperature, 0.8 * temperature)
            XCTAssertEqual(run.rows.map { $0[6] }.max(), 0, "atoms with a neighbour within 1.8 Å")
        }
    }
}
