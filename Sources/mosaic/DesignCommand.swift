import ArgumentParser
import Foundation
import MosaicCore
import MosaicDesign
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties
import MosaicReports

extension MosaicCommand {
    struct Design: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Adaptive design: find a compact composite model guided by Fisher information and property errors.",
            discussion: prose(
                """
                Starts from the terms of a library model: trains each single-term model, combines them and trains
                the composite, then reconfigures the best composite round by round — prune what the sloppiest
                Fisher-information modes point at (spline functions, Legendre orders, radial channels, terms),
                hold fixed a parameter that only lives in the sloppiest direction or fuse two parameters whose
                difference is that direction (where the sloppiest eigenvalues are closer than round-off tells apart, the
                parameter that lies most in their directions: a choice that does not depend on round-off), grow capacity
                within --budget-params — keeping a change only if it lowers the score (RMS of scaled validation
                errors and property errors) or keeps it within 2% with fewer parameters. The state is saved after every
                candidate (--state); running the same command again resumes. `make demo` runs the example below.

                Validation is block cross-validation by default: every group of snapshots in motion (DFT force RMS
                above 0.05 eV/Å: each AIMD block of one volume and temperature) is a fold, while static groups
                (strained cells, relaxed slabs) stay in every fold's training and are scored as properties (with
                fewer than two moving groups, every group is a fold); each candidate, fitted on all training data,
                is refitted without each fold in turn (at most --fold-iterations accepted Levenberg–Marquardt steps
                from its fit) and scored on the fold it did not see. Each fold counts once: the validation errors
                are the RMS over folds of each fold's RMSE, so a block that sits off as a whole (its "E bias")
                raises the score.
                --fold names your own folds; --hold-out scores on one held-out set instead (the old protocol).
                The loop chooses on these errors, so they are not a test: name an untouched block with --test,
                which is left out of training and of every choice and evaluated once at the end.
                Every candidate carries a ZBL core below the data (as in `mosaic fit`) and is checked for repulsion
                after its fit: the search may pass through candidates that do not repel, but when its best does not,
                the one of those that do which the loop's rule picks (the smallest within 2% of the lowest score) is
                written; the refit of the chosen one on all data rejects steps that would break the check, and the
                written potential must pass it.

                Example:
                  mosaic design --start examples/models/nb-library.yaml \\
                                --test Nb_AIMD/Md/1000K --budget-params 75 \\
                                --max-candidates 40 --output potentials/Nb.json
                """))

        @Option(
            help: ArgumentHelp(
                "Library model: the terms to start from (a model file, YAML or JSON, or a potential file: its model"
                    + " with its fitted values, e.g. to refine it with --warm-start on new data). Default: a library"
                    + " built from the data (elements, reference energies, distances from the nearest-neighbour"
                    + " distance; printed)."))
        var start: String?
        @OptionGroup var dataOptions: DataOptions
        @Option(
            name: .customLong("hold-out"),
            help: ArgumentHelp(
                "Score on this held-out group (or prefix) instead of cross-validation; repeatable. The group is"
                    + " not trained on (unless --refit) and the loop chooses on it."))
        var holdOut: [String] = []
        @Option(
            name: .customLong("fold"),
            help: ArgumentHelp(
                "A cross-validation fold: comma-separated groups (or prefixes) left out together; repeatable."
                    + " Default: every group of snapshots in motion (each AIMD block) is its own fold."))
        var fold: [String] = []
        @Option(
            name: .customLong("fold-iterations"),
            help: "Accepted Levenberg–Marquardt steps of each fold's refit, warm-started from the candidate's fit.")
        var foldIterations = DesignSettings().foldIterations
        @OptionGroup var foldMeanOption: FoldMeanOption
        @Option(
            name: .customLong("test"),
            help: ArgumentHelp(
                "Test group (or prefix): left out of training and of every choice, evaluated once with the"
                    + " chosen potential; repeatable.")
        )
        var test: [String] = []
        @Flag(
            help: ArgumentHelp(
                "With --hold-out: retrain the chosen model on the training and validation data together (warm start,"
                    + " --max-iterations steps) and write that; with --test, the test errors are the retrained model's."
                    + " (With cross-validation the chosen model is already fitted on all training data.)")
        )
        var refit = false
        @Option(
            name: .customLong("screen-every"),
            help: ArgumentHelp(
                "Screen candidates on every Nth structure of each training group, then refit the chosen model on"
                    + " all training data.",
                discussion: "For large data sets (the NbMoTaW design screens on every 4th structure). Groups of"
                    + " fewer than 4N structures are kept whole. The folds, the choice and the design table are"
                    + " the screening's; the written potential is the refit (--max-iterations steps from the chosen"
                    + " fit), and the test errors are its."))
        var screenEvery = 1
        @Option(name: .customLong("budget-params"), help: "Largest number of parameters a candidate may have.")
        var budgetParams = 75
        @Option(name: .customLong("max-candidates"), help: "Stop after this many candidates.")
        var maxCandidates = 20
        @Option(
            name: [.customLong("max-iterations"), .customLong("iterations")],
            help: "Levenberg–Marquardt iterations per candidate (the same option as mosaic fit's).")
        var iterations = 40
        @OptionGroup var geodesicOption: GeodesicOption
        @Flag(
            name: .customLong("warm-start"),
            help: ArgumentHelp(
                "Train the library from its values in one fit of all its parameters (no single-term candidates,"
                    + " no staged fit).",
                discussion:
                    "For a library whose values are already fitted, e.g. a potential to refine: the staged start"
                    + " (each term alone, then together) would throw those values away."))
        var warmStart = false
        @OptionGroup var holdRepulsionOption: HoldRepulsionOption
        @Option(
            name: .customLong("skip-change"),
            help: ArgumentHelp(
                "A kind of change the loop never proposes (repeatable).",
                discussion:
                    "Narrows the search, e.g. to keep a model's species resolution as it is (split-species), or to"
                    + " repeat a design made before a kind of change existed (the previous NbMoTaW potential: skip"
                    + " weigh-neighbours and fuse-blocks, --fold-mean rms).",
                valueName: "kind"))
        var skipChange: [Reconfiguration.Kind] = []
        @Option(
            name: .customLong("demote-after"),
            help: ArgumentHelp(
                "Propose a change last once it has made the score worse this many times.",
                discussion:
                    "By default each round tries the first few proposals from the best model, most promising first,"
                    + " so after every accepted step the same species split or removal that the data refused before"
                    + " comes first again. With --demote-after 2 a change (as the design table names it) that has"
                    + " scored worse than its parent twice waits until every other change has been tried from the"
                    + " current model, and the round's slots go to the rest (e.g. growing capacity).",
                valueName: "n"))
        var demoteAfter: Int?
        @Option(
            help: ArgumentHelp(
                "Strained cells for the property score (empty: no properties). Default: the data's <El>_Elastic"
                    + " groups, each element scored against its own cells (alloys: every kind of property counts once,"
                    + " as the RMS over the elements)."))
        var elastic: String?
        @Option(help: "Relaxed slabs for the property score. Default: the data's <El>_Surface group.")
        var surfaces: String?
        @Option(
            help: ArgumentHelp(
                "DFT energies of fcc, hcp and A15 against bcc per element (e.g. data/phases/NbMoTaW-gpaw.json).",
                discussion: "They enter the property score (0.05 eV/atom counts as one unit), so that a candidate"
                    + " which puts another lattice near or below bcc loses; the data's bcc cells cannot tell. Default:"
                    + " none, the other lattices are not scored."))
        var phases: String?
        @OptionGroup var weightOptions: WeightOptions
        @OptionGroup var energyTargetOptions: EnergyTargetOptions
        @Option(help: "Where to save the loop state (resumable).")
        var state: String?
        @Option(help: "Where to write the chosen potential.")
        var output: String

        func validate() throws {
            try checkWritable(output, option: "--output")
            guard budgetParams >= 1, maxCandidates >= 1, iterations >= 1, foldIterations >= 1, screenEvery >= 1 else {
                throw ValidationError(
                    "--budget-params, --max-candidates, --max-iterations, --fold-iterations and --screen-every must be"
                        + " at least 1")
            }
            guard holdOut.isEmpty || fold.isEmpty else {
                throw ValidationError("--hold-out and --fold are two protocols: give one of them")
            }
            guard !refit || !holdOut.isEmpty else {
                throw ValidationError(
                    "--refit needs --hold-out: with cross-validation the chosen model is already fitted on all"
                        + " training data")
            }
        }

        /// The cross-validation folds over the training data: none with --hold-out, the --fold options,
        /// or every group on its own.
        func crossValidationFolds(train: Dataset) throws -> [Fold] {
            guard holdOut.isEmpty else { return [] }
            let folds =
                fold.isEmpty
                ? CrossValidation.defaultFolds(for: train)
                : fold.map { Fold(name: $0, patterns: $0.split(separator: ",").map(String.init)) }
            for f in folds {
                for pattern in f.patterns {
                    try Dataset.checkPattern(pattern, option: "--fold")
                    guard !train.structures.contains(where: { Dataset.structure($0, matches: pattern) }) else {
                        continue
                    }
                    throw MosaicError(
                        location: "--fold \(f.name)", "'\(pattern)' matches no group of the training data",
                        fix: "use groups of: \(train.groups.joined(separator: ", ")) (the --test groups are left out)")
                }
            }
            guard folds.count >= 2 else {
                throw MosaicError(
                    location: "cross-validation",
                    "the training data have \(folds.count) fold(s); choosing needs at least two blocks to leave out",
                    fix: "give more data, name folds with --fold, or hold out a group with --hold-out")
            }
            return folds
        }

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let started = Date()
                let data = try dataOptions.load()
                var library: CompositeModel
                if let start {
                    library = try loadModel(start)
                } else {
                    let made = try StartingLibrary.make(for: data)
                    library = made.model
                    print("starting library from the data (give --start to use your own):")
                    for choice in made.choices { print("  " + choice) }
                }
                let coreNote: String
                let shortest = data.shortestDistances()
                (library, coreNote) = try library.withCore(shortest: shortest)
                print(coreNote)
                let validationGroups = holdOut
                let (rest, testSet) = try data.split(holdingOut: test)
                let (fullTrain, validation) = try rest.split(holdingOut: validationGroups)
                let train = fullTrain.screeningSubset(every: screenEvery)
                if screenEvery > 1 {
                    print(
                        "screening on every \(screenEvery)th structure of each training group"
                            + " (\(train.structures.count) of \(fullTrain.structures.count) structures,"
                            + " \(train.atomCount) atoms); the chosen model is refitted on all of them")
                }
                let folds = try crossValidationFolds(train: train)
                if !folds.isEmpty {
                    print(
                        "validation: cross-validation over \(folds.count) folds of whole groups"
                            + (fold.isEmpty
                                ? " (default: each group of snapshots in motion; alloy groups of many compositions"
                                    + " in \(CrossValidation.compositionBins) bins of whole compositions)" : "") + ": "
                            + folds.map(\.name).joined(separator: "; "))
                }
                // Property references: the given files, or the data's own strained cells and slabs of each element
                // (groups <El>_Elastic and <El>_Surface of one element each).
                func propertyCells(_ option: String?, suffix: String) throws -> [Structure] {
                    if let option { return option.isEmpty ? [] : try Dataset.load([option]).structures }
                    return data.structures.filter {
                        ($0.group.split(separator: "/").first?.hasSuffix(suffix) ?? false)
                            && Set($0.elements).count == 1
                    }
                }
                let elasticCells = try propertyCells(elastic, suffix: "_Elastic")
                let slabs = try propertyCells(surfaces, suffix: "_Surface")
                if elastic == nil {
                    let scored = Set(elasticCells.map { $0.elements[0].symbol }).sorted()
                    print(
                        elasticCells.isEmpty
                            ? "properties: none in the score (give --elastic)"
                            : "properties: \(elasticCells.count) strained cells and \(slabs.count) slabs of the data"
                                + " (\(scored.joined(separator: ", ")): each element against its own DFT cells)")
                }
                var settings = DesignSettings()
                settings.budgetParameters = budgetParams
                settings.maxCandidates = maxCandidates
                settings.trainingIterations = iterations
                settings.geodesicAcceleration = geodesicOption.geodesic ? true : nil
                settings.warmStart = warmStart ? true : nil
                settings.holdRepulsion = holdRepulsionOption.holdRepulsion ? true : nil
                settings.skippedChanges = skipChange.isEmpty ? nil : skipChange
                settings.demoteAfterWorse = demoteAfter
                settings.phaseReferences = phases
                settings.useProperties = !elasticCells.isEmpty
                settings.folds = folds
                settings.foldIterations = foldIterations
                settings.foldMean = foldMeanOption.foldMean == .rms ? nil : foldMeanOption.foldMean
                settings.weights = try weightOptions.weights()
                try settings.weights.checkGroupPatterns(against: data)
                let targets = try energyTargetOptions.targets()
                try targets?.checkPatterns(against: refit ? rest : fullTrain)
                if let demoteAfter, demoteAfter < 1 {
                    throw MosaicError(
                        location: "--demote-after \(demoteAfter)", "a change must have scored worse at least once",
                        fix: "give 1 or more (2: after the data refused it twice), or leave the option out")
                }
                guard library.freeParameterCount <= budgetParams else {
                    throw MosaicError(
                        location: "--budget-params \(budgetParams)",
                        "the library \(start ?? "made from the data") already has \(library.freeParameterCount) fitted"
                            + " parameters, and the loop starts by combining all of its terms",
                        fix: "raise the budget to at least \(library.freeParameterCount) or trim the library")
                }
                let statePath = state ?? (output as NSString).deletingPathExtension + "-design-state.json"
                var header =
                    "design: library \(start ?? "from the data") (\(library.terms.count) terms), budget"
                    + " \(budgetParams) parameters, validation "
                    + (folds.isEmpty
                        ? validationGroups.joined(separator: ", ") : "\(folds.count)-fold cross-validation")
                header += test.isEmpty ? "" : ", untouched test \(test.joined(separator: ", "))"
                if !skipChange.isEmpty {
                    header += "; never proposed: \(skipChange.map(\.rawValue).joined(separator: ", "))"
                }
                if let demoteAfter { header += "; a change that scored worse \(demoteAfter) times is proposed last" }
                print(header)
                let loop = try DesignLoop(
                    settings: settings, train: train, validation: validation, elastic: elasticCells, surfaces: slabs,
                    statePath: statePath, shortest: shortest.mapValues(\.distance)
                ) { line in
                    print(line)
                    fflush(stdout)
                }
                let result = try loop.run(library: library)
                guard let searchBest = result.best else {
                    throw MosaicError("no candidate was trained", fix: "check the library model")
                }
                let bestID = DesignLoop.written(
                    best: searchBest, among: result.candidates.map(\.standing), tolerance: settings.tolerance)
                let best = result.candidates.first { $0.id == bestID }!
                print("\nstopped: \(result.stop ?? "")\n")
                print(
                    TextTable.pad("#", 4) + TextTable.pad("change", 46)
                        + TextTable.right(
                            ["params", "score", "F eV/Å", "E meV/at", "σ GPa", "props", "cond", "sloppy", "fit s"],
                            [7, 8, 9, 9, 8, 7, 9, 7, 7]))
                for c in result.candidates {
                    print(
                        TextTable.pad("\(c.id)\(c.id == bestID ? "*" : "")", 4) + TextTable.pad(c.change, 46)
                            + TextTable.right(
                                [
                                    "\(c.parameters)", String(format: "%.3f", c.score),
                                    String(format: "%.4f", c.validation.forceRMSE),
                                    String(format: "%.2f", c.validation.energyRMSE * 1000),
                                    String(format: "%.3f", c.validation.stressRMSE),
                                    c.propertyScore.map { String(format: "%.2f", $0) } ?? "–",
                                    String(format: "%.1e", c.conditionNumber), "\(c.sloppyModes)",
                                    String(format: "%.1f", c.fitSeconds),
                                ], [7, 8, 9, 9, 8, 7, 9, 7, 7]) + (c.repels == false ? "  does not repel" : "")
                            + (c.failure == nil ? "" : "  failed, not scored"))
                }
                if bestID != searchBest {
                    print(
                        "\nthe loop's best, #\(searchBest), does not repel at short range: written is #\(bestID), the"
                            + " smallest of those that do within \(Int((settings.tolerance * 100).rounded()))%"
                            + " of their lowest score")
                }
                print("\nchosen #\(bestID): \(best.terms)")
                if let folds = best.folds {
                    print(
                        foldTable(folds, mean: foldMeanOption.foldMean)
                            + "\neach fold: the chosen model refitted without it (LM steps from its fit, at most"
                            + " \(foldIterations)), evaluated on it; the loop chose on these errors, not a test")
                }
                var chosen = best.model
                // The refit keeps the chosen candidate's short-range repulsion (its steps that break it are
                // rejected); a candidate that does not repel is refitted freely and refused below.
                var trainer = settings.trainer(staged: false)
                trainer.constraint = RepulsionCheck.constraint(shortest: shortest.mapValues(\.distance))
                if refit || screenEvery > 1 {
                    let data = refit ? rest : fullTrain
                    let refitStarted = Date()
                    let result = try trainer.train(chosen, data: data)
                    chosen = result.model
                    if !result.constrained {
                        print("the chosen candidate does not repel at short range: its refit was not held to it")
                    }
                    if refit {
                        print("refitted on training + validation data (\(rest.structures.count) structures)")
                    } else {
                        let report = EvaluationReport(model: chosen, data: try PreparedDataset(data, model: chosen))
                        print(
                            String(
                                format: "refitted on all %d training structures (%d atoms) in %.0f s; training errors:",
                                data.structures.count, data.atomCount, Date().timeIntervalSince(refitStarted)))
                        print(report.table())
                    }
                }
                // The refits below keep the model's terms and cutoff, so these neighbour lists serve them all.
                let trainedOn = try PreparedDataset(refit ? rest : fullTrain, model: chosen)
                var chosenWeights = settings.weights
                var targetRounds: [[EnergyTargets.Raise]]? = nil
                if let targets {
                    print("\nthe chosen model refitted until each group meets its --energy-target:")
                    let outcome = try meet(targets, trainer: trainer, from: chosen, prepared: trainedOn)
                    chosen = outcome.model
                    chosenWeights = outcome.weights
                    targetRounds = outcome.rounds
                    if !outcome.rounds.isEmpty { print(outcome.report.table(title: "training errors")) }
                }
                try checkRepulsion(chosen, shortest: shortest, output: output)
                // In relative coordinates, as `mosaic fim` by default: where the FIM is nearly singular, the evidence
                // depends on the coordinates its pseudo-inverse is taken in (README, "Fisher information").
                let chosenFIM = try FisherAnalysis(
                    model: chosen, data: trainedOn, weights: chosenWeights, coordinates: .relative)
                let evidence = try SpeciesEvidence.compute(chosenFIM)
                if !evidence.isEmpty {
                    print(
                        "\nspecies blocks of the chosen model: does the data tell each block apart (Fisher evidence)?")
                    print(SpeciesEvidence.table(evidence))
                    print("\nclosest species blocks of each term (candidates to fuse):")
                    print(SpeciesEvidence.pairsTable(try SpeciesEvidence.pairs(chosenFIM)))
                }
                let termEvidence = try TermEvidence.compute(chosenFIM)
                if !termEvidence.isEmpty {
                    print("\nterms of the chosen model: do the data need each one (Fisher evidence)?")
                    print(
                        TermEvidence.table(
                            termEvidence,
                            removal: DesignLoop.removals(result.candidates.map(\.step), chosen: bestID)))
                }
                var testErrors: ErrorMetrics? = nil
                if !testSet.structures.isEmpty {
                    let report = EvaluationReport(model: chosen, data: try PreparedDataset(testSet, model: chosen))
                    testErrors = report.overall
                    print(
                        "\nuntouched test errors of the chosen potential (\(test.joined(separator: ", ")): not"
                            + " used for training or choosing)"
                    )
                    print(report.table())
                }
                var record = DesignProvenance(
                    mosaicVersion: PotentialFile.mosaicVersion,
                    design: result.candidates.map(DesignProvenance.Step.init),
                    chosen: bestID, stop: result.stop ?? "", heldOut: refit ? [] : validationGroups, settings: settings,
                    validation: best.validation, data: dataOptions.data)
                record.test = test.isEmpty ? nil : test
                record.testErrors = testErrors
                record.refitOnValidation = refit ? true : nil
                record.crossValidation = best.folds
                record.screenEvery = screenEvery > 1 ? screenEvery : nil
                record.screenedParameters = screenEvery > 1 ? best.model.naturalParameters : nil
                record.speciesEvidence = evidence.isEmpty ? nil : evidence
                record.termEvidence = termEvidence.isEmpty ? nil : termEvidence
                record.energyTargets = targets
                record.targetRounds = targetRounds
                record.finalWeights = targets == nil ? nil : chosenWeights
                if bestID != searchBest, let loopBest = result.candidates.first(where: { $0.id == searchBest }) {
                    record.searchBest = DesignProvenance.Candidate(id: loopBest.id, model: loopBest.model)
                }
                if let parent = result.candidates.last?.parent, parent != bestID,
                    let last = result.candidates.first(where: { $0.id == parent })
                {
                    record.lastRound = DesignProvenance.Candidate(id: last.id, model: last.model)
                }
                let provenance = try JSONValue.from(record)
                let uncertainty = try uncertaintyData(chosen, data: trainedOn, weights: chosenWeights)
                try PotentialFile(model: chosen, provenance: provenance, uncertainty: uncertainty).write(to: output)
                let stem = (output as NSString).deletingPathExtension
                try AtomicFile.write(
                    paretoSVG(result.candidates, chosen: bestID, title: "Design: parameters vs validation force error"),
                    to: stem + "-pareto.svg")
                print("wrote \(output), \(stem)-pareto.svg; state in \(statePath)")
                print(String(format: "design took %.1f s", Date().timeIntervalSince(started)))
            }
        }
    }
}

/// The cross-validation errors of one candidate, a row per fold.
func foldTable(_ folds: [FoldResult], mean: FoldMean = .rms) -> String {
    let width = max(24, (folds.map(\.fold.count).max() ?? 0) + 1)
    let widths = [6, 10, 10, 10, 8, 7]
    var lines = [
        TextTable.pad("cross-validation fold", width)
            + TextTable.right(["cells", "E meV/at", "E bias", "F eV/Å", "σ GPa", "steps"], widths)
    ]
    for f in folds {
        let m = f.errors
        lines.append(
            TextTable.pad(f.fold, width)
                + TextTable.right(
                    [
                        "\(m.structures)", String(format: "%.2f", m.energyRMSE * 1000),
                        String(format: "%+.2f", (m.energyMeanError ?? .nan) * 1000),
                        m.forceComponents > 0 ? String(format: "%.4f", m.forceRMSE) : "–",
                        m.stressComponents > 0 ? String(format: "%.3f", m.stressRMSE) : "–", "\(f.steps)",
                    ], widths))
    }
    let all = CrossValidation.combined(folds, mean: mean)
    lines.append(
        TextTable.pad(mean == .rms ? "RMS over folds" : "geometric mean", width)
            + TextTable.right(
                [
                    "\(all.structures)", String(format: "%.2f", all.energyRMSE * 1000),
                    String(format: "%.2f", (all.energyMeanError ?? .nan) * 1000),
                    String(format: "%.4f", all.forceRMSE), String(format: "%.3f", all.stressRMSE), "",
                ], widths))
    return lines.joined(separator: "\n")
}

extension FoldMean: ExpressibleByArgument {}
extension Reconfiguration.Kind: ExpressibleByArgument {}

/// `--fold-mean`, shared by the commands that cross-validate (design, tradeoff).
/// `--geodesic`, shared by mosaic fit and mosaic design.
struct GeodesicOption: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Use geodesic acceleration in Levenberg–Marquardt (design: in every candidate's fit).",
            discussion:
                "Helps models whose parameters curve the loss valley (densities inside embeddings, radial"
                + " channels): on the 76-parameter niobium composite of benchmarks/RESULTS.md it reached in 68"
                + " iterations a lower loss than 400 plain ones."))
    var geodesic = false
}

struct HoldRepulsionOption: ParsableArguments {
    @Flag(
        name: .customLong("hold-repulsion"),
        help: ArgumentHelp(
            "Hold the fit to the repulsion check from a start that passes it (design: every candidate's fit).",
            discussion:
                "Steps that would make a dimer, bcc or B2 lattice fall in energy as atoms approach are rejected, so"
                + " the fit cannot end in a model that is refused (design: no candidate is lost to the check;"
                + " without it each candidate is checked after its fit and one that fails is not written). Costs"
                + " one check per accepted step: about 0.2 s for Nb, 2 to 3 s for a four-element model with two"
                + " three-body terms."))
    var holdRepulsion = false
}

struct FoldMeanOption: ParsableArguments {
    @Option(
        name: .customLong("fold-mean"),
        help: ArgumentHelp(
            "How the folds' errors make one score: rms (a fold with large errors dominates) or geometric (each"
                + " fold counts by its relative change, so a hard extrapolation fold does not decide alone).",
            valueName: "rms|geometric"))
    var foldMean = FoldMean.rms
}
