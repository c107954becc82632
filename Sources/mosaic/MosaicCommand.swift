import ArgumentParser
import Foundation
import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicReports

struct MosaicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mosaic",
        abstract: "Design, fit and analyse composite interatomic potentials for metals.",
        discussion: prose(
            """
            Units are LAMMPS 'metal' units everywhere: eV, Å, eV/Å, and GPa for stresses.
            Data: Materials Virtual Lab JSON (.json) or extended XYZ (.xyz, .extxyz).

            Typical session (niobium, the shipped data):
              mosaic design --start examples/models/nb-library.yaml \\
                            --test Nb_AIMD/Md/1000K --output potentials/X.json
              mosaic fit --model examples/models/nb.yaml \\
                         --hold-out Nb_AIMD/Md/1000K --output potentials/Y.json
              mosaic evaluate --model potentials/X.json
              mosaic properties potentials/X.json
              mosaic fim potentials/X.json
            Then in LAMMPS: pair_style mosaic / pair_coeff * * potentials/X.json Nb

            Term types of model files (type: ...; `mosaic keys` gives every key with unit and default):
            """) + "\n" + TermRegistry.help,
        version: "mosaic \(PotentialFile.mosaicVersion) (potential file format \(PotentialFile.formatVersion),"
            + " C ABI \(PotentialFile.cABIVersion))",
        subcommands: [
            Fit.self, Evaluate.self, Properties.self, Fim.self, Design.self, Tradeoff.self, Select.self, Export.self,
            Benchmark.self, Keys.self,
        ])
}

/// Help text written with hard line breaks, re-flowed for the terminal: lines of one paragraph are
/// joined; blank lines, indented lines (examples) and the lines before them stay as they are.
func prose(_ text: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var out = ""
    for (k, line) in lines.enumerated() {
        out += line
        guard k + 1 < lines.count else { break }
        let next = lines[k + 1]
        let joins = !line.isEmpty && !line.hasPrefix(" ") && !next.isEmpty && !next.hasPrefix(" ")
        out += joins ? " " : "\n"
    }
    return out
}

/// Options shared by commands that read DFT data.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .upToNextOption,
        help: "DFT data files (.json MVL/pymatgen, .xyz/.extxyz). Default: the shipped Nb data (data/nb of Mosaic).")
    var data: [String] = shippedData(["Nb_AIMD.json", "Nb_Elastic.json", "Nb_Surface.json"])

    @Option(name: .customLong("energy-key"), help: "extxyz: key of the total energy in the comment line.")
    var energyKey = "energy"
    @Option(name: .customLong("forces-key"), help: "extxyz: name of the forces column in Properties.")
    var forcesKey = "forces"
    @Option(name: .customLong("stress-key"), help: "extxyz: key of the stress (eV/Å³, positive = tensile).")
    var stressKey = "stress"

    func load() throws -> Dataset {
        let keys = ExtXYZ.Keys(energy: energyKey, forces: forcesKey, stress: stressKey)
        let dataset = try Dataset.load(data, extxyz: ExtXYZ(keys: keys, requireForces: false, requireLabels: true))
        guard !dataset.structures.isEmpty else {
            throw MosaicError(
                location: "--data \(data.joined(separator: " "))", "the data files hold no structures",
                fix: "give files with DFT snapshots")
        }
        return dataset
    }
}

/// Runs `body`, turning Mosaic errors into a clean message and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as MosaicError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Refuses a model that does not repel at short range (`RepulsionCheck`), naming where and which
/// term; the dimer scans start at the data's shortest distance of each pair (`Dataset.shortestDistances`).
/// Throws unless `model` repels at short range (`RepulsionCheck`). A refused model is not lost: it is written
/// as a model description next to `output` (`<stem>.refused.json`, loadable by `--model`) for inspection.
func checkRepulsion(
    _ model: CompositeModel, shortest: [String: (distance: Double, source: String)], output: String
) throws {
    let failures = try RepulsionCheck(model: model).failures(shortest: shortest.mapValues(\.distance))
    guard failures.isEmpty else {
        let refused = (output as NSString).deletingPathExtension + ".refused.json"
        try AtomicFile.write(String(decoding: try JSONEncoder.mosaic.encode(model), as: UTF8.self), to: refused)
        throw MosaicError(
            "the fitted model is not repulsive at short range, so it was not written as a potential (the model is in"
                + " \(refused), to inspect or refit with --model):\n  "
                + failures.map(\.description).joined(separator: "\n  "),
            fix: "widen the ZBL core (a smaller inner radius in the zbl-core term), or give the named term less"
                + " freedom at short range; see README, 'Short range'")
    }
}

/// Parameter covariance and training spans for per-atom σ and grades (`UncertaintyData.fitted`), with a
/// progress line.
func uncertaintyData(_ model: CompositeModel, data: PreparedDataset, weights: FitWeights) throws -> UncertaintyData {
    let started = Date()
    let uncertainty = try UncertaintyData.fitted(model: model, data: data, weights: weights)
    print(
        String(
            format: "uncertainty: covariance of %d fitted coordinates and the span of %d training atoms (%.1f s)",
            uncertainty.coordinateCount, uncertainty.elements.values.reduce(0) { $0 + $1.atoms },
            Date().timeIntervalSince(started)))
    return uncertainty
}

/// A potential file and its uncertainty section, for commands that need grades (`what` names the command
/// or option in the errors): a model description or a file without the section is a clear error.
func potentialWithUncertainty(_ path: String, for what: String) throws -> (PotentialFile, UncertaintyData) {
    guard isPotentialFile(path) else {
        throw MosaicError(
            file: path, "\(what) needs a fitted potential file, not a model description",
            fix: "fit the model first (mosaic fit) and pass the potential file")
    }
    let file = try PotentialFile.read(path: path)
    guard let uncertainty = file.uncertainty else {
        throw MosaicError(
            file: path, "the potential has no uncertainty section (format \(file.version); grades need format 2)",
            fix: "refit it with this Mosaic: mosaic fit --model \(path) --data ... --output new.json")
    }
    return (file, uncertainty)
}

/// A model from a potential file (JSON with format mosaic-potential) or a model description.
func loadModel(_ path: String) throws -> CompositeModel {
    isPotentialFile(path) ? try PotentialFile.read(path: path).model : try CompositeModel.load(path: path)
}

/// Whether `path` is a potential file (JSON naming the mosaic-potential format near its start).
func isPotentialFile(_ path: String) -> Bool {
    guard path.hasSuffix(".json"), let data = FileManager.default.contents(atPath: path),
        let text = String(data: data.prefix(4096), encoding: .utf8)
    else { return false }
    return text.contains(PotentialFile.formatName)
}

/// A model and the loss it was fitted with, read once from a potential file or a model description.
func loadModelAndLoss(_ path: String) throws -> (model: CompositeModel, loss: RecordedLoss) {
    if isPotentialFile(path) {
        let file = try PotentialFile.read(path: path)
        return (file.model, RecordedLoss(file))
    }
    return (try CompositeModel.load(path: path), RecordedLoss(nil))
}

/// The loss a potential was fitted with, for analyses that must use the same weighted residuals
/// (FIM, uncertainties): its recorded weights and held-out groups, or the defaults for a bare model.
struct RecordedLoss {
    var weights = FitWeights()
    var heldOut: [String] = []
    /// The potential file's provenance (nil for a bare model description).
    var provenance: JSONValue?

    init(_ file: PotentialFile?) {
        guard let file else { return }
        provenance = file.provenance
        weights = file.lossWeights ?? FitWeights()
        for key in ["heldOut", "test"] {
            if case .array(let groups)? = file.provenance[key] {
                heldOut += groups.compactMap { if case .string(let g) = $0 { return g } else { return nil } }
            }
        }
    }

    /// The training part of `data`: the held-out groups removed (those present).
    func training(_ data: PreparedDataset) -> PreparedDataset {
        data.subset { s in !heldOut.contains { Dataset.structure(s, matches: $0) } }
    }

    var description: String {
        func listed(_ table: [String: Double], as name: String) -> String {
            table.isEmpty
                ? ""
                : ", \(name) "
                    + table.sorted { $0.key < $1.key }.map { "\($0.key)×\(String(format: "%g", $0.value))" }
                    .joined(separator: ", ")
        }
        let groups =
            listed(weights.groups, as: "group weights") + listed(weights.energyGroups ?? [:], as: "energy weights")
        return String(
            format: "loss of the fit: energy %g meV/atom, force %g eV/Å, stress %g GPa",
            weights.energyTolerance * 1000, weights.forceTolerance, weights.stressTolerance)
            + ((weights.balanceKinds ?? false) ? " (each kind an equal share)" : " (every row counts once)") + groups
            + (heldOut.isEmpty ? "" : "; held out (excluded): " + heldOut.joined(separator: ", "))
    }
}

/// The shipped niobium data files used as defaults: `data/nb/<name>` of the Mosaic checkout this
/// executable was built in (found from its own path, .build/<triple>/<configuration>/mosaic), so that the
/// defaults do not depend on the working directory; relative paths when run from the checkout or when
/// no checkout is found (the reader's error then names them).
func shippedData(_ names: [String]) -> [String] {
    // From the checkout itself, keep the short relative paths (they are recorded in provenance).
    if FileManager.default.fileExists(atPath: "data/nb/" + names[0]) { return names.map { "data/nb/" + $0 } }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = executable.deletingLastPathComponent()
    for _ in 0..<5 {
        let candidate = folder.appendingPathComponent("data/nb")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(names[0]).path) {
            return names.map { candidate.appendingPathComponent($0).path }
        }
        folder = folder.deletingLastPathComponent()
    }
    return names.map { "data/nb/" + $0 }
}

/// Where a report goes by default: the working directory, named after the potential (never next to
/// the potential, which may sit inside the repository).
func defaultOutput(for potential: String, suffix: String) -> String {
    ((potential as NSString).lastPathComponent as NSString).deletingPathExtension + suffix
}

/// `path`, or the first of `stem-2.ext`, `stem-3.ext`, … that does not exist yet: default report names that
/// never overwrite an earlier run's report.
func unusedPath(_ path: String) -> String {
    guard FileManager.default.fileExists(atPath: path) else { return path }
    let url = URL(fileURLWithPath: path)
    let stem = (path as NSString).deletingPathExtension
    let suffix = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
    var n = 2
    while FileManager.default.fileExists(atPath: "\(stem)-\(n)\(suffix)") { n += 1 }
    return "\(stem)-\(n)\(suffix)"
}
