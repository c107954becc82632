import Foundation
import FoundationXML
import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// The validation protocol of `mosaic design` (block cross-validation by default, an untouched --test
/// block) and the energy–force trade-off scan of `mosaic tradeoff`.
extension CommandTests {
    static let smallLibrary = """
        elements: [Nb]
        terms:
          - {type: reference, energies: {Nb: -10.0}}
          - {type: born-mayer, name: repulsion, cutoff: 4.0, r0: 2.5, amplitude: 0.5, rho: 0.3}
          - {type: pair-spline, name: pair, inner: 2.0, cutoff: 5.0, size: 6}
        """

    /// Without --hold-out the loop chooses on folds of whole AIMD blocks (never the --test block),
    /// prints each fold's errors and records them; the recorded validation errors are their RMS.
    func testDesignCrossValidatesOverWholeBlocksByDefault() throws {
        let folder = scratchFolder("cli-cv")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let library = folder + "/library.yaml"
        try CommandTests.smallLibrary.write(toFile: library, atomically: true, encoding: .utf8)
        let output = folder + "/designed.json"
        let run = try mosaic(
            "design", "--start", library, "--data", "data/nb/Nb_AIMD.json", "--test", "Nb_AIMD/Md/1000K",
            "--max-candidates", "2", "--iterations", "5", "--elastic", "", "--output", output)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("cross-validation over 4 folds of whole groups"), run.output)
        XCTAssertTrue(run.output.contains("cross-validation fold"), run.output)
        let file = try PotentialFile.read(path: output)
        guard case .array(let folds)? = file.provenance["crossValidation"] else {
            return XCTFail("no fold errors in the provenance")
        }
        let names = folds.compactMap { fold -> String? in
            if case .string(let name)? = fold["fold"] { return name }
            return nil
        }
        XCTAssertEqual(
            names, ["Nb_AIMD/Md/300K", "Nb_AIMD/Md/3000K", "Nb_AIMD/Md_90/300K", "Nb_AIMD/Md_110/300K"])
        var squares = 0.0
        for fold in folds {
            guard case .number(let e)? = fold["errors"]?["energyRMSE"] else { return XCTFail("fold without errors") }
            squares += e * e
        }
        guard case .number(let combined)? = file.provenance["validation"]?["energyRMSE"] else {
            return XCTFail("no validation errors")
        }
        XCTAssertEqual(combined, (squares / 4).squareRoot(), accuracy: 1e-12 * combined)
        // The chosen model is fitted on every training block (nothing held out of it but the test block).
        XCTAssertEqual(file.provenance["heldOut"], .array([]))
    }

    /// The protocol's options are checked before any work.
    func testValidationProtocolOptionsAreChecked() throws {
        let output = scratchPath("never-cv.json")
        try assertRefused(
            [
                (
                    ["design", "--output", output, "--refit"],
                    "--refit needs --hold-out"
                ),
                (
                    ["design", "--output", output, "--hold-out", "Nb_Surface", "--fold", "Nb_Elastic"],
                    "give one of them"
                ),
                (["design", "--output", output, "--fold-iterations", "0"], "--fold-iterations"),
                (["fit", "--model", "examples/models/nb.yaml", "--output", output, "--balance", "atoms"], "--balance"),
                (
                    ["tradeoff", "--model", "potentials/Nb.json", "--energy-tolerances", "1,-2", "--plot", output],
                    "--energy-tolerances"
                ),
            ], status: 64, writing: output)
        try assertRefused(
            [
                (
                    [
                        "design", "--start", "examples/models/nb-library.yaml", "--output", output, "--test",
                        "Nb_Surface", "--fold", "Nb_Surface",
                    ], "'Nb_Surface' matches no group of the training data"
                ),
                (
                    [
                        "design", "--start", "examples/models/nb-library.yaml", "--data", "data/nb/Nb_Elastic.json",
                        "--output", output,
                    ], "choosing needs at least two blocks"
                ),
            ], status: 1, writing: output)
    }

    /// Refits at falling energy tolerances trade the other kinds for energy: for a model linear in its
    /// parameters (exact optima), training energy RMSE never rises and the rest of the loss,
    /// (F/0.1)² + (σ/0.5)², never falls as the tolerance falls; the SVG is well formed with one filled point
    /// per tolerance.
    func testTradeoffScanIsMonotone() throws {
        let folder = scratchFolder("cli-tradeoff")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = folder + "/linear.yaml"
        try """
        elements: [Nb]
        terms:
          - {type: reference, energies: {Nb: -10.0}}
          - {type: pair-spline, name: pair, inner: 2.0, cutoff: 5.0, size: 8}
        """.write(toFile: model, atomically: true, encoding: .utf8)
        let plot = folder + "/tradeoff.svg"
        let run = try mosaic(
            "tradeoff", "--model", model, "--data", "data/nb/Nb_AIMD.json", "--test", "Nb_AIMD/Md/1000K",
            "--energy-tolerances", "16,4,1,0.25", "--max-iterations", "30", "--plot", plot)
        XCTAssertEqual(run.status, 0, run.output)
        // Table rows: tolerance, train E, train F, CV E, CV F, CV score, test E, test F, train σ.
        let lines = run.output.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("E tol meV/at") }, run.output)
        let rows = lines[(header + 1)...(header + 4)].map { $0.split(separator: " ").compactMap { Double($0) } }
        XCTAssertEqual(rows.map(\.count), [9, 9, 9, 9], run.output)
        XCTAssertEqual(rows.map { $0[0] }, [16, 4, 1, 0.25])
        // Cross-validation: four AIMD blocks left out in turn; a block never seen is fitted worse than in training,
        // and one row, the lowest CV score, is marked.
        XCTAssertTrue(run.output.contains("cross-validation folds: Nb_AIMD/Md/300K; "), run.output)
        for row in rows { XCTAssertGreaterThan(row[3], row[1], "CV E above training E\n" + run.output) }
        let marked = lines[(header + 1)...(header + 4)].filter { $0.hasSuffix(" *") || $0.contains(" * ") }
        XCTAssertEqual(marked.count, 1, run.output)
        let lowest = rows.map { $0[5] }.min()!
        XCTAssertEqual(marked.first.map { $0.split(separator: " ").compactMap { Double($0) }[5] }, lowest)
        let rest = rows.map { pow($0[2] / 0.1, 2) + pow($0[8] / 0.5, 2) }
        for k in 1..<rows.count {
            XCTAssertLessThanOrEqual(rows[k][1], rows[k - 1][1] + 0.005, run.output)
            XCTAssertGreaterThanOrEqual(rest[k], rest[k - 1] * (1 - 1e-3), run.output)
        }
        XCTAssertLessThan(rows[3][1], 0.8 * rows[0][1], "the scan spans a real trade-off\n" + run.output)
        let collector = try PlotTests.checkedSVG(try String(contentsOfFile: plot, encoding: .utf8))
        let filled = collector.elements.filter { $0.name == "circle" && $0.attributes["fill"] == "#1f77b4" }
        XCTAssertEqual(filled.count, 4)
    }
}
