import ArgumentParser
import Foundation
import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties
import MosaicReports

extension MosaicCommand {
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a composite model to DFT data and write a potential file.",
            discussion: prose(
                """
                Trains every single-term model of the description on its own first (in file order, with the
                terms before it fixed), then all parameters together (unified training), by Levenberg–Marquardt
                on exact Jacobians. Whole groups given with --hold-out are left out of training and reported
                as validation errors. One progress line per iteration; a table of errors at the end; parity
                plots (SVG) next to the potential.

                The loss weighs residuals by expected errors: a residual of one tolerance costs 1.

                Short range: a ZBL core (term type zbl-core) is added below the data's shortest distance of each
                element pair unless the model has one; it never touches a training structure. Before writing,
                the fitted model must repel (dimers, bcc and B2 under compression); if it does not, nothing is
                written and the error names the term.

                Example (the hand-written 58-parameter composite shipped as Nb-handwritten.json):
                  mosaic fit --model examples/models/nb.yaml --hold-out Nb_AIMD/Md/1000K \\
                             --output potentials/Nb-handwritten.json
                """))

        @Option(
            help: ArgumentHelp(
                "Model description (YAML or JSON) with starting values, or a potential file (refit from its"
                    + " parameters).")
        )
        var model: String
        @OptionGroup var dataOptions: DataOptions
        @Option(name: .customLong("hold-out"), help: "Group (or group prefix) held out for validation; repeatable.")
        var holdOut: [String] = []
        @Option(help: "Where to write the potential (JSON).")
        var output: String
        @OptionGroup var weightOptions: WeightOptions
        @OptionGroup var energyTargetOptions: EnergyTargetOptions
        @Option(name: .customLong("max-iterations"), help: "Iteration cap of the unified training.")
        var maxIterations = 150
        @Option(
            name: .customLong("stage-iterations"),
            help: ArgumentHelp(
                "Iteration cap of each pass of a single-term stage (a term's linear coefficients first, then all"
                    + " its parameters: up to twice this many iterations per stage)."))
        var stageIterations = 20
        @Flag(name: .customLong("no-stages"), help: "Skip the single-term stages; train all parameters at once.")
        var noStages = false
        @OptionGroup var geodesicOption: GeodesicOption
        @OptionGroup var holdRepulsionOption: HoldRepulsionOption
        @Flag(name: .customLong("no-plots"), help: "Do not write parity plots.")
        var noPlots = false

        func validate() throws {
            try checkWritable(output, option: "--output")
            guard maxIterations >= 1, stageIterations >= 1 else {
                throw ValidationError("--max-iterations and --stage-iterations must be at least 1")
            }
        }

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let started = Date()
                let data = try dataOptions.load()
                let shortest = data.shortestDistances()
                let (model, coreNote) = try loadModel(model).withCore(shortest: shortest)
                print(coreNote)
                let (train, heldOut) = try data.split(holdingOut: holdOut)
                let weights = try weightOptions.weights()
                try weights.checkGroupPatterns(against: data)
                let targets = try energyTargetOptions.targets()
                try targets?.checkPatterns(against: train)
                var settings = LevenbergMarquardt.Settings()
                settings.maxIterations = maxIterations
                settings.geodesicAcceleration = geodesicOption.geodesic
                var trainer = Trainer(weights: weights, settings: settings)
                trainer.stageIterations = stageIterations
                trainer.staged = !noStages
                if holdRepulsionOption.holdRepulsion {
                    trainer.constraint = RepulsionCheck.constraint(shortest: shortest.mapValues(\.distance))
                }
                print(
                    "fitting \(model.describedParameterCount) (\(model.terms.count) terms, cutoff"
                        + " \(model.cutoff) Å) on \(train.structures.count) structures / \(train.atomCount) atoms"
                )
                print(
                    "held out: \(holdOut.isEmpty ? "nothing" : holdOut.joined(separator: ", "))"
                        + " (\(heldOut.structures.count) structures)"
                )
                var lastStage = ""
                let result = try trainer.train(model, data: train) { stage, it, metrics in
                    if stage != lastStage {
                        print("— \(stage)")
                        lastStage = stage
                    }
                    var line = String(
                        format: "  iter %3d  cost %.6e  λ %.1e  %@  %6.1f s", it.iteration, it.cost, it.damping,
                        (it.accepted ? "accepted" : "rejected") as NSString, it.elapsed)
                    if let m = metrics {
                        line += String(
                            format: "  E %.2f meV/at  F %.4f eV/Å  σ %.3f GPa", m.energyRMSE * 1000, m.forceRMSE,
                            m.stressRMSE)
                    }
                    print(line)
                    fflush(stdout)
                }
                var fitted = result.model
                // The target refits keep the model's terms and cutoff, so these neighbour lists serve them too.
                let trainPrepared = try PreparedDataset(train, model: fitted)
                var fittedWeights = weights
                var targetRounds: [[EnergyTargets.Raise]]? = nil
                if let targets {
                    let outcome = try meet(targets, trainer: trainer, from: fitted, prepared: trainPrepared)
                    fitted = outcome.model
                    fittedWeights = outcome.weights
                    targetRounds = outcome.rounds
                }
                if holdRepulsionOption.holdRepulsion {
                    print(
                        result.constrained
                            ? "held to the repulsion check: steps that would break it were rejected"
                            : "not held to the repulsion check: the unified fit started from a model that fails it")
                }
                if let line = PairMixingRule.describe(result.mixingTies, model: fitted) { print(line) }
                let trainPredictions = trainPrepared.predictions(fitted)
                let trainReport = EvaluationReport(data: train, predictions: trainPredictions)
                var validationReport: EvaluationReport? = nil
                var heldPredictions: [Prediction<Double>] = []
                if !heldOut.structures.isEmpty {
                    let heldPrepared = try PreparedDataset(heldOut, model: fitted)
                    heldPredictions = heldPrepared.predictions(fitted)
                    validationReport = EvaluationReport(data: heldOut, predictions: heldPredictions)
                }
                let provenance = try JSONValue.from(
                    Provenance(
                        mosaicVersion: PotentialFile.mosaicVersion,
                        data: try dataOptions.data.map { DataFileRecord(file: $0, sha256: try sha256(ofFile: $0)) },
                        heldOut: holdOut, trainingGroups: train.groups, weights: fittedWeights, settings: settings,
                        staged: trainer.staged, stages: result.stages, parameterCount: fitted.freeParameterCount,
                        training: trainReport, validation: validationReport, energyTargets: targets,
                        targetRounds: targetRounds))
                let file = PotentialFile(
                    model: fitted, provenance: provenance,
                    uncertainty: try uncertaintyData(fitted, data: trainPrepared, weights: fittedWeights))
                print("")
                for stage in result.stages {
                    print(
                        String(
                            format: "%-22@ %3d parameters %4d iterations  cost %.4e → %.4e  (%@)",
                            stage.name as NSString, stage.parameters,
                            stage.iterations, stage.initialCost, stage.finalCost, stage.stop as NSString))
                }
                print("")
                print(trainReport.table(title: "training errors"))
                if let validationReport {
                    print("")
                    print(validationReport.table(title: "held-out errors (\(holdOut.joined(separator: ", ")))"))
                }
                // The errors are printed either way; a model that does not repel is not written as a potential.
                try checkRepulsion(fitted, shortest: shortest, output: output)
                try file.write(to: output)
                if !noPlots {
                    let stem = (output as NSString).deletingPathExtension
                    // Held-out groups are labelled as such in the legend.
                    let labelled = heldOut.structures.map { s -> Structure in
                        var c = s
                        c.group += " (held out)"
                        return c
                    }
                    let plots = ParityPlot.energyAndForces(
                        data: Dataset(train.structures + labelled),
                        predictions: trainPredictions + heldPredictions, title: (output as NSString).lastPathComponent)
                    try AtomicFile.write(plots.energy.svg(), to: stem + "-energy.svg")
                    try AtomicFile.write(plots.forces.svg(), to: stem + "-forces.svg")
                    print("\nparity plots: \(stem)-energy.svg, \(stem)-forces.svg")
                }
                print(
                    String(
                        format: "wrote %@ (%@) in %.1f s", output as NSString,
                        fitted.describedParameterCount as NSString, Date().timeIntervalSince(started)))
            }
        }
    }
}

/// How a potential was made (stored in the potential file).
struct Provenance: Encodable {
    var mosaicVersion: String
    var data: [DataFileRecord]
    var heldOut: [String]
    var trainingGroups: [String]
    var weights: FitWeights
    var settings: LevenbergMarquardt.Settings
    var staged: Bool
    var stages: [Trainer.Stage]
    var parameterCount: Int
    var training: EvaluationReport
    var validation: EvaluationReport?
    /// `--energy-target` (nil: none) and the weights each refit raised; `weights` are the last fit's.
    var energyTargets: EnergyTargets? = nil
    var targetRounds: [[EnergyTargets.Raise]]? = nil
}

struct DataFileRecord: Encodable {
    var file: String
    var sha256: String
}

func sha256(ofFile path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw MosaicError(file: path, "cannot read", fix: "check the path")
    }
    return sha256Hex(data)
}

/// The loss weights (expected errors, group multipliers, ridge), shared by fit and design.
struct WeightOptions: ParsableArguments {
    @Option(name: .customLong("energy-tolerance"), help: "Expected energy error (eV/atom).")
    var energyTolerance = FitWeights().energyTolerance
    @Option(name: .customLong("force-tolerance"), help: "Expected force-component error (eV/Å).")
    var forceTolerance = FitWeights().forceTolerance
    @Option(name: .customLong("stress-tolerance"), help: "Expected stress-component error (GPa).")
    var stressTolerance = FitWeights().stressTolerance
    @Option(
        name: .customLong("group-weight"),
        help: "Weight multiplier of a group, as PATTERN=VALUE (e.g. Nb_Surface=2); repeatable.")
    var groupWeights: [String] = []
    @Option(help: "Ridge penalty on linear coefficients.")
    var ridge = FitWeights().ridge
    @Option(
        help: ArgumentHelp(
            "Smoothness penalty on B-spline coefficients (pair splines, spline densities): s·R/2 Σ (second"
                + " difference)², R data rows. 0: none.",
            discussion:
                "Holds coefficients the data barely reach (short distances, empty shells) to a straight"
                + " continuation of their neighbours, so a model extrapolates sanely to hotter or denser"
                + " configurations than it was fitted on; benchmarks/RESULTS.md measures it on niobium."))
    var smoothness = 0.0
    @Option(
        name: .customLong("balance"),
        help: ArgumentHelp(
            "kinds: energies, force components and stress components each get an equal share of the loss (the"
                + " loss is Σ (RMSE/tolerance)² over the three kinds); rows: every residual row counts once, so"
                + " forces (3 rows per atom) outweigh energies (1 row per cell).",
            valueName: "kinds|rows"))
    var balance = "kinds"

    /// Checked before any work: tolerances finite and positive, ridge finite and not negative, group
    /// weights well formed.
    func validate() throws {
        for (name, value) in [
            ("--energy-tolerance", energyTolerance), ("--force-tolerance", forceTolerance),
            ("--stress-tolerance", stressTolerance),
        ] where !(value.isFinite && value > 0) {
            throw ValidationError("\(name) must be a finite positive number (an expected error), not \(value)")
        }
        guard balance == "kinds" || balance == "rows" else {
            throw ValidationError("--balance must be 'kinds' or 'rows', not '\(balance)'")
        }
        guard ridge.isFinite, ridge >= 0 else {
            throw ValidationError("--ridge must be a finite number ≥ 0, not \(ridge)")
        }
        guard smoothness.isFinite, smoothness >= 0 else {
            throw ValidationError("--smoothness must be a finite number ≥ 0, not \(smoothness)")
        }
        _ = try groupWeightTable()
    }

    func groupWeightTable() throws -> [String: Double] {
        try patternValues(groupWeights, option: "--group-weight", example: "Nb_Surface=2")
    }

    func weights() throws -> FitWeights {
        var weights = FitWeights()
        weights.energyTolerance = energyTolerance
        weights.forceTolerance = forceTolerance
        weights.stressTolerance = stressTolerance
        weights.ridge = ridge
        weights.smoothness = smoothness > 0 ? smoothness : nil
        weights.balanceKinds = balance == "kinds"
        weights.groups = try groupWeightTable()
        return weights
    }
}

/// PATTERN=VALUE entries of a repeatable option as a table; each VALUE finite and ≥ 0.
func patternValues(_ entries: [String], option: String, example: String) throws -> [String: Double] {
    var table: [String: Double] = [:]
    for entry in entries {
        let parts = entry.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite, value >= 0 else {
            throw ValidationError(
                "\(option) \(entry): expected PATTERN=VALUE with a finite VALUE ≥ 0, e.g. \(example)")
        }
        table[String(parts[0])] = value
    }
    return table
}

/// `--energy-target` and `--target-rounds`, shared by mosaic fit and mosaic design.
struct EnergyTargetOptions: ParsableArguments {
    @Option(
        name: .customLong("energy-target"),
        help: ArgumentHelp(
            "Largest training energy RMSE (eV/atom) of each group matching PATTERN, as PATTERN=VALUE (e.g."
                + " Nb_AIMD=0.002); repeatable.",
            discussion:
                "After the fit, each group that misses its target has the weight of its energy rows raised (its"
                + " forces keep theirs) and the model is refitted from where it stands, until every group meets"
                + " its target or --target-rounds refits are done; a raise that overshoots (the group more than"
                + " 10% below its target) is taken back part of the way, since weight beyond the target costs the"
                + " other groups. The weights are printed and stored in the provenance. Groups that still miss"
                + " are named."))
    var energyTargets: [String] = []
    @Option(name: .customLong("target-rounds"), help: "Refits at most for --energy-target.")
    var targetRounds = 4

    func validate() throws {
        let table = try patternValues(energyTargets, option: "--energy-target", example: "Nb_AIMD=0.002")
        guard table.values.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--energy-target: each target must be a positive energy RMSE in eV/atom")
        }
        guard targetRounds >= 1 else { throw ValidationError("--target-rounds must be at least 1") }
    }

    /// The targets, or nil when none was given.
    func targets() throws -> EnergyTargets? {
        guard !energyTargets.isEmpty else { return nil }
        return EnergyTargets(
            targets: try patternValues(energyTargets, option: "--energy-target", example: "Nb_AIMD=0.002"),
            rounds: targetRounds)
    }
}

/// `trainer.meet` with a progress line per raise and refit, and its outcome described (`describe`).
func meet(_ targets: EnergyTargets, trainer: Trainer, from model: CompositeModel, prepared: PreparedDataset) throws
    -> EnergyTargets.Outcome
{
    let outcome = try trainer.meet(targets, from: model, prepared: prepared) { line in
        print(line)
        fflush(stdout)
    }
    print(describe(outcome, targets))
    return outcome
}

/// The outcome of `--energy-target`: which groups meet their targets, and with which weights.
func describe(_ outcome: EnergyTargets.Outcome, _ targets: EnergyTargets) -> String {
    let raised = outcome.weights.energyGroups ?? [:]
    var lines = [
        outcome.rounds.isEmpty
            ? "energy targets: every group meets its target; no refit"
            : "energy targets after \(outcome.rounds.count) refit(s): energy weights "
                + raised.sorted { $0.key < $1.key }.map { String(format: "%@=%.3g", $0.key as NSString, $0.value) }
                .joined(separator: ", ")
    ]
    if outcome.misses.isEmpty {
        lines.append("every group meets its energy target (\(targets.targets.count) pattern(s))")
    }
    for miss in outcome.misses {
        lines.append(
            String(
                format:
                    "%@ still misses its energy target: %.2f > %.2f meV/atom (raise --target-rounds, or add capacity)",
                miss.group as NSString, miss.rmse * 1000, miss.target * 1000))
    }
    return lines.joined(separator: "\n")
}

/// Fails (before any work) unless `path` can be written: not a directory, in an existing folder.
func checkWritable(_ path: String, option: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw ValidationError("\(option) \(path) is a directory; give a file name such as \(path)/potential.json")
    }
    let folder = (path as NSString).deletingLastPathComponent
    let parent = folder.isEmpty ? "." : folder
    guard FileManager.default.isWritableFile(atPath: parent) else {
        throw ValidationError("\(option) \(path): the folder \(parent) does not exist or is not writable")
    }
}
