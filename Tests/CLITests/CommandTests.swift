import Foundation
import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

/// The `mosaic` command line as a user runs it (the release binary `make test` builds).
final class CommandTests: XCTestCase {
    func mosaic(_ arguments: String...) throws -> (status: Int32, output: String) { try mosaic(arguments) }

    func mosaic(_ arguments: [String], in folder: String? = nil, environment: [String: String] = [:]) throws -> (
        status: Int32, output: String
    ) {
        let binary = repositoryRoot + "/.build/release/mosaic"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw MosaicError(file: binary, "the mosaic tool is not built", fix: "run make test")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder ?? repositoryRoot)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
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
        let folder = scratchFolder("cli")
        let run = try mosaic(
            "evaluate", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Surface.json", "--json", "--plots",
            folder + "/surface")
        XCTAssertEqual(run.status, 0, run.output)
        let overall = try XCTUnwrap(try json(run.output)["overall"] as? [String: Any])
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let data = try Dataset.load([dataPath("Nb_Surface.json")])
        let report = EvaluationReport(model: model, data: try PreparedDataset(data, model: model))
        XCTAssertEqual(overall["forceRMSE"] as? Double ?? .nan, report.overall.forceRMSE, accuracy: 1e-12)
        XCTAssertEqual(overall["energyRMSE"] as? Double ?? .nan, report.overall.energyRMSE, accuracy: 1e-12)
        XCTAssertTrue(try String(contentsOfFile: folder + "/surface-forces.svg", encoding: .utf8).contains("<svg"))
    }

    /// `mosaic benchmark` times the Jacobian with basis columns against dual numbers only, and refuses to report
    /// when the two JᵀJ differ: on the shipped alloy potential (moment, three-body and pair-spline columns) and
    /// mixed Nb–Mo cells they agree.
    func testBenchmarkComparesTheTwoJacobians() throws {
        let run = try mosaic(
            "benchmark", "--model", "potentials/NbMoTaW.json", "--data", "data/binaries/NbMo_SS.json", "--repeats", "1")
        XCTAssertEqual(run.status, 0, run.output)
        let line = try XCTUnwrap(run.output.split(separator: "\n").first { $0.contains("dual numbers only") })
        /// The number between `marker` and the next ";" or ")".
        func number(after marker: String) -> Double? {
            guard let start = line.range(of: marker)?.upperBound else { return nil }
            return Double(line[start...].prefix { $0 != ";" && $0 != ")" })
        }
        XCTAssertGreaterThan(try XCTUnwrap(number(after: "ratio "), String(line)), 0)
        XCTAssertLessThan(try XCTUnwrap(number(after: "relative difference "), String(line)), 1e-9)
    }

    /// properties --json: every property has a model value, the data-derived references are there,
    /// and the HTML report is written with its plots.
    func testPropertiesReport() throws {
        let html = scratchPath("cli-properties.html")
        let run = try mosaic(
            "properties", "potentials/Nb.json", "--json", "--report", html, "--data", "data/nb/Nb_Elastic.json")
        XCTAssertEqual(run.status, 0, run.output)
        let entries = try XCTUnwrap(try json(run.output)["properties"] as? [[String: Any]])
        let names = entries.compactMap { $0["name"] as? String }
        for expected in [
            "lattice constant", "bulk modulus (EOS)", "C11", "C12", "C44", "surface (110)", "vacancy formation",
            "E(A15) − E(bcc)",
        ] {
            XCTAssertTrue(names.contains(expected), expected)
        }
        XCTAssertEqual(entries.filter { $0["reference"] != nil }.count, 19)  // 6 bulk properties + 13 facets
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("Equation of state") && page.components(separatedBy: "<svg").count >= 5)
        try checkReport(page, elasticCells: niobium["Nb_Elastic"]!.count)
    }

    /// `--phases`: the lattice energies get the file's DFT references (read here with JSONSerialization), their
    /// scaled errors (one unit 0.05 eV/atom) enter the property score, and a file naming no number is refused with
    /// its path and entry.
    func testPropertiesWithPhaseReferences() throws {
        let phases = "data/phases/NbMoTaW-gpaw.json"
        let common = ["properties", "potentials/Nb.json", "--no-uncertainty", "--surfaces", "", "--json"]
        let run = try mosaic(common + ["--phases", phases, "--report", scratchPath("cli-phases.html")])
        XCTAssertEqual(run.status, 0, run.output)
        let output = try json(run.output)
        let file = try XCTUnwrap(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/" + phases)))
                as? [String: Any])
        let niobium = try XCTUnwrap((file["elements"] as? [String: Any])?["Nb"] as? [String: Any])
        let entries = try XCTUnwrap(output["properties"] as? [[String: Any]])
        var scaled: [Double] = []
        for phase in ["fcc", "hcp", "A15"] {
            let entry = try XCTUnwrap(entries.first { $0["name"] as? String == "E(\(phase)) − E(bcc)" })
            let reference = try XCTUnwrap(niobium[phase] as? Double)
            XCTAssertEqual(entry["reference"] as? Double, reference, phase)
            let model = try XCTUnwrap(entry["model"] as? Double)
            scaled.append((model - reference) / 0.05)
        }
        let component = try XCTUnwrap(
            (output["scaledErrors"] as? [String: Double])?["lattice energy − E(bcc) (RMS of 3)"])
        XCTAssertEqual(component, (scaled.map { $0 * $0 }.reduce(0, +) / 3).squareRoot(), accuracy: 1e-9)
        let without = try mosaic(common + ["--report", scratchPath("cli-no-phases.html")])
        XCTAssertEqual(without.status, 0, without.output)
        let withoutScore = try XCTUnwrap(try json(without.output)["propertyScore"] as? Double)
        let withScore = try XCTUnwrap(output["propertyScore"] as? Double)
        // The lattice energies are one more component of the RMS.
        let others = withoutScore * withoutScore * 6  // lattice constant, energy, B, C11, C12, C44
        XCTAssertEqual(withScore, ((others + component * component) / 7).squareRoot(), accuracy: 1e-9)

        let broken = temporaryFile(#"{"elements": {"Nb": {"fcc": null}}}"#, name: "cli-phases-broken.json")
        let refused = try mosaic(common + ["--phases", broken])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains(broken) && refused.output.contains("elements.Nb.fcc"), refused.output)
    }

    /// The HTML report a person can read: every plot well-formed with its text inside the view box; the
    /// equation of state with axis ticks and one DFT point per strained cell; the scaled errors with an axis
    /// and each bar's value; "±" never wrapping onto its own line; provenance with the data files' SHA-256
    /// (computed here by sha256sum) and the Mosaic version.
    func checkReport(_ page: String, elasticCells: Int) throws {
        var svgs: [String] = []
        var rest = page[...]
        while let start = rest.range(of: "<svg"),
            let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
        {
            svgs.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        XCTAssertEqual(svgs.count, 4, "EOS, scaled errors, two parity plots")
        let collectors = try svgs.map { try PlotTests.checkedSVG($0) }
        let eos = collectors[0]
        let dftPoints = eos.elements.filter {
            $0.name == "circle" && $0.attributes["fill"] == "#d62728" && $0.attributes["cx"] != nil
        }
        XCTAssertEqual(dftPoints.count, elasticCells, "one DFT point per strained cell")
        XCTAssertGreaterThanOrEqual(eos.texts.compactMap(Double.init).count, 6, "EOS tick labels")
        let bars = collectors[1]
        XCTAssertTrue(bars.texts.contains("0") && bars.texts.contains("2"), "scaled-error axis ticks: \(bars.texts)")
        let barValues = bars.elements.filter { $0.name == "rect" && $0.attributes["height"] == "12" }.count
        XCTAssertEqual(barValues, 10, "one bar per score component")
        XCTAssertTrue(page.contains("white-space:nowrap") && page.contains("±&nbsp;"), "± stays with its number")
        XCTAssertFalse(page.contains("± "), "no breakable space after ±")
        let hash = try runProcess("/usr/bin/sha256sum", [repositoryRoot + "/data/nb/Nb_Elastic.json"]).output
            .split(separator: " ")[0]
        XCTAssertTrue(page.contains("Nb_Elastic.json (sha256 \(hash))"), "data hash in the provenance")
        XCTAssertTrue(page.contains("report by</th><td>Mosaic \(PotentialFile.mosaicVersion)"))
        XCTAssertTrue(page.contains("held out (excluded): Nb_AIMD/Md/1000K"), "the split of the fit")
    }

    /// A fresh folder holding nbmo.yaml: a hand-written Nb–Mo EAM (Born–Mayer, shared pair spline, embedding per
    /// element) for the property commands.
    func toyNbMoFolder(_ name: String) throws -> String {
        let folder = scratchFolder(name)
        try """
        elements: [Nb, Mo]
        terms:
          - {type: reference, energies: {Nb: -10.1, Mo: -10.9}}
          - {type: born-mayer, name: repulsion, cutoff: 4.0, r0: 2.5, amplitude: 0.5, rho: 0.3}
          - {type: pair-spline, name: pair, inner: 2.0, cutoff: 5.2, coefficients: [0.3, 0.1, -0.1, -0.05, 0, 0]}
          - type: embedding
            name: embedding
            cutoff: 5.2
            form: sqrt
            species:
              Nb: {coefficients: [2.0], density: {family: exponential, r0: 2.86, values: [3.0]}}
              Mo: {coefficients: [2.5], density: {family: exponential, r0: 2.72, values: [3.5]}}
        """.write(toFile: folder + "/nbmo.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    /// properties with an --elastic (and --surfaces) file per element: each element against its own DFT cells, as
    /// a run on that element alone gives it, a summary row per element, and the random equiatomic alloy's
    /// lattice constant.
    func testPropertiesOfEveryElement() throws {
        let folder = try toyNbMoFolder("elements")
        let files = { (kind: String) in ["nb/Nb", "mo/Mo"].map { repositoryRoot + "/data/\($0)_\(kind).json" } }
        let common = ["--no-uncertainty", "--report", "report.html", "--data", files("Elastic")[0]]
        let both = try mosaic(
            ["properties", "nbmo.yaml", "--elastic"] + files("Elastic") + ["--surfaces"] + files("Surface") + common
                + ["--json"], in: folder)
        XCTAssertEqual(both.status, 0, both.output)
        let perElement = try XCTUnwrap(try json(both.output)["perElement"] as? [[String: Any]], both.output)
        XCTAssertEqual(perElement.compactMap { $0["element"] as? String }, ["Nb", "Mo"])
        /// The entries by name, from a report object ({entries: [...]}) or the top-level list.
        func entries(_ properties: Any?) throws -> [String: [String: Any]] {
            let list = try XCTUnwrap(
                (properties as? [String: Any])?["entries"] as? [[String: Any]] ?? properties as? [[String: Any]])
            return Dictionary(list.map { ($0["name"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        }
        // Mo on its own gives the same Mo table.
        let alone = try mosaic(
            ["properties", "nbmo.yaml", "--elastic", files("Elastic")[1], "--surfaces", files("Surface")[1]] + common
                + ["--json"], in: folder)
        XCTAssertEqual(alone.status, 0, alone.output)
        let single = try entries(try json(alone.output)["properties"])
        let fromBoth = try entries(perElement[1]["properties"])
        XCTAssertEqual(Set(single.keys), Set(fromBoth.keys))
        for (name, entry) in single {
            XCTAssertEqual(entry["model"] as? Double, fromBoth[name]?["model"] as? Double, name)
            XCTAssertEqual(entry["reference"] as? Double, fromBoth[name]?["reference"] as? Double, name)
        }
        let lattice = try perElement.map {
            try XCTUnwrap(try entries($0["properties"])["lattice constant"]?["model"] as? Double)
        }
        let alloy = try XCTUnwrap(try json(both.output)["alloyLattice"] as? [String: Any])
        let a = try XCTUnwrap(alloy["latticeConstant"] as? Double)
        // Near the elements' own (this toy model is no real alloy: no tighter bound holds for it).
        XCTAssertEqual(a, RandomAlloy.vegard(lattice), accuracy: 0.1 * RandomAlloy.vegard(lattice))
        XCTAssertEqual(try XCTUnwrap(alloy["vegardModel"] as? Double), RandomAlloy.vegard(lattice), accuracy: 1e-12)
        XCTAssertEqual(alloy["atoms"] as? Int, 128)
        // The text report: a table per element, the summary and the alloy line.
        let text = try mosaic(
            ["properties", "nbmo.yaml", "--elastic"] + files("Elastic") + ["--surfaces"] + files("Surface") + common,
            in: folder)
        XCTAssertEqual(text.status, 0, text.output)
        for expected in ["== Nb", "== Mo", "per element (model vs DFT", "random equiatomic NbMo bcc (128 atoms"] {
            XCTAssertTrue(text.output.contains(expected), "'\(expected)' missing from:\n\(text.output)")
        }
    }

    /// properties --mixing: the formation energies of the DFT-relaxed Nb–Mo cells against each element's
    /// unstrained bcc cell, by composition, DFT and model; the DFT ones recomputed here from the files, the
    /// model's from the library's predictions; the report carries the plot.
    func testMixingEnergies() throws {
        let folder = try toyNbMoFolder("mixing")
        let run = try mosaic(
            [
                "properties", "nbmo.yaml", "--elastic", repositoryRoot + "/data/nb/Nb_Elastic.json", "--surfaces", "",
                "--no-uncertainty", "--json", "--report", "report.html", "--data",
                repositoryRoot + "/data/nb/Nb_Elastic.json", "--mixing", repositoryRoot + "/data/binaries/NbMo_SS.json",
                "--references", repositoryRoot + "/data/nb/Nb_Elastic.json",
                repositoryRoot + "/data/mo/Mo_Elastic.json",
            ], in: folder)
        XCTAssertEqual(run.status, 0, run.output)
        let mixing = try XCTUnwrap(try json(run.output)["mixing"] as? [String: Any], run.output)
        let rows = try XCTUnwrap(mixing["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 15, "compositions 1–15 Nb of 16")
        XCTAssertEqual(rows.compactMap { $0["cells"] as? Int }.reduce(0, +), 329, "the relaxed cells")
        // Independently: references are the unstrained cubic cells, formation energy per atom.
        func reference(_ path: String) throws -> (Element, Double, Structure) {
            let cell = try XCTUnwrap(
                try MVLReader.read(path: path).first { s in
                    let c = s.cell
                    let offDiagonal = [c.a.y, c.a.z, c.b.x, c.b.z, c.c.x, c.c.y].map(abs).reduce(0, +)
                    return abs(c.a.x - c.b.y) < 1e-9 && abs(c.b.y - c.c.z) < 1e-9 && offDiagonal < 1e-9
                })
            return (cell.elements[0], cell.energy! / Double(cell.count), cell)
        }
        let nb = try reference(repositoryRoot + "/data/nb/Nb_Elastic.json")
        let mo = try reference(repositoryRoot + "/data/mo/Mo_Elastic.json")
        let equiatomic = try MVLReader.read(path: repositoryRoot + "/data/binaries/NbMo_SS.json").filter { s in
            s.info["tags"] == "relax" && s.elements.filter { $0 == mo.0 }.count == 8
        }
        let library = try CompositeModel.load(path: folder + "/nbmo.yaml")
        let modelNb = try library.predict(nb.2).energy / Double(nb.2.count)
        let modelMo = try library.predict(mo.2).energy / Double(mo.2.count)
        var dft = 0.0
        var predicted = 0.0
        for s in equiatomic {
            dft += (s.energy! / 16 - 0.5 * nb.1 - 0.5 * mo.1) / Double(equiatomic.count)
            predicted += (try library.predict(s).energy / 16 - 0.5 * modelNb - 0.5 * modelMo) / Double(equiatomic.count)
        }
        let row = try XCTUnwrap(rows.first { $0["composition"] as? String == "Mo8Nb8" })
        XCTAssertEqual(row["cells"] as? Int, equiatomic.count)
        XCTAssertEqual(row["dft"] as? Double ?? .nan, dft, accuracy: 1e-12)
        XCTAssertEqual(row["model"] as? Double ?? .nan, predicted, accuracy: 1e-12)
        XCTAssertLessThan(dft, -0.05, "Nb–Mo mixes exothermically in the DFT data")
        let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        let plot = try XCTUnwrap(page.components(separatedBy: "<h2>Mixing energies</h2>").last)
        let collector = try PlotTests.checkedSVG(String(plot[..<plot.range(of: "</svg>")!.upperBound]))
        XCTAssertEqual(collector.elements.filter { $0.name == "circle" }.count, 2 * 329, "DFT and model per cell")
    }

    /// properties --mixing with two binaries' files at once (the shipped NbMoTaW potential): a table and a plot per
    /// alloy system, each with the fractions of its own first element and the same rows as with its file alone.
    func testMixingEnergiesOfSeveralSystems() throws {
        let folder = scratchFolder("mixing-systems")
        let references = ["nb/Nb", "mo/Mo", "ta/Ta"].map { repositoryRoot + "/data/\($0)_Elastic.json" }
        func systems(_ files: [String]) throws -> [[String: Any]] {
            let run = try mosaic(
                [
                    "properties", repositoryRoot + "/potentials/NbMoTaW.json", "--elastic", references[0], "--surfaces",
                    "", "--no-uncertainty", "--json", "--report", "report.html", "--mixing",
                ] + files.map { repositoryRoot + "/data/binaries/\($0)_SS.json" } + ["--references"] + references,
                in: folder)
            XCTAssertEqual(run.status, 0, run.output)
            return try XCTUnwrap(try json(run.output)["mixingSystems"] as? [[String: Any]], run.output)
        }
        let both = try systems(["NbMo", "NbTa"])
        XCTAssertEqual(both.map { $0["elements"] as? [String] ?? [] }, [["Mo", "Nb"], ["Nb", "Ta"]])
        let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        XCTAssertTrue(page.contains("Mixing energies, Mo–Nb") && page.contains("Mixing energies, Nb–Ta"))
        for (k, file) in ["NbMo", "NbTa"].enumerated() {
            let rows = both[k]["rows"] as? [[String: Any]] ?? []
            let alone = try XCTUnwrap(try systems([file]).first?["rows"] as? [[String: Any]])
            XCTAssertEqual(rows.compactMap { $0["cells"] as? Int }.reduce(0, +), 329, "\(file): the relaxed cells")
            XCTAssertEqual(Set(rows.compactMap { $0["fraction"] as? Double }).count, 15, "\(file): x = 1/16 … 15/16")
            for key in ["composition", "fraction", "dft", "model"] {
                XCTAssertEqual(
                    rows.map { "\($0[key] ?? "")" }, alone.map { "\($0[key] ?? "")" }, "\(file) \(key)")
            }
        }
    }

    /// A second run without --report writes a new report instead of overwriting the first.
    func testReportsAreNotOverwritten() throws {
        let folder = scratchFolder("reports")
        let arguments = ["properties", repositoryRoot + "/potentials/Nb.json", "--no-uncertainty"]
        for expected in ["Nb-properties.html", "Nb-properties-2.html", "Nb-properties-3.html"] {
            let run = try mosaic(arguments, in: folder)
            XCTAssertEqual(run.status, 0, run.output)
            XCTAssertTrue(run.output.contains("report: \(expected)"), run.output)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + expected))
        }
    }

    /// fim uses the loss recorded in the potential: its weights, and its held-out block left out of the data
    /// (4 trained AIMD blocks × 40 frames × (1 energy + 162 force + 6 stress rows)).
    func testFimUsesTheRecordedLossAndTrainingSplit() throws {
        let run = try mosaic(
            "fim", "potentials/Nb.json", "--data", "data/nb/Nb_AIMD.json", "--elastic", "", "--plot",
            scratchPath("cli-fim2.svg"))
        XCTAssertEqual(run.status, 0, run.output)
        let shipped = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")
        let weights = try XCTUnwrap(shipped.lossWeights)
        XCTAssertTrue(
            run.output.contains(String(format: "energy %g meV/atom", weights.energyTolerance * 1000)), run.output)
        XCTAssertTrue(run.output.contains("held out (excluded): Nb_AIMD/Md/1000K"), run.output)
        let rowsPerFrame = 1 + 3 * 54 + 6
        let rows: Int = 4 * 40 * rowsPerFrame
        XCTAssertTrue(run.output.contains("\(rows) residual rows"), run.output)
    }

    /// A three-term Nb model file (reference, Born–Mayer repulsion, six pair splines) in `folder`; its path.
    func smallPairLibrary(in folder: String) throws -> String {
        let path = folder + "/library.yaml"
        try """
        elements: [Nb]
        terms:
          - {type: reference, energies: {Nb: -10.0}}
          - {type: born-mayer, name: repulsion, cutoff: 4.0, r0: 2.5, amplitude: 0.5, rho: 0.3}
          - {type: pair-spline, name: pair, inner: 2.0, cutoff: 5.0, size: 6}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// fit --energy-target: a target no fit can meet raises that block's energy weight once, names the miss, and the
    /// written file records the targets, the raise and the raised weight as its loss.
    func testFitRecordsItsEnergyTargets() throws {
        let folder = scratchFolder("cli-targets")
        let model = try smallPairLibrary(in: folder)
        let output = folder + "/targets.json"
        let run = try mosaic(
            "fit", "--model", model, "--data", "data/nb/Nb_AIMD.json", "--hold-out", "Nb_AIMD/Md/1000K",
            "--no-stages", "--max-iterations", "5", "--energy-target", "Nb_AIMD/Md/3000K=0.0001", "--target-rounds",
            "1", "--no-plots", "--output", output)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("energy targets, round 1: Nb_AIMD/Md/3000K"), run.output)
        XCTAssertTrue(run.output.contains("Nb_AIMD/Md/3000K still misses its energy target"), run.output)
        let file = try PotentialFile.read(path: output)
        let raised = try XCTUnwrap(file.lossWeights?.energyGroups?["Nb_AIMD/Md/3000K"])
        XCTAssertGreaterThan(raised, 1)
        XCTAssertEqual(file.lossWeights?.multiplier(for: "Nb_AIMD/Md/3000K"), 1, "its forces keep their weight")
        let targets = file.provenance["energyTargets"]?["targets"]
        guard case .array(let rounds)? = file.provenance["targetRounds"], case .array(let first)? = rounds.first,
            case .number(let to)? = first.first?["to"], case .number(let target)? = targets?["Nb_AIMD/Md/3000K"]
        else {
            return XCTFail("no energy targets in the provenance")
        }
        XCTAssertEqual(rounds.count, 1)
        XCTAssertEqual(to, raised)
        XCTAssertEqual(target, 0.0001)
    }

    /// design --test: the test block is neither trained on nor chosen on; the chosen potential's
    /// errors on it are printed and recorded, and equal an independent evaluation of the written file.
    func testDesignReportsAnUntouchedTestBlock() throws {
        let folder = scratchFolder("cli-design")
        let library = try smallPairLibrary(in: folder)
        let output = folder + "/designed.json"
        let run = try mosaic(
            "design", "--start", library, "--data", "data/nb/Nb_AIMD.json", "--hold-out", "Nb_AIMD/Md/300K",
            "--test", "Nb_AIMD/Md/1000K", "--max-candidates", "3", "--iterations", "5", "--elastic", "",
            "--output", output, "--state", folder + "/state.json")
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("untouched test errors"), run.output)
        XCTAssertTrue(run.output.contains("terms of the chosen model: do the data need each one"), run.output)
        let file = try PotentialFile.read(path: output)
        guard case .array(let terms)? = file.provenance["termEvidence"], case .string(let first)? = terms.first?["term"]
        else {
            return XCTFail("no term evidence in the provenance")
        }
        XCTAssertEqual(first, "pair")
        guard case .array(let test)? = file.provenance["test"],
            case .number(let recorded)? = file.provenance["testErrors"]?["energyRMSE"]
        else {
            return XCTFail("no test block in the provenance")
        }
        XCTAssertEqual(test, [.string("Nb_AIMD/Md/1000K")])
        let block = try Dataset.load([repositoryRoot + "/data/nb/Nb_AIMD.json"]).filter(group: "Nb_AIMD/Md/1000K")
        let independent = EvaluationReport(model: file.model, data: try PreparedDataset(block, model: file.model))
            .overall
        XCTAssertEqual(recorded, independent.energyRMSE, accuracy: 1e-12)
        XCTAssertGreaterThan(recorded, 0)

        // --refit (resuming the same loop): the chosen model retrained on training + validation data is
        // what is written and tested; nothing is held out of it but the test block.
        let refitted = folder + "/refitted.json"
        let again = try mosaic(
            "design", "--start", library, "--data", "data/nb/Nb_AIMD.json", "--hold-out", "Nb_AIMD/Md/300K",
            "--test", "Nb_AIMD/Md/1000K", "--refit", "--max-candidates", "3", "--iterations", "5", "--elastic", "",
            "--output", refitted, "--state", folder + "/state.json")
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(
            again.output.contains("(saved)") && again.output.contains("refitted on training + validation data"),
            again.output)
        let second = try PotentialFile.read(path: refitted)
        XCTAssertEqual(second.provenance["refitOnValidation"], .bool(true))
        XCTAssertEqual(second.provenance["heldOut"], .array([]))
        XCTAssertNotEqual(second.model.naturalParameters, file.model.naturalParameters)
        guard case .number(let refitError)? = second.provenance["testErrors"]?["energyRMSE"] else {
            return XCTFail("no test errors")
        }
        let refitIndependent = EvaluationReport(
            model: second.model, data: try PreparedDataset(block, model: second.model)
        ).overall
        XCTAssertEqual(refitError, refitIndependent.energyRMSE, accuracy: 1e-12)

        // A potential file as the library (its model with its fitted values), refined with --warm-start: the
        // design starts from the written potential's terms and values. An energy target no fit can meet: one
        // refit with the 3000 K block's energy weight raised, the miss named, the raised weight recorded as the
        // loss of the written file.
        let refined = folder + "/refined.json"
        let fromPotential = try mosaic(
            "design", "--start", output, "--warm-start", "--data", "data/nb/Nb_AIMD.json", "--hold-out",
            "Nb_AIMD/Md/300K", "--test", "Nb_AIMD/Md/1000K", "--max-candidates", "1", "--iterations", "2",
            "--energy-target", "Nb_AIMD/Md/3000K=0.0001", "--target-rounds", "1",
            "--elastic", "", "--output", refined, "--state", folder + "/refine-state.json")
        XCTAssertEqual(fromPotential.status, 0, fromPotential.output)
        XCTAssertTrue(fromPotential.output.contains("design: library \(output)"), fromPotential.output)
        XCTAssertTrue(
            fromPotential.output.contains("energy targets, round 1: Nb_AIMD/Md/3000K")
                && fromPotential.output.contains("Nb_AIMD/Md/3000K still misses its energy target"),
            fromPotential.output)
        let third = try PotentialFile.read(path: refined)
        XCTAssertEqual(third.model.terms.map(\.name), file.model.terms.map(\.name))
        XCTAssertEqual(third.model.freeParameterCount, file.model.freeParameterCount)
        let raised = try XCTUnwrap(third.lossWeights?.energyGroups?["Nb_AIMD/Md/3000K"])
        XCTAssertGreaterThan(raised, 1)
    }

    /// fim --json: one eigenvalue per parameter, ascending, shares summing to one.
    func testFimJSON() throws {
        let svg = scratchPath("cli-fim.svg")
        let run = try mosaic(
            "fim", "potentials/Nb.json", "--data", "data/nb/Nb_Elastic.json", "data/nb/Nb_Surface.json", "--json",
            "--plot", svg)
        XCTAssertEqual(run.status, 0, run.output)
        let report = try json(run.output)
        let eigenvalues = try XCTUnwrap(report["eigenvalues"] as? [Double])
        XCTAssertEqual(eigenvalues.count, (report["parameterNames"] as? [String])?.count)
        XCTAssertEqual(eigenvalues, eigenvalues.sorted())
        // One pivot per direction below the pseudo-inverse floor.
        let floor = 1e-12 * (eigenvalues.last ?? 0)
        XCTAssertEqual(
            (report["undeterminedPivots"] as? [String])?.count, eigenvalues.filter { $0 < floor }.count,
            "\(report["undeterminedPivots"] ?? "none")")
        let shares = try XCTUnwrap(report["termShares"] as? [String: Double])
        XCTAssertEqual(shares.values.reduce(0, +), 1, accuracy: 1e-9)
        // Properties ± σ: the same values as `mosaic properties`, with positive propagated σ.
        let properties = try XCTUnwrap(report["properties"] as? [[String: Any]])
        let names = properties.compactMap { $0["name"] as? String }
        XCTAssertTrue(
            ["lattice constant", "C44", "surface (110)", "vacancy formation"].allSatisfy(names.contains), "\(names)")
        XCTAssertTrue(properties.allSatisfy { ($0["sigma"] as? Double ?? 0) > 0 })
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let lattice = try XCTUnwrap(
            properties.first { $0["name"] as? String == "lattice constant" }?["value"] as? Double)
        XCTAssertEqual(lattice, try PropertyCalculator(model: model).latticeConstant(guess: 3.3), accuracy: 1e-12)
    }

    /// fit --model accepts a potential file as the start: the refit keeps its terms, its fixed
    /// parameter untouched, and the loss weights given on the command line.
    func testRefitFromPotentialFile() throws {
        let output = scratchPath("cli-refit.json")
        let run = try mosaic(
            "fit", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Elastic.json", "data/nb/Nb_AIMD.json",
            "--no-stages", "--max-iterations", "3", "--energy-tolerance", "0.004", "--no-plots", "--output", output)
        XCTAssertEqual(run.status, 0, run.output)
        let shipped = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let refit = try PotentialFile.read(path: output)
        XCTAssertEqual(refit.model.terms.map(\.name), shipped.terms.map(\.name))
        let fixed = try XCTUnwrap(shipped.fixed?.first)
        let index = try XCTUnwrap(shipped.parameterNames.firstIndex(of: fixed))
        XCTAssertEqual(refit.model.fixed, shipped.fixed)
        XCTAssertEqual(refit.model.naturalParameters[index], shipped.naturalParameters[index])
        XCTAssertNotEqual(
            refit.model.naturalParameters, shipped.naturalParameters, "the other parameters were refitted")
        guard case .object(let provenance) = refit.provenance, case .object(let weights)? = provenance["weights"],
            case .number(let tolerance)? = weights["energyTolerance"]
        else { return XCTFail("no weights in the provenance") }
        XCTAssertEqual(tolerance, 0.004)
        XCTAssertTrue(
            run.output.contains(
                "\(shipped.freeParameterCount) fitted parameters (+\(shipped.fixed?.count ?? 0) fixed)"), run.output)
        // --hold-repulsion: the shipped potential repels, so the refit is held to the check and says so.
        let held = try mosaic(
            "fit", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Elastic.json", "--no-stages",
            "--max-iterations", "2", "--hold-repulsion", "--no-plots", "--output", output)
        XCTAssertEqual(held.status, 0, held.output)
        XCTAssertTrue(held.output.contains("held to the repulsion check: steps that would break it"), held.output)
    }

    /// Bad input: a clear message on stderr and exit status 1, no trap.
    func testBadInputGivesMessageAndStatus() throws {
        let missing = try mosaic("evaluate", "--model", "potentials/none.json")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.output.contains("error: ") && missing.output.contains("none.json"), missing.output)
        let badHoldOut = try mosaic(
            "fit", "--model", "examples/models/nb.yaml", "--hold-out", "Nb_AIMD/Md/500K", "--output",
            scratchPath("never-held-out.json"))
        XCTAssertEqual(badHoldOut.status, 1)
        XCTAssertTrue(badHoldOut.output.contains("matches no group"), badHoldOut.output)
    }

    /// Nothing unfitted is written: inputs that leave nothing to fit, or name nothing, stop with status 1.
    func testNothingUnfittedIsWritten() throws {
        let output = scratchPath("unfitted.json")
        let empty = temporaryFile("[]", name: "empty.json")
        let cases: [([String], String)] = [
            (
                [
                    "fit", "--model", "examples/models/nb.yaml", "--output", output, "--hold-out", "Nb_AIMD",
                    "--hold-out",
                    "Nb_Elastic", "--hold-out", "Nb_Surface",
                ], "nothing to fit"
            ),
            (["fit", "--model", "examples/models/nb.yaml", "--output", output, "--data", empty], "hold no structures"),
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--group-weight", "Nb_Surfce=2"],
                "--group-weight Nb_Surfce: matches no group"
            ),
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--energy-target", "Nb_AIMDX=0.002"],
                "--energy-target Nb_AIMDX: matches no group"
            ),
            (
                [
                    "design", "--start", "examples/models/nb-library.yaml", "--hold-out", "Nb_AIMD/Md/1000K",
                    "--output",
                    output, "--budget-params", "3",
                ], "already has 31 fitted parameters"
            ),
            (["fim", "potentials/Nb.json", "--data", empty], "hold no structures"),
        ]
        try assertRefused(cases, status: 1, writing: output)
    }

    /// Each command fails with `status` and a message containing its expected text, and `output` is
    /// not written.
    func assertRefused(
        _ cases: [([String], String)], status: Int32, writing output: String, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        for (arguments, expected) in cases {
            let run = try mosaic(arguments)
            let command = arguments.joined(separator: " ")
            XCTAssertEqual(run.status, status, command + "\n" + run.output, file: file, line: line)
            XCTAssertTrue(run.output.contains(expected), run.output, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), command, file: file, line: line)
        }
    }

    /// Command-line input is checked before any work (`validate()`): usage errors (status 64) that
    /// name the option, and no output file.
    func testOptionsAreCheckedBeforeAnyWork() throws {
        let output = scratchPath("never.json")
        let cases: [([String], String)] = [
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--energy-tolerance", "0"],
                "--energy-tolerance"
            ),
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--force-tolerance", "nan"],
                "--force-tolerance"
            ),
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--stress-tolerance", "-1"],
                "--stress-tolerance"
            ),
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--group-weight", "Nb_Surface"],
                "--group-weight"
            ),
            (
                ["design", "--start", "examples/models/nb-library.yaml", "--output", output, "--smoothness", "-1"],
                "--smoothness"
            ),
            (
                ["fit", "--model", "examples/models/nb.yaml", "--output", output, "--energy-target", "Nb_AIMD=0"],
                "--energy-target"
            ),
            (
                ["design", "--start", "examples/models/nb-library.yaml", "--output", output, "--target-rounds", "0"],
                "--target-rounds"
            ),
            (["fit", "--model", "examples/models/nb.yaml", "--output", NSTemporaryDirectory()], "is a directory"),
            (["fit", "--model", "examples/models/nb.yaml", "--output", "/no/such/folder/x.json"], "does not exist"),
            (
                ["design", "--start", "examples/models/nb-library.yaml", "--output", output, "--budget-params", "0"],
                "--budget-params"
            ),
            (["fim", "potentials/Nb.json", "--coordinates", "bogus"], "'fit', 'natural' or 'relative'"),
            (["fim", "potentials/Nb.json", "--threshold", "2"], "--threshold"),
        ]
        try assertRefused(cases, status: 64, writing: output)
    }

    /// `mosaic --help` lists every registered term type with its summary.
    func testHelpListsEveryTermType() throws {
        let run = try mosaic("--help")
        XCTAssertEqual(run.status, 0)
        for type in TermRegistry.types {
            XCTAssertTrue(run.output.contains("  \(type.typeName): "), "\(type.typeName) missing from mosaic --help")
        }
    }

    /// `mosaic export` writes both setfl dialects with the layout LAMMPS reads (eam/fs: one density column per
    /// element pair), names the term that prevents export and refuses unknown formats.
    func testExportFormats() throws {
        let folder = scratchFolder("export")
        try """
        elements: [Nb, Mo]
        terms:
          - {type: reference, energies: {Nb: -10.0, Mo: -10.5}}
          - {type: pair-spline, name: pair, inner: 2.0, cutoff: 5.0, size: 6}
          - type: embedding
            name: embedding
            cutoff: 5.0
            width: 1.5
            form: sqrt
            coefficients: [2.0]
            density: {family: exponential, r0: 2.86, values: [3.0]}
        """.write(toFile: folder + "/eam.yaml", atomically: true, encoding: .utf8)
        let points = 200
        for (format, densityColumns) in [("eam/alloy", 1), ("eam/fs", 2)] {
            let output = folder + "/model.setfl"
            let run = try mosaic(
                [
                    "export", "--model", "eam.yaml", "--format", format, "--points", "\(points)", "--output", output,
                ], in: folder)
            XCTAssertEqual(run.status, 0, run.output)
            XCTAssertTrue(run.output.contains("pair_style \(format)"), run.output)
            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst(3)
            XCTAssertEqual(lines.first, "2 Nb Mo")
            let numbers = lines.dropFirst(2).flatMap { $0.split(separator: " ") }.count
            // Per element a header of 4 words, F and its density columns; then three pair columns.
            XCTAssertEqual(numbers, 2 * (4 + points + densityColumns * points) + 3 * points, format)
        }
        let angular = try mosaic([
            "export", "--model", repositoryRoot + "/potentials/Nb.json", "--output", folder + "/nb.setfl",
        ])
        XCTAssertNotEqual(angular.status, 0)
        XCTAssertTrue(angular.output.contains("has no EAM (setfl) form"), angular.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/nb.setfl"))
        let unknown = try mosaic(["export", "--model", "eam.yaml", "--format", "eam/xyz", "--output", "x"], in: folder)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("eam/fs"), unknown.output)
    }

    /// Run from another folder: the shipped data are still the default, reports go to the working
    /// directory (never next to the potential), and --version answers.
    func testDefaultsDoNotDependOnTheWorkingDirectory() throws {
        let folder = scratchFolder("cwd")
        let run = try mosaic(["evaluate", "--model", repositoryRoot + "/potentials/Nb.json"], in: folder)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("334"), "all shipped cells evaluated:\n\(run.output)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/Nb-evaluate-energy.svg"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: repositoryRoot + "/potentials/Nb-evaluate-energy.svg"))
        let version = try mosaic(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.output.hasPrefix("mosaic 0.1.0"), version.output)
        let help = try mosaic(["design", "--help"])
        XCTAssertTrue(help.output.contains("--max-iterations"), "one name across fit and design")
    }

    /// A new user with only the Mo files: no library, no split, no property files named. The design
    /// picks its library, cross-validation folds (the AIMD blocks) and property references from the data,
    /// prints them, and writes a Mo potential.
    func testDesignFromTheDataAlone() throws {
        let folder = scratchFolder("mo")
        let data = ["Mo_AIMD.json", "Mo_Elastic.json", "Mo_Surface.json"].map { repositoryRoot + "/data/mo/" + $0 }
        let run = try mosaic(
            ["design", "--data"] + data + ["--output", "Mo.json", "--max-candidates", "4", "--max-iterations", "8"],
            in: folder)
        XCTAssertEqual(run.status, 0, run.output)
        for expected in [
            "elements Mo (from the data)", "reference energies",
            "cross-validation over 5 folds of whole groups (default: each group of snapshots in motion;",
            "properties: 121 strained cells and 11 slabs of the data", "wrote Mo.json",
        ] {
            XCTAssertTrue(run.output.contains(expected), "'\(expected)' missing from:\n\(run.output)")
        }
        let potential = try PotentialFile.read(path: folder + "/Mo.json")
        XCTAssertEqual(potential.model.elements.map(\.symbol), ["Mo"])
        let evaluation = try mosaic(["evaluate", "--model", "Mo.json", "--data"] + data + ["--json"], in: folder)
        XCTAssertEqual(evaluation.status, 0, evaluation.output)
    }

    /// --per-structure: one CSV row (and JSON entry) per structure, consistent with the group table.
    func testPerStructureErrors() throws {
        let csv = scratchPath("per-structure.csv")
        let run = try mosaic(
            "evaluate", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Surface.json", "--json", "--no-plots",
            "--per-structure", csv)
        XCTAssertEqual(run.status, 0, run.output)
        let object = try json(run.output)
        let rows = try XCTUnwrap(object["structures"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 13)
        let overall = try XCTUnwrap(object["overall"] as? [String: Any])
        let rmse = try XCTUnwrap(overall["energyRMSE"] as? Double)
        let errors = rows.compactMap { $0["energyErrorPerAtom"] as? Double }
        XCTAssertEqual(errors.count, 13)
        XCTAssertEqual((errors.reduce(0) { $0 + $1 * $1 } / 13).squareRoot(), rmse, accuracy: 1e-12)
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let first = niobium["Nb_Surface"]![0]
        XCTAssertEqual(rows[0]["predictedEnergy"] as? Double ?? .nan, try model.predict(first).energy, accuracy: 1e-9)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 14)
        XCTAssertTrue(lines[0].hasPrefix("source,group,atoms,predicted_energy_eV"))
    }

    /// evaluate --uncertainty: per-structure max grade and σ_E in the JSON, equal to the library's; the
    /// table in text mode; a clear error for a model description (no fitted covariance).
    func testEvaluateUncertainty() throws {
        let run = try mosaic(
            "evaluate", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Surface.json", "--json", "--no-plots",
            "--uncertainty")
        XCTAssertEqual(run.status, 0, run.output)
        let rows = try XCTUnwrap(try json(run.output)["uncertainty"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 13)
        let file = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")
        let data = try XCTUnwrap(file.uncertainty)
        let slab = niobium["Nb_Surface"]![0]
        let atoms = AtomUncertainties(
            gradients: AtomGradientEvaluator(model: file.model, coordinates: data.coordinates).gradients(
                species: try file.model.speciesIndices(of: slab),
                neighbours: NeighbourList(slab, cutoff: file.model.cutoff)),
            symbols: slab.elements.map(\.symbol), data: data)
        XCTAssertEqual(rows[0]["maxGrade"] as? Double ?? .nan, atoms.maximumGrade, accuracy: 1e-9 * atoms.maximumGrade)
        let sigma = data.sigma(gradient: atoms.energyGradient)
        XCTAssertEqual(rows[0]["sigmaEnergy"] as? Double ?? .nan, sigma, accuracy: 1e-9 * sigma)
        let text = try mosaic(
            "evaluate", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_Surface.json", "--no-plots",
            "--uncertainty")
        XCTAssertTrue(text.output.contains("max γ") && text.output.contains("σ_E meV/at"), text.output)
        let yaml = try mosaic(
            "evaluate", "--model", "examples/models/nb.yaml", "--data", "data/nb/Nb_Elastic.json", "--no-plots",
            "--uncertainty")
        XCTAssertNotEqual(yaml.status, 0)
        XCTAssertTrue(yaml.output.contains("--uncertainty needs a fitted potential file"), yaml.output)
    }

    /// select refuses what it cannot do before any work: a model description, a dump without element
    /// names, a count below 1; nothing is written.
    func testSelectRefusals() throws {
        let output = scratchPath("select.extxyz")
        let dump = scratchPath("select.dump")
        try """
        ITEM: TIMESTEP
        0
        ITEM: NUMBER OF ATOMS
        1
        ITEM: BOX BOUNDS pp pp pp
        0 3.3
        0 3.3
        0 3.3
        ITEM: ATOMS id type x y z
        1 1 0 0 0
        """.write(toFile: dump, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--model", "examples/models/nb.yaml", "--from", dump], "needs a fitted potential file"),
            (["--model", "potentials/Nb.json", "--from", dump], "--elements"),
            (["--model", "potentials/Nb.json", "--from", dump, "--elements", "Nb", "--count", "0"], "at least 1"),
        ]
        for (arguments, expected) in cases {
            let run = try mosaic(["select"] + arguments + ["--output", output])
            XCTAssertNotEqual(run.status, 0, run.output)
            XCTAssertTrue(run.output.contains(expected), run.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
        let run = try mosaic([
            "select", "--model", "potentials/Nb.json", "--from", dump, "--elements", "Nb", "--count",
            "1", "--output", output,
        ])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(try ExtXYZ().read(path: output).count, 1)
    }
}
