import Foundation
import MosaicCore
import MosaicFiles
import MosaicTestSupport
import XCTest

/// The README's quick start, run as written (all but `make demo`) on an extended XYZ file made from the
/// shipped niobium data: design from the data with an untouched test block, evaluation with the
/// per-structure CSV, LAMMPS MD with the new potential, and the ASE calculator from the python3 a user has.
final class QuickStartTests: XCTestCase {
    /// The README's first ```sh block after "## Quick start", without `make` lines.
    func quickStartCommands() throws -> String {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "## Quick start"), "README has a quick start")
        let start = try XCTUnwrap(readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
        let end = try XCTUnwrap(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        return readme[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("make ") }.joined(separator: "\n")
    }

    /// `my-data.extxyz`: the V0 AIMD blocks (every second frame) as md-300K/md-1000K/md-3000K and the strained
    /// cells as `strained`, in ASE's extended XYZ with `config_type`.
    func writeData(to path: String) throws {
        var text = ""
        let blocks = [
            ("Nb_AIMD/Md/300K", "md-300K"), ("Nb_AIMD/Md/1000K", "md-1000K"), ("Nb_AIMD/Md/3000K", "md-3000K"),
        ]
        for (group, name) in blocks {
            let frames = niobium["Nb_AIMD"]!.filter { $0.group == group }.enumerated().filter { $0.offset % 2 == 0 }
            text += frames.map { configType(ExtXYZ.format([$0.element]), name) }.joined()
        }
        text += niobium["Nb_Elastic"]!.map { configType(ExtXYZ.format([$0]), "strained") }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// One frame's text with `config_type=name` added to its comment line.
    func configType(_ frame: String, _ name: String) -> String {
        var lines = frame.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[1] += " config_type=\(name)"
        return lines.joined(separator: "\n")
    }

    func testQuickStartRunsAsWritten() throws {
        let folder = LAMMPS.folder("quick-start")
        try writeData(to: folder + "/my-data.extxyz")
        try? FileManager.default.removeItem(atPath: folder + "/examples")
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/examples", withDestinationPath: repositoryRoot + "/examples")
        // The tools as `make install` puts them on PATH; `import mosaic` as its mosaic.pth does.
        let bin = folder + "/bin"
        try? FileManager.default.removeItem(atPath: bin)
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: bin + "/mosaic", withDestinationPath: repositoryRoot + "/.build/release/mosaic")
        try FileManager.default.createSymbolicLink(atPath: bin + "/lmp_mosaic", withDestinationPath: LAMMPS.launcher)
        let script = "set -euo pipefail\n" + (try quickStartCommands()) + "\n"
        try script.write(toFile: folder + "/quick-start.sh", atomically: true, encoding: .utf8)
        let (status, text) = try runProcess(
            "/bin/bash", ["quick-start.sh"], in: folder,
            environment: [
                "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "PYTHONPATH": repositoryRoot + "/examples/python",
            ])
        print(text.split(separator: "\n").suffix(40).joined(separator: "\n"))
        XCTAssertEqual(status, 0, text)
        // The design kept the 1000 K block out and wrote a potential that the evaluation read.
        let potential = try PotentialFile.read(path: folder + "/my.json")
        XCTAssertEqual(potential.model.elements.map(\.symbol), ["Nb"])
        XCTAssertTrue(text.contains("my-data/md-1000K"), text)
        let csv = try String(contentsOfFile: folder + "/my-errors.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 20 * 3 + niobium["Nb_Elastic"]!.count, "one row per structure")
        // LAMMPS ran its 200 steps; the ASE calculator printed an energy and a stress.
        XCTAssertTrue(text.contains("Loop time of"), text)
        let energyLine = try XCTUnwrap(
            text.split(separator: "\n").last { $0.hasPrefix("-") && $0.contains("[") }, "python output\n\(text)")
        let energy = try XCTUnwrap(Double(energyLine.split(separator: " ")[0]), String(energyLine))
        XCTAssertEqual(energy / 16, -10.1, accuracy: 0.1, "energy per atom of bcc Nb near DFT's")
    }
}
