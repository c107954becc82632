import Foundation
import MosaicCore
import MosaicDesign
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

/// What the README and benchmarks/RESULTS.md state is what the code computes: the table of the shipped
/// potential's errors (every row "held out: G" or "training, G"; "all groups" for the whole training split)
/// equals an evaluation of potentials/Nb.json on that data to the stated rounding, and the README's
/// model-file reference is the output of `mosaic keys`.
final class ReadmeClaimsTests: XCTestCase {
    func testErrorTableOfTheShippedPotential() throws {
        let results = try String(contentsOfFile: repositoryRoot + "/benchmarks/RESULTS.md", encoding: .utf8)
        let rows = results.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("| held out: ") || $0.hasPrefix("| training, ")
        }
        XCTAssertGreaterThanOrEqual(rows.count, 6, "the error table of benchmarks/RESULTS.md")
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let all = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Elastic"]! + niobium["Nb_Surface"]!)
        let (training, _) = try all.split(holdingOut: ["Nb_AIMD/Md/1000K"])
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else {
                XCTFail("RESULTS.md row \"\(row)\": label, energy, force and stress expected")
                continue
            }
            let label = cells[0]
            let group = label.replacingOccurrences(of: "held out: ", with: "")
                .replacingOccurrences(of: "training, ", with: "")
            let data = group == "all groups" ? training : all.filter(group: group)
            let m = EvaluationReport(model: model, data: try PreparedDataset(data, model: model)).overall
            func check(_ text: String, _ value: Double, _ what: String) {
                guard let stated = Double(text) else { return }  // "–": no such label
                let decimals = text.split(separator: ".").last?.count ?? 0
                XCTAssertEqual(value, stated, accuracy: 0.5 * pow(10, -Double(decimals)) + 1e-12, "\(label) \(what)")
            }
            check(cells[1], m.energyRMSE * 1000, "energy")
            check(cells[2], m.forceRMSE, "force")
            check(cells[3], m.stressRMSE, "stress")
        }
    }

    /// benchmarks/RESULTS.md's table of the shipped NbMoTaW potential on its untouched test split (rows "| test: S |",
    /// S a group or GROUP@El=LOW-HIGH) is what an evaluation of potentials/NbMoTaW.json gives.
    func testTestTableOfTheAlloyPotential() throws {
        let results = try String(contentsOfFile: repositoryRoot + "/benchmarks/RESULTS.md", encoding: .utf8)
        let rows = results.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| test: ") }
        XCTAssertEqual(rows.count, 10, "four elements and six binaries")
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/NbMoTaW.json").model
        var files = ["nb/Nb", "mo/Mo", "ta/Ta", "w/W"].map { "/data/\($0)_AIMD.json" }
        files += ["NbMo", "NbTa", "NbW", "MoTa", "MoW", "TaW"].map { "/data/binaries/\($0)_SS.json" }
        let all = Dataset(try files.flatMap { try MVLReader.read(path: repositoryRoot + $0) })
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else {
                XCTFail("RESULTS.md row \"\(row)\": selection, energy and force expected")
                continue
            }
            let selection = cells[0].replacingOccurrences(of: "test: ", with: "")
            let (_, data) = try all.split(holdingOut: [selection])
            let m = EvaluationReport(model: model, data: try PreparedDataset(data, model: model)).overall
            for (text, value, what) in [(cells[1], m.energyRMSE * 1000, "energy"), (cells[2], m.forceRMSE, "force")] {
                let stated = try XCTUnwrap(Double(text), "\(selection) \(what)")
                let decimals = text.split(separator: ".").last?.count ?? 0
                let rounding = 0.5 * pow(10, -Double(decimals)) + 1e-12
                XCTAssertEqual(value, stated, accuracy: rounding, "\(selection) \(what)")
            }
        }
    }

    /// `make nbmotaw` repeats the search that made potentials/NbMoTaW.json (README "Alloys"): with the settings its
    /// provenance records, on the same screening subset, the loop proposes from the candidate its last round started
    /// from (recorded with its parameters as screened) exactly the changes that design tried from it, in the same
    /// order. A new kind of proposal, or a change in their order, changes that list and with it the design's path.
    func testAlloyDesignCommandRepeatsTheShippedSearch() throws {
        let file = try PotentialFile.read(path: repositoryRoot + "/potentials/NbMoTaW.json")
        let recorded = try JSONDecoder.mosaic.decode(
            DesignProvenance.self, from: try JSONEncoder.mosaic.encode(file.provenance))
        let settings = recorded.settings
        let script = try String(
            contentsOfFile: repositoryRoot + "/examples/alloys/nbmotaw-design.sh", encoding: .utf8)
        // The default after `prefix` in the script (up to the closing brace of `${VAR-DEFAULT}`).
        func scriptDefault(_ prefix: String) throws -> String {
            String(try XCTUnwrap(script.components(separatedBy: prefix).dropFirst().first, prefix).prefix { $0 != "}" })
        }
        // The kinds the script skips by default (`skip=${SKIP-KIND KIND}`) are the recorded ones.
        XCTAssertEqual(
            try scriptDefault("skip=${SKIP-").split(separator: " ").map(String.init),
            (settings.skippedChanges ?? []).map(\.rawValue))
        // And its default fold mean (`--fold-mean "${FOLD_MEAN:-MEAN}"`) is the recorded one.
        XCTAssertEqual(try scriptDefault("FOLD_MEAN:-"), (settings.foldMean ?? .rms).rawValue)
        // And whether it holds every fit to the repulsion check (`${HOLD_REPULSION-yes}`) is the recorded setting.
        XCTAssertEqual(try scriptDefault("HOLD_REPULSION-") == "yes", settings.holdRepulsion ?? false)
        // And whether each candidate's fit starts from its parent's parameters (`${WARM_START-yes}`).
        XCTAssertEqual(try scriptDefault("WARM_START-") == "yes", settings.warmStart ?? false)
        // And its parameter budget and candidate limit (`${BUDGET:-N}`, `${CANDIDATES:-N}`).
        XCTAssertEqual(Int(try scriptDefault("BUDGET:-")), settings.budgetParameters)
        XCTAssertEqual(Int(try scriptDefault("CANDIDATES:-")), settings.maxCandidates)
        let data = try Dataset.load(recorded.data.map { repositoryRoot + "/" + $0 })
        let train = try data.split(holdingOut: recorded.test ?? []).train.screeningSubset(
            every: recorded.screenEvery ?? 1)
        let loop = try DesignLoop(
            settings: settings, train: train, validation: Dataset([]), elastic: [], surfaces: [], statePath: nil)
        // The candidate the last round proposed from, as screened: recorded when it is not the written one (else the
        // written one with its screened parameters).
        let from = recorded.lastRound?.id ?? recorded.chosen
        let candidate = try recorded.lastRound?.model ?? screened(file.model, recorded.screenedParameters)
        let tried = recorded.design.filter { $0.parent == from }.map(\.change)
        // A round tries at least `proposalsPerRound` changes unless the candidate limit cuts it short (the shipped
        // design's last round, from #32, tried one before the limit of 36).
        XCTAssertFalse(tried.isEmpty)
        let proposed = try loop.proposals(for: candidate, of: from).prefix(tried.count).map(\.description)
        // Also from a candidate whose Fisher matrix is singular: where its sloppiest eigenvalues lie within round-off
        // of each other the loop fixes their subspace's pivots, which do not depend on round-off's eigenvectors.
        XCTAssertEqual(proposed, tried)
    }

    /// `model` with the parameter values the design fitted on its screening subset.
    private func screened(_ model: CompositeModel, _ parameters: [Double]?) throws -> CompositeModel {
        let values = try XCTUnwrap(parameters, "the provenance records no screened parameters")
        guard values.count == model.parameterCount else {
            throw MosaicError("\(values.count) screened parameters for a model of \(model.parameterCount)")
        }
        var model = model
        model.naturalParameters = values
        return model
    }

    func testKeyReferenceIsGenerated() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let begin = try XCTUnwrap(readme.range(of: "<!-- mosaic keys: begin -->\n"))
        let end = try XCTUnwrap(
            readme.range(of: "<!-- mosaic keys: end -->", range: begin.upperBound..<readme.endIndex))
        XCTAssertEqual(
            String(readme[begin.upperBound..<end.lowerBound]), KeyReference.markdown(),
            "README's model-file reference is stale: replace it with the output of mosaic keys")
    }

    /// Every key a term type, the model and a radial function accept is documented once with a unit and a
    /// meaning, and nothing else is (the model's and radial functions' keys as the reader lists them).
    func testEveryKeyIsDocumented() throws {
        let folder = scratchFolder("keys")
        let cases = [
            (KeyReference.model, "elements: [Nb]\nterms: []\nbogus: 1\n"),
            (
                KeyReference.radial,
                "elements: [Nb]\nterms:\n  - {type: embedding, cutoff: 5, form: sqrt, coefficients: [1],"
                    + " density: {family: gaussian, values: [1, 1], bogus: 1}}\n"
            ),
        ]
        for (docs, yaml) in cases {
            try yaml.write(toFile: folder + "/model.yaml", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try CompositeModel.load(path: folder + "/model.yaml")) { error in
                let message = "\(error)"
                let known = message.components(separatedBy: "known keys: ").last?.components(separatedBy: " (fix")[0]
                XCTAssertEqual(
                    known?.components(separatedBy: ", ").sorted(), docs.map(\.key).sorted(), message)
                XCTAssertTrue(message.contains("mosaic keys"), message)
            }
        }
        for type in TermRegistry.types {
            let documented = type.keyDocs.map(\.key)
            XCTAssertEqual(documented.sorted(), type.keys.sorted(), type.typeName)
            XCTAssertEqual(Set(documented).count, documented.count, "\(type.typeName): a key documented twice")
            for doc in type.keyDocs {
                XCTAssertFalse(doc.unit.isEmpty || doc.meaning.isEmpty, "\(type.typeName).\(doc.key)")
            }
        }
    }

    /// benchmarks/RESULTS.md's property scores of the shipped potentials are what `mosaic properties` computes.
    func testPropertyScoresOfTheShippedPotentials() throws {
        let results = try String(contentsOfFile: repositoryRoot + "/benchmarks/RESULTS.md", encoding: .utf8)
        let sentence = try XCTUnwrap(results.components(separatedBy: "Property score (the RMS").dropFirst().first)
        let numbers = sentence.components(separatedBy: "): ")[1].components(separatedBy: "(its C11")[0]
            .components(separatedBy: CharacterSet(charactersIn: " ;")).compactMap { Double($0) }
        XCTAssertEqual(numbers.count, 2, sentence)
        for (file, stated) in zip(["Nb.json", "Nb-handwritten.json"], numbers) {
            let model = try PotentialFile.read(path: repositoryRoot + "/potentials/" + file).model
            let report = try PropertyReport.compute(
                model: model, elastic: niobium["Nb_Elastic"]!, surfaces: niobium["Nb_Surface"]!)
            let score = PropertyScore().score(properties: report, errors: nil).score
            XCTAssertEqual(score, stated, accuracy: 5e-4, file)
        }
    }

    /// The README's table of lattice energies (rows after "| potential | element | fcc − bcc |"): GPAW rows are
    /// data/phases/NbMoTaW-gpaw.json, model rows what the potential gives at its own lattice constant (its error
    /// against GPAW in %, rounded as stated).
    func testLatticeEnergyTableOfTheShippedPotentials() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let table = try XCTUnwrap(
            readme.components(separatedBy: "| potential | element | fcc − bcc |").dropFirst().first)
        let rows = table.components(separatedBy: "\n\n")[0].split(separator: "\n").dropFirst(2).map(String.init)
        XCTAssertEqual(rows.count, 9, "four GPAW rows, five model rows")
        let references = try PhaseReferences.load(repositoryRoot + "/data/phases/NbMoTaW-gpaw.json")
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(cells.count, 5, row)
            let element = cells[1]
            let stated = cells[2...4].map { cell in Double(cell.split(separator: " ")[0]) ?? .nan }
            let gpaw = try ["fcc", "hcp", "A15"].map {
                try XCTUnwrap(references.difference(element: element, phase: $0), "\(element) \($0)")
            }
            if cells[0].hasPrefix("GPAW") {
                for (value, reference) in zip(stated, gpaw) {
                    XCTAssertEqual(value, reference, accuracy: 5e-4 + 1e-9, row)
                }
                continue
            }
            let file = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let model = try PotentialFile.read(path: repositoryRoot + "/" + file).model
            let calculator = PropertyCalculator(model: model, element: Element(symbol: element)!)
            let unstrained = try PropertyReport.unstrainedCell(
                try Dataset.load([repositoryRoot + "/data/\(element.lowercased())/\(element)_Elastic.json"]).structures)
            let a0 = try calculator.latticeConstant(guess: unstrained.cell.a.x)
            let computed = try calculator.phaseDifferences(a0: a0).map(\.energy)
            for (k, cell) in cells[2...4].enumerated() {
                XCTAssertEqual(computed[k], stated[k], accuracy: 5e-4, "\(row): \(cell)")
                let inBrackets = cell.split(separator: "(")[1].split(separator: "%")[0]
                let percent = inBrackets.replacingOccurrences(of: "−", with: "-")
                XCTAssertEqual(100 * (computed[k] - gpaw[k]) / gpaw[k], Double(percent) ?? .nan, accuracy: 0.5, row)
            }
        }
    }
}
