import Foundation
import XCTest
import MosaicCore
import MosaicModel
import MosaicTestSupport

/// The examples in examples/ run and agree with the Swift core.
final class ExampleTests: XCTestCase {
    var shipped: CompositeModel { get throws { try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model } }

    func bcc(cells n: Int, a: Double) -> Structure {
        var positions: [Vec3] = []
        for i in 0..<n { for j in 0..<n { for k in 0..<n {
            let corner = Vec3(Double(i), Double(j), Double(k)) * a
            positions += [corner, corner + Vec3(0.5, 0.5, 0.5) * a]
        } } }
        return Structure(cell: Matrix3.diagonal(Vec3(1, 1, 1) * (a * Double(n))), positions: positions,
                         elements: Array(repeating: Element(symbol: "Nb")!, count: positions.count))
    }

    /// Runs examples/lammps/<name> with the shipped potential; fails on a non-zero exit.
    func runExample(_ name: String) throws -> LAMMPS.Output {
        let input = try String(contentsOfFile: repositoryRoot + "/examples/lammps/" + name, encoding: .utf8)
            .replacingOccurrences(of: "index potentials/Nb.json", with: "index \(repositoryRoot)/potentials/Nb.json")
        let out = try LAMMPS.run(input, folder: LAMMPS.folder(name))
        XCTAssertEqual(out.status, 0, out.text)
        return out
    }

    /// examples/python/lammps_mosaic.py: Debian's python3-lammps with the style registered through the C API.
    func testPythonLAMMPSModule() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [repositoryRoot + "/examples/python/lammps_mosaic.py"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
        let energy = text.components(separatedBy: "E = ").last.flatMap { Double($0.split(separator: " ").first ?? "") }
        let swift = try shipped.predict(bcc(cells: 3, a: 3.3226)).energy / 54
        XCTAssertEqual(energy ?? .nan, swift, accuracy: 2e-6, text)  // printed with 6 decimals
    }

    /// examples/lammps/in.minimize: box relaxation ends at the zero-pressure lattice constant of the Swift model.
    func testMinimizeExample() throws {
        let out = try runExample("in.minimize")
        guard let line = out.text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT lattice constant") }),
              let a = Double(line.split(separator: " ")[3]) else { return XCTFail(out.text) }
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
}
