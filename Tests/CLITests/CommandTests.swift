import Foundation
import XCTest
import MosaicCore
import MosaicModel
import MosaicFit
import MosaicProperties
import MosaicTestSupport

/// The `mosaic` command line as a user runs it (the release binary `make test` builds).
final class CommandTests: XCTestCase {
    func mosaic(_ arguments: String...) throws -> (status: Int32, output: String) {
        let binary = repositoryRoot + "/.build/release/mosaic"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw MosaicError(file: binary, "the mosaic tool is not built", fix: "run make test")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text + errors)
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// evaluate --json gives the per-group errors that the library computes for the shipped potential.
    func testEvaluateJSONMatchesLibrary() throws {
        let folder = NSTemporaryDirectory() + "mosaic-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let run = try mosaic("evaluate", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Surface.json", "--json", "--plots", folder + "/surface")
        XCTAssertEqual(run.status, 0, run.output)
        let overall = try XCTUnwrap(try json(run.output)["overall"] as? [String: Any])
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let data = try Dataset.load([dataPath("Nb_Surface.json")])
        let report = EvaluationReport(model: model, data: try PreparedDataset(data, model: model))
        XCTAssertEqual(overall["forceRMSE"] as? Double ?? .nan, report.overall.forceRMSE, accuracy: 1e-12)
        XCTAssertEqual(overall["energyRMSE"] as? Double ?? .nan, report.overall.energyRMSE, accuracy: 1e-12)
        XCTAssertTrue(try String(contentsOfFile: folder + "/surface-forces.svg", encoding: .utf8).contains("<svg"))
    }

    /// properties --json: every property has a model value, the data-derived references are there,
    /// and the HTML report is written with its plots.
    func testPropertiesReport() throws {
        let html = NSTemporaryDirectory() + "mosaic-cli-\(getpid())-properties.html"
        let run = try mosaic("properties", "potentials/Nb.json", "--json", "--report", html, "--data", "data/nb/Nb_Elastic.json")
        XCTAssertEqual(run.status, 0, run.output)
        let entries = try XCTUnwrap(try json(run.output)["properties"] as? [[String: Any]])
        let names = entries.compactMap { $0["name"] as? String }
        for expected in ["lattice constant", "bulk modulus (EOS)", "C11", "C12", "C44", "surface (110)", "vacancy formation", "E(A15) − E(bcc)"] {
            XCTAssertTrue(names.contains(expected), expected)
        }
        XCTAssertEqual(entries.filter { $0["reference"] != nil }.count, 19)  // 6 bulk properties + 13 facets
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("Equation of state") && page.components(separatedBy: "<svg").count >= 5)
    }

    /// fim --json: one eigenvalue per parameter, ascending, shares summing to one.
    func testFimJSON() throws {
        let svg = NSTemporaryDirectory() + "mosaic-cli-\(getpid())-fim.svg"
        let run = try mosaic("fim", "potentials/Nb.json", "--data", "data/nb/Nb_Elastic.json", "data/nb/Nb_Surface.json", "--json", "--plot", svg)
        XCTAssertEqual(run.status, 0, run.output)
        let report = try json(run.output)
        let eigenvalues = try XCTUnwrap(report["eigenvalues"] as? [Double])
        XCTAssertEqual(eigenvalues.count, (report["parameterNames"] as? [String])?.count)
        XCTAssertEqual(eigenvalues, eigenvalues.sorted())
        let shares = try XCTUnwrap(report["termShares"] as? [String: Double])
        XCTAssertEqual(shares.values.reduce(0, +), 1, accuracy: 1e-9)
        // Properties ± σ: the same values as `mosaic properties`, with positive propagated σ.
        let properties = try XCTUnwrap(report["properties"] as? [[String: Any]])
        let names = properties.compactMap { $0["name"] as? String }
        XCTAssertTrue(["lattice constant", "C44", "surface (110)", "vacancy formation"].allSatisfy(names.contains), "\(names)")
        XCTAssertTrue(properties.allSatisfy { ($0["sigma"] as? Double ?? 0) > 0 })
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let lattice = try XCTUnwrap(properties.first { $0["name"] as? String == "lattice constant" }?["value"] as? Double)
        XCTAssertEqual(lattice, try PropertyCalculator(model: model).latticeConstant(guess: 3.3), accuracy: 1e-12)
    }

    /// fit --model accepts a potential file as the start: the refit keeps its terms, its fixed
    /// parameter untouched, and the loss weights given on the command line.
    func testRefitFromPotentialFile() throws {
        let output = NSTemporaryDirectory() + "mosaic-cli-\(getpid())-refit.json"
        let run = try mosaic("fit", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Elastic.json", "--no-stages",
                             "--max-iterations", "3", "--energy-tolerance", "0.004", "--no-plots", "--output", output)
        XCTAssertEqual(run.status, 0, run.output)
        let shipped = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let refit = try PotentialFile.read(path: output)
        XCTAssertEqual(refit.model.terms.map(\.name), shipped.terms.map(\.name))
        let fixed = try XCTUnwrap(shipped.fixed?.first)
        let index = try XCTUnwrap(shipped.parameterNames.firstIndex(of: fixed))
        XCTAssertEqual(refit.model.fixed, shipped.fixed)
        XCTAssertEqual(refit.model.naturalParameters[index], shipped.naturalParameters[index])
        XCTAssertNotEqual(refit.model.naturalParameters, shipped.naturalParameters, "the other parameters were refitted")
        guard case .object(let provenance) = refit.provenance, case .object(let weights)? = provenance["weights"],
              case .number(let tolerance)? = weights["energyTolerance"] else { return XCTFail("no weights in the provenance") }
        XCTAssertEqual(tolerance, 0.004)
        XCTAssertTrue(run.output.contains("fitted parameters (+1 fixed)"), run.output)
    }

    /// Bad input: a clear message on stderr and exit status 1, no trap.
    func testBadInputGivesMessageAndStatus() throws {
        let missing = try mosaic("evaluate", "--model", "potentials/none.json")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.output.contains("error: ") && missing.output.contains("none.json"), missing.output)
        let badHoldOut = try mosaic("fit", "--model", "examples/models/nb.yaml", "--hold-out", "Nb_AIMD/Md/500K", "--output", "/tmp/never.json")
        XCTAssertEqual(badHoldOut.status, 1)
        XCTAssertTrue(badHoldOut.output.contains("matches no group"), badHoldOut.output)
    }
}
