import Foundation
import MosaicCore
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicProperties

/// Settings of the adaptive design loop.
public struct DesignSettings: Codable, Sendable, Equatable {
    /// Largest parameter count a candidate may have.
    public var budgetParameters = 75
    /// Stop after this many candidates.
    public var maxCandidates = 20
    /// Reconfigurations tried per round (the best one is kept if it improves).
    public var proposalsPerRound = 4
    /// Levenberg–Marquardt iterations per candidate (warm-started).
    public var trainingIterations = 40
    /// Iterations of each single-term stage of the first composite.
    public var stageIterations = 15
    /// Geodesic acceleration in every candidate's Levenberg–Marquardt fit (nil: off, and not written to
    /// states and provenance, so designs made without it keep their files).
    public var geodesicAcceleration: Bool?
    public var weights = FitWeights()
    /// A larger model must lower the score by this fraction; a smaller one may raise it by `tolerance`.
    public var improvement = 0.01
    public var tolerance = 0.02
    /// Include property errors (elastic constants, lattice constant, surface energies) in the score.
    public var useProperties = true
    /// Block cross-validation: the folds (empty: score on a held-out validation set instead) and the
    /// accepted Levenberg–Marquardt steps of each fold's refit (warm-started from the candidate's fit).
    public var folds: [Fold] = []
    public var foldIterations = 6
    /// How the folds' errors are combined (nil: root mean square, and not written to states and provenance).
    public var foldMean: FoldMean?
    /// A sloppy mode with λ below this fraction of λ_max is an (almost) exact redundancy: fixing its
    /// dominant parameter is proposed first.
    public var redundancyThreshold = 1e-10
    /// Train the library from its own values in one fit of all parameters, with no single-term candidates:
    /// for a library whose values are already fitted (a potential to refine). nil: off, and not written to
    /// states and provenance.
    public var warmStart: Bool?
    /// Hold every candidate's fit to the repulsion check when its start passes it (steps that would break it are
    /// rejected; one check per accepted step). nil: off (each candidate is checked after its fit), and not written
    /// to states and provenance.
    public var holdRepulsion: Bool?
    /// Kinds of change the loop never proposes (e.g. to repeat a design made before a kind existed). nil: none,
    /// and not written to states and provenance.
    public var skippedChanges: [Reconfiguration.Kind]?
    /// A change (by its description, e.g. "split 'pair' by species") that has made the score worse than its parent's
    /// this many times is proposed only after every other change: the data have said no to it that often, and the
    /// round's few slots go to what has not been refused. nil: off (proposals keep their order), and not written to
    /// states and provenance.
    public var demoteAfterWorse: Int?
    /// The file whose DFT energies of fcc, hcp and A15 against bcc enter the property score (`PhaseReferences`).
    /// nil: none (those lattices are not scored), and not written to states and provenance.
    public var phaseReferences: String?
    public init() {}

    /// The trainer every candidate is fitted with (also for refitting the chosen one); with `holdRepulsion` and
    /// the data's shortest distances (`RepulsionCheck`), held to the repulsion check.
    public func trainer(staged: Bool, shortest: [String: Double]? = nil) -> Trainer {
        var trainer = Trainer(weights: weights)
        if holdRepulsion == true, let shortest { trainer.constraint = RepulsionCheck.constraint(shortest: shortest) }
        trainer.settings.maxIterations = trainingIterations
        trainer.settings.geodesicAcceleration = geodesicAcceleration ?? false
        trainer.stageIterations = stageIterations
        trainer.staged = staged
        return trainer
    }
}

/// One evaluated configuration.
public struct CandidateRecord: Codable, Sendable {
    public var id: Int
    public var parent: Int?
    public var change: String
    public var terms: String
    public var parameters: Int
    /// Validation errors: on the held-out set, or combined over the cross-validation folds
    /// (`CrossValidation.combined`).
    public var validation: ErrorMetrics
    /// Each fold's errors (cross-validation only).
    public var folds: [FoldResult]?
    public var propertyScore: Double?
    /// RMS of scaled validation and property errors: lower is better.
    public var score: Double
    public var conditionNumber: Double
    public var sloppyModes: Int
    /// Seconds of the fit, and of the cross-validation refits (nil: held-out validation).
    public var fitSeconds: Double
    public var validationSeconds: Double?
    public var accepted: Bool
    /// Whether the fitted model passes `RepulsionCheck` (nil in states saved before the loop checked): one that
    /// does not may lead the search but is not written while one that does exists (`DesignLoop.written`).
    public var repels: Bool?
    public var model: CompositeModel
    /// Why the candidate could not be scored (its fit or its Fisher analysis failed, e.g. a model that gives
    /// non-finite forces): its score is infinite, so it is never chosen, and the loop goes on. nil: scored.
    public var failure: String? = nil

    /// What the loop compares it by.
    public var standing: Standing { Standing(id: id, score: score, parameters: parameters, repels: repels) }
}

extension CandidateRecord {
    /// This candidate as the search history needs it (`DesignLoop.refused`).
    public var step: DesignLoop.Step { DesignLoop.Step(id: id, parent: parent, change: change, score: score) }
}

/// A candidate's score, size and short-range repulsion: what the loop compares candidates by.
public struct Standing: Sendable, Equatable {
    public var id: Int
    public var score: Double
    public var parameters: Int
    /// nil: not checked (a state saved before the loop checked).
    public var repels: Bool?

    public init(id: Int, score: Double, parameters: Int, repels: Bool?) {
        self.id = id
        self.score = score
        self.parameters = parameters
        self.repels = repels
    }
}

extension DesignSettings {
    /// Whether a candidate replaces `best` as the parent of the next round: it lowers the score by more than
    /// `improvement`, or has fewer parameters within `tolerance` of the lower of `best`'s score and `anchor`
    /// (the best score seen).
    public func improves(_ candidate: Standing, over best: Standing, anchor: Double) -> Bool {
        candidate.score < best.score * (1 - improvement)
            || (candidate.parameters < best.parameters && candidate.score < min(best.score, anchor) * (1 + tolerance))
    }
}

/// What the loop has done so far; saved after every candidate, so a run can resume.
public struct DesignState: Codable, Sendable {
    public var settings: DesignSettings
    public var candidates: [CandidateRecord] = []
    public var best: Int?
    public var stop: String?
}

/// The adaptive design loop: train single-term models, combine them, train the composite, then
/// repeatedly reconfigure the best composite (prune terms and basis functions that live in sloppy
/// FIM directions, grow capacity where the budget allows), keeping a change only when it lowers the
/// validation + property score (or keeps it while saving parameters). Validation is block
/// cross-validation over `settings.folds` of the training data, or, with no folds, a held-out set.
public final class DesignLoop {
    public let settings: DesignSettings
    let train: Dataset
    let validation: Dataset
    let elastic: [Structure]
    let surfaces: [Structure]
    /// DFT references of the other lattices' energies for the property score, read from
    /// `settings.phaseReferences` (none: not scored).
    let phases: PhaseReferences?
    public private(set) var state: DesignState
    /// The training data's typical nearest-neighbour distance (Å), where added terms are placed.
    let nearestNeighbour: Double
    /// The data's shortest distance of each element pair (`pairKey`), where the repulsion check's dimer scans start.
    let shortest: [String: Double]
    let statePath: String?
    let progress: (String) -> Void

    public init(
        settings: DesignSettings, train: Dataset, validation: Dataset, elastic: [Structure], surfaces: [Structure],
        statePath: String?, shortest: [String: Double]? = nil, progress: @escaping (String) -> Void = { _ in }
    ) throws {
        self.settings = settings
        self.train = train
        self.shortest = shortest ?? train.shortestDistances().mapValues(\.distance)
        self.validation = validation
        guard !settings.folds.isEmpty || !validation.structures.isEmpty else {
            throw MosaicError(
                "the design loop needs cross-validation folds or a validation set", fix: "hold out a group")
        }
        self.elastic = elastic
        self.surfaces = surfaces
        phases = try settings.phaseReferences.map(PhaseReferences.load)
        guard let distance = train.nearestNeighbourDistance() else {
            throw MosaicError(
                "the training data have no atom pairs within 6 Å", fix: "check the data files and the hold-out")
        }
        nearestNeighbour = distance
        progress(
            String(
                format: "typical nearest-neighbour distance of the training data: %.3f Å (where added terms start)",
                distance))
        self.statePath = statePath
        self.progress = progress
        if let statePath, FileManager.default.fileExists(atPath: statePath) {
            guard let data = FileManager.default.contents(atPath: statePath),
                let saved = try? JSONDecoder.mosaic.decode(DesignState.self, from: data)
            else {
                throw MosaicError(
                    file: statePath, "cannot read the saved design state", fix: "delete it to start afresh")
            }
            guard saved.settings == settings else {
                throw MosaicError(
                    file: statePath, "the saved design state was made with other settings",
                    fix: "delete it or use the same options")
            }
            state = saved
            progress("resuming: \(saved.candidates.count) candidates already evaluated")
        } else {
            state = DesignState(settings: settings)
        }
    }

    /// Runs (or resumes) the loop from a library composite: every non-reference term is a
    /// single-term model; reference and repulsion terms are kept in every candidate.
    public func run(library: CompositeModel) throws -> DesignState {
        var replay = state.candidates
        state.candidates = []
        func evaluate(_ model: CompositeModel, parent: Int?, change: String, staged: Bool) throws -> CandidateRecord {
            if let k = replay.firstIndex(where: { $0.parent == parent && $0.change == change }) {
                var record = replay.remove(at: k)
                record.accepted = false
                state.candidates.append(record)
                progress(line(record, resumed: true))
                return record
            }
            var record: CandidateRecord
            do {
                record = try assess(model, parent: parent, change: change, staged: staged, id: state.candidates.count)
            } catch let error where parent != nil {
                // One reconfiguration that cannot be fitted or analysed ends that branch, not the design.
                record = DesignLoop.failed(model, parent: parent, change: change, id: state.candidates.count, error)
            }
            record.accepted = false
            state.candidates.append(record)
            try save()
            progress(line(record, resumed: false))
            return record
        }
        var best: CandidateRecord
        if settings.warmStart == true {
            best = try evaluate(library, parent: nil, change: "library trained from its values", staged: false)
        } else {
            let base = library.terms.filter(\.isBaseline)
            for term in library.terms where !base.contains(term) {
                _ = try evaluate(
                    CompositeModel(elements: library.elements, terms: base + [term]), parent: nil,
                    change: "single term '\(term.name)'", staged: true)
            }
            best = try evaluate(library, parent: nil, change: "all single terms combined", staged: true)
        }
        markBest(best.id)
        // Smaller models may cost up to `tolerance` over the best score seen, not over the last one
        // (so a chain of small concessions cannot drift far).
        var anchor = best.score
        var tried = Set<String>()
        while state.candidates.count < settings.maxCandidates {
            let demoted = settings.demoteAfterWorse.map { DesignLoop.refused(state.candidates.map(\.step), times: $0) }
            let next = try proposals(for: best.model, of: best.id, tried: tried, demoted: demoted ?? [])
            guard !next.isEmpty else {
                state.stop = "no reconfiguration left to try"
                break
            }
            var round: [CandidateRecord] = []
            for change in next.prefix(settings.proposalsPerRound)
            where state.candidates.count < settings.maxCandidates {
                tried.insert("\(best.id)|\(change)")
                round.append(
                    try evaluate(
                        try change.apply(to: best.model), parent: best.id, change: change.description, staged: false))
            }
            let better = round.filter { settings.improves($0.standing, over: best.standing, anchor: anchor) }
            // The best of the round, or a smaller model within `tolerance` of it (parsimony).
            guard let lowest = better.min(by: { $0.score < $1.score }) else {
                if next.count <= settings.proposalsPerRound {
                    state.stop = "no reconfiguration improves the score"
                    break
                }
                continue
            }
            let chosen =
                better.filter { $0.score <= lowest.score * (1 + settings.tolerance) }
                .min { ($0.parameters, $0.score) < ($1.parameters, $1.score) } ?? lowest
            best = chosen
            anchor = min(anchor, chosen.score)
            markBest(chosen.id)
        }
        if state.stop == nil { state.stop = "candidate limit (\(settings.maxCandidates)) reached" }
        try save()
        return state
    }

    /// The candidate to write: the loop's best if it repels (or was not checked), else among the candidates that
    /// repel the one the loop's own rule would pick — the smallest within `tolerance` of the lowest score (see
    /// `DesignSettings.tolerance`) — since the search may pass through models that do not, and what is written must;
    /// else the best (which the final check then refuses).
    public static func written(best: Int, among candidates: [Standing], tolerance: Double = 0) -> Int {
        guard let chosen = candidates.first(where: { $0.id == best }), chosen.repels == false else { return best }
        let repelling = candidates.filter { $0.repels == true }
        guard let lowest = repelling.min(by: { $0.score < $1.score }) else { return best }
        return repelling.filter { $0.score <= lowest.score * (1 + tolerance) }
            .min { ($0.parameters, $0.score) < ($1.parameters, $1.score) }?.id ?? lowest.id
    }

    func markBest(_ id: Int) {
        state.best = id
        for k in state.candidates.indices {
            state.candidates[k].accepted = state.candidates[k].id == id || state.candidates[k].accepted
        }
    }

    /// The record of a candidate that could not be scored: infinite score, no errors, `failure` saying why.
    public static func failed(_ model: CompositeModel, parent: Int?, change: String, id: Int, _ error: Error)
        -> CandidateRecord
    {
        var nothing = ErrorMetrics()
        nothing.energyRMSE = .nan
        nothing.forceRMSE = .nan
        nothing.stressRMSE = .nan
        return CandidateRecord(
            id: id, parent: parent, change: change, terms: DesignLoop.summary(model),
            parameters: model.freeParameterCount, validation: nothing, folds: nil, propertyScore: nil,
            score: .infinity, conditionNumber: .nan, sloppyModes: 0, fitSeconds: 0, validationSeconds: nil,
            accepted: false, repels: nil, model: model, failure: "\(error)")
    }

    /// Trains and scores one configuration.
    func assess(_ start: CompositeModel, parent: Int?, change: String, staged: Bool, id: Int) throws -> CandidateRecord
    {
        let clock = Date()
        let model = try settings.trainer(staged: staged, shortest: shortest).train(start, data: train).model
        let seconds = Date().timeIntervalSince(clock)
        // Checked after the fit (held during it only with `holdRepulsion`: on every step it can cost as much as
        // the fit of an alloy candidate); what is written must pass (`written`).
        let repels = RepulsionCheck(model: model).repels(shortest: shortest)
        let prepared = try PreparedDataset(train, model: model)
        var folds: [FoldResult]? = nil
        let validationErrors: ErrorMetrics
        var validationSeconds: Double? = nil
        if settings.folds.isEmpty {
            validationErrors =
                EvaluationReport(model: model, data: try PreparedDataset(validation, model: model)).overall
        } else {
            let started = Date()
            let results = CrossValidation(
                folds: settings.folds, weights: settings.weights, iterations: settings.foldIterations
            ).evaluate(model, data: prepared)
            folds = results
            validationErrors = CrossValidation.combined(results, mean: settings.foldMean ?? .rms)
            validationSeconds = Date().timeIntervalSince(started)
        }
        let fim = try FisherAnalysis(model: model, data: prepared, weights: settings.weights, coordinates: .relative)
        var properties: PropertyReport? = nil
        if settings.useProperties, !elastic.isEmpty {
            properties = try? PropertyReport.pooled(
                model: model, elastic: elastic, surfaces: surfaces, phases: phases)
        }
        let scorer = PropertyScore()
        // A model without a stable, zero-pressure bcc lattice cannot be chosen.
        let total =
            settings.useProperties && !elastic.isEmpty && properties == nil
            ? .infinity : scorer.score(properties: properties, errors: validationErrors).score
        let propertyOnly = properties.map { scorer.score(properties: $0, errors: nil).score }
        return CandidateRecord(
            id: id, parent: parent, change: change, terms: DesignLoop.summary(model),
            parameters: model.freeParameterCount,
            validation: validationErrors, folds: folds, propertyScore: propertyOnly,
            score: total.isFinite ? total : .infinity,
            conditionNumber: fim.conditionNumber, sloppyModes: fim.sloppyModes.count, fitSeconds: seconds,
            validationSeconds: validationSeconds,
            accepted: false, repels: repels, model: model)
    }

    /// The reconfigurations the loop may try next from candidate `id`'s `model`, most promising first (`propose`):
    /// untried (`tried` holds "id|change"), valid, within the budget, of no skipped kind, duplicates removed; the
    /// `demoted` descriptions (`refused`) last, in their order.
    public func proposals(
        for model: CompositeModel, of id: Int, tried: Set<String> = [], demoted: Set<String> = []
    ) throws -> [Reconfiguration] {
        var seen = Set<String>()
        let valid = try propose(model).filter { change in
            let key = "\(id)|\(change)"
            guard !tried.contains(key), seen.insert(key).inserted,
                !(settings.skippedChanges ?? []).contains(change.kind),
                let changed = try? change.apply(to: model)
            else { return false }
            return changed.freeParameterCount <= settings.budgetParameters
        }
        return valid.filter { !demoted.contains($0.description) } + valid.filter { demoted.contains($0.description) }
    }

    /// One evaluated candidate as the search history needs it.
    public struct Step: Sendable, Equatable {
        public var id: Int
        public var parent: Int?
        public var change: String
        public var score: Double
        public init(id: Int, parent: Int?, change: String, score: Double) {
            self.id = id
            self.parent = parent
            self.change = change
            self.score = score
        }
    }

    /// The changes (descriptions) that made the score worse than their parent's at least `times` times in `history`
    /// (a score that is not finite is worse than any): `DesignSettings.demoteAfterWorse`.
    public static func refused(_ history: [Step], times: Int) -> Set<String> {
        let scores = Dictionary(history.map { ($0.id, $0.score) }, uniquingKeysWith: { first, _ in first })
        var worse: [String: Int] = [:]
        for step in history {
            guard let parent = step.parent, let before = scores[parent] else { continue }
            if !(step.score <= before) { worse[step.change, default: 0] += 1 }
        }
        return Set(worse.filter { $0.value >= times }.keys)
    }

    /// For each term, what removing it did in `history`: the candidate that removed it from the `chosen` one or from
    /// its nearest ancestor that tried, with its score against the chosen one's ("#8 from #5: score 0.858, +62%").
    public static func removals(_ history: [Step], chosen: Int) -> [String: String] {
        let byID = Dictionary(history.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        guard let score = byID[chosen]?.score else { return [:] }
        var lineage: [Int] = []
        var next: Int? = chosen
        while let id = next, let step = byID[id], !lineage.contains(id) {
            lineage.append(id)
            next = step.parent
        }
        let prefix = "remove '"
        var result: [String: String] = [:]
        for ancestor in lineage {
            for step in history where step.parent == ancestor && step.change.hasPrefix(prefix) {
                let term = String(step.change.dropFirst(prefix.count).dropLast())
                guard result[term] == nil else { continue }
                result[term] =
                    step.score.isFinite
                    ? String(
                        format: "#%d from #%d: score %.3f, %+.0f%%", step.id, ancestor, step.score,
                        (step.score / score - 1) * 100)
                    : "#\(step.id) from #\(ancestor): not scored"
            }
        }
        return result
    }

    /// Reconfigurations of `model`, most promising first: species splits, then prune what the sloppiest FIM
    /// modes point at (and fuse species blocks the data do not tell apart), remove single terms, then grow
    /// capacity within the budget.
    func propose(_ model: CompositeModel) throws -> [Reconfiguration] {
        var shrink: [Reconfiguration] = []
        let fim = try FisherAnalysis(
            model: model, data: try PreparedDataset(train, model: model), weights: settings.weights,
            coordinates: .relative)
        // Fixing or fusing what the sloppiest mode points at: first when the mode is an (almost) exact
        // redundancy, after the structural prunes otherwise.
        let sloppiest = Reconfiguration.sloppiestModeChanges(model, fim: fim)
        let redundant =
            fim.sloppyModes.first.map { fim.eigenvalues[$0] < settings.redundancyThreshold * fim.largestEigenvalue }
            ?? false
        if redundant { shrink += sloppiest }
        // Species blocks whose difference is a sloppy direction: chemistry the data do not resolve.
        shrink += try Reconfiguration.blockFuseChanges(model, fim: fim)
        let ids = model.parameterIDs
        for top in fim.sloppiestParameters(count: 3) {
            guard let term = model.terms.first(where: { $0.name == ids[top].term }) else { continue }
            for change in term.shrinkProposals(sloppy: ids[top]) where !term.isBaseline {
                shrink.append(Reconfiguration.change(change, of: term.name))
            }
        }
        // Then whole terms, one at a time (the FIM may spread a redundant term over many modes).
        let removable = model.terms.filter { !$0.isBaseline }
        if removable.count > 1 {
            for term in removable where !shrink.contains(.remove(term: term.name)) {
                shrink.append(.remove(term: term.name))
            }
        }
        if !redundant { shrink += sloppiest }
        var grow: [Reconfiguration] = []
        let room = settings.budgetParameters - model.freeParameterCount
        for term in model.terms {
            grow += term.growProposals(
                room: room, context: DesignContext(nearestNeighbour: nearestNeighbour, elements: model.elements)
            ).map {
                Reconfiguration.change($0, of: term.name)
            }
        }
        // A kind of term the model lacks and the loop may add (e.g. an embedding), placed at the data's
        // nearest-neighbour distance.
        for kind in TermRegistry.types
        where !model.terms.contains(where: { ObjectIdentifier(type(of: $0.base)) == ObjectIdentifier(kind) }) {
            guard var starter = kind.starter(nearestNeighbour: nearestNeighbour, cutoff: model.cutoff) else { continue }
            let names = Set(model.terms.map(\.name))
            while names.contains(starter.name) { starter.name += "2" }
            let term = Term(starter)
            if term.parameters(elements: model.elements).count <= room { grow.append(.add(term)) }
        }
        // With several elements, whether the data tell the species apart is the first question: species
        // splits come before everything else.
        let splits = grow.filter {
            switch $0 {
            case .reshape(_, .splitBySpecies), .reshape(_, .weighNeighbours): return true
            default: return false
            }
        }
        return splits + shrink + grow.filter { !splits.contains($0) }
    }

    func save() throws {
        guard let statePath else { return }
        try AtomicFile.write(try JSONEncoder.mosaic.encode(state), to: statePath)
    }

    func line(_ c: CandidateRecord, resumed: Bool) -> String {
        if let failure = c.failure {
            return String(
                format: "#%-3d %@%-44@ %3d params  failed, not scored: %@", c.id,
                (resumed ? "(saved) " : "") as NSString, c.change as NSString, c.parameters, failure as NSString)
        }
        return String(
            format:
                "#%-3d %@%-44@ %3d params  score %.3f  F %.4f eV/Å  E %.2f meV/at  cond %.1e  sloppy %2d  %5.1f s%@",
            c.id, (resumed ? "(saved) " : "") as NSString, c.change as NSString, c.parameters, c.score,
            c.validation.forceRMSE,
            c.validation.energyRMSE * 1000, c.conditionNumber, c.sloppyModes, c.fitSeconds,
            (c.validationSeconds.map { String(format: " + %.1f s folds", $0) } ?? "") as NSString)
            + (c.repels == false ? "  does not repel at short range: not written" : "")
            + (c.folds.map { "\n     folds (E meV/at, bias, F eV/Å): " + DesignLoop.foldSummary($0) } ?? "")
    }

    /// Each fold's energy RMSE, bias and force RMSE, one line; a fold of several patterns is named by its first
    /// and how many more ("Nb_AIMD/Md/300K +3": the design prints every fold in full once, at the start).
    public static func foldSummary(_ folds: [FoldResult]) -> String {
        folds.map { f in
            let m = f.errors
            let patterns = f.fold.split(separator: ",")
            let name = patterns.count > 1 ? "\(patterns[0]) +\(patterns.count - 1)" : f.fold
            return String(
                format: "%@ %.1f %+.1f %@", name as NSString, m.energyRMSE * 1000, (m.energyMeanError ?? .nan) * 1000,
                (m.forceComponents > 0 ? String(format: "%.3f", m.forceRMSE) : "–") as NSString)
        }.joined(separator: " | ")
    }

    /// "pair(16) embedding angular(3ch, L6)".
    public static func summary(_ model: CompositeModel) -> String {
        model.terms.map(\.label).joined(separator: " ")
            + ((model.fixed ?? []).isEmpty ? "" : " fixed(\((model.fixed ?? []).joined(separator: ",")))")
            + (model.fused ?? []).map { " fused(\($0.joined(separator: "=")))" }.joined()
    }
}
