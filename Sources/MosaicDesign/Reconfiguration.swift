import Foundation
import MosaicCore
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics

/// One change of a composite model. Every change yields a valid model whose parameters are
/// warm-started from the parent (splines re-projected, coefficients kept where they still apply).
public enum Reconfiguration: Codable, Sendable, Equatable, CustomStringConvertible {
    case add(Term)
    case remove(term: String)
    /// A change of one term's shape (`TermChange`): basis size, radial channels, cutoff, a split by
    /// species or its fuse; the term warm-starts itself (`TermType.applying`).
    case reshape(term: String, change: TermChange)
    /// Hold one parameter at its current value: for a parameter that only lives in sloppy FIM
    /// directions (e.g. one of two parameters related by an exact scale invariance).
    case fix(parameter: String)
    /// Let parameters of one term share one fitted value, their mean (in fit coordinates): for two
    /// parameters whose difference is the sloppiest FIM direction (the data determine their sum).
    /// Moving along that direction to the mean leaves the predictions almost unchanged.
    case fuse(parameters: [String])
    /// Let two species blocks of one split term share their fitted values (each parameter of block a fused
    /// with its namesake in block b, starting from their mean): for blocks whose difference the Fisher
    /// information puts in a sloppy direction (`SpeciesEvidence.pairs`). The other blocks stay split.
    case fuseBlocks(term: String, blocks: [String])

    public var description: String {
        switch self {
        case .add(let t): return "add \(t.typeName) '\(t.name)'"
        case .remove(let name): return "remove '\(name)'"
        case .reshape(let name, let change):
            switch change {
            case .remove: return "remove '\(name)'"
            case .resize(let size): return "resize '\(name)' to \(size)"
            case .addChannel(let g):
                return
                    "add channel to '\(name)' (\(g.family.rawValue)"
                    + " \(g.values.map { String(format: "%.2f", $0) }.joined(separator: ", ")))"
            case .removeChannel(let index): return "remove channel \(index) of '\(name)'"
            case .removeInvariant(let invariant): return "remove invariant \(invariant) of '\(name)'"
            case .cutoff(let value): return "cutoff of '\(name)' to \(String(format: "%.2f", value)) Å"
            case .splitBySpecies: return "split '\(name)' by species"
            case .fuseSpecies: return "fuse the species blocks of '\(name)'"
            case .weighNeighbours: return "weigh the channels of '\(name)' per neighbour element"
            case .unweighNeighbours: return "share the channels of '\(name)' among neighbour elements again"
            }
        case .fix(let parameter): return "fix '\(parameter)'"
        case .fuse(let parameters): return "fuse \(parameters.map { "'\($0)'" }.joined(separator: " = "))"
        case .fuseBlocks(let term, let blocks): return "fuse blocks \(blocks.joined(separator: " = ")) of '\(term)'"
        }
    }

    /// The kinds of change, as a user names them (`mosaic design --skip-change KIND`).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case addTerm = "add-term"
        case removeTerm = "remove-term"
        case resize
        case addChannel = "add-channel"
        case removeChannel = "remove-channel"
        case removeInvariant = "remove-invariant"
        case cutoff
        case splitSpecies = "split-species"
        case fuseSpecies = "fuse-species"
        case weighNeighbours = "weigh-neighbours"
        case unweighNeighbours = "unweigh-neighbours"
        case fix
        case fuseParameters = "fuse-parameters"
        case fuseBlocks = "fuse-blocks"
    }

    /// What kind of change this is.
    public var kind: Kind {
        switch self {
        case .add: return .addTerm
        case .remove, .reshape(_, .remove): return .removeTerm
        case .reshape(_, .resize): return .resize
        case .reshape(_, .addChannel): return .addChannel
        case .reshape(_, .removeChannel): return .removeChannel
        case .reshape(_, .removeInvariant): return .removeInvariant
        case .reshape(_, .cutoff): return .cutoff
        case .reshape(_, .splitBySpecies): return .splitSpecies
        case .reshape(_, .fuseSpecies): return .fuseSpecies
        case .reshape(_, .weighNeighbours): return .weighNeighbours
        case .reshape(_, .unweighNeighbours): return .unweighNeighbours
        case .fix: return .fix
        case .fuse: return .fuseParameters
        case .fuseBlocks: return .fuseBlocks
        }
    }

    /// The reconfigured model (validated).
    public func apply(to model: CompositeModel) throws -> CompositeModel {
        var result = model
        func index(_ name: String) throws -> Int {
            guard let k = model.terms.firstIndex(where: { $0.name == name }) else {
                throw MosaicError(
                    location: description, "no term named '\(name)'",
                    fix: "use one of: \(model.terms.map(\.name).joined(separator: ", "))")
            }
            return k
        }
        switch self {
        case .add(let term):
            result.terms.append(term)
        case .remove(let name):
            result.terms.remove(at: try index(name))
        case .reshape(let name, .remove):
            result.terms.remove(at: try index(name))
        case .reshape(let name, let change):
            let k = try index(name)
            result.terms[k] = try model.terms[k].applying(change)
        case .fix(let parameter):
            guard model.parameterNames.contains(parameter), !(model.fixed ?? []).contains(parameter) else {
                throw MosaicError(location: description, "'\(parameter)' is not a free parameter of the model")
            }
            result.fixed = (model.fixed ?? []) + [parameter]
        case .fuse(let parameters):
            let names = model.parameterNames
            let indices = parameters.compactMap { names.firstIndex(of: $0) }
            guard indices.count == parameters.count, parameters.count >= 2 else {
                throw MosaicError(location: description, "not parameters of the model", fix: "use term.parameter names")
            }
            result = Self.fusing([parameters], in: model)
        case .fuseBlocks(let name, let blocks):
            let k = try index(name)
            let specs = model.terms[k].parameters(elements: model.elements)
            let held = Set(model.fixed ?? [])
            // Each block's parameters by local name without the block prefix ("Mo-Nb.c3" → "c3").
            func members(_ block: String) -> [String: String] {
                Dictionary(
                    uniqueKeysWithValues: specs.filter { $0.block == block }.map {
                        ($0.localInBlock, "\(name).\($0.local)")
                    })
            }
            let sides = blocks.map(members)
            guard blocks.count == 2, blocks[0] != blocks[1], sides.allSatisfy({ !$0.isEmpty }) else {
                throw MosaicError(
                    location: description, "'\(name)' has no two distinct species blocks named \(blocks)",
                    fix: "name two blocks of a split term, as `mosaic fim` lists them")
            }
            let groups = sides[0].keys.sorted().compactMap { local -> [String]? in
                guard let other = sides[1][local] else { return nil }
                let pair = [sides[0][local]!, other]
                return pair.contains(where: held.contains) ? nil : pair
            }
            guard !groups.isEmpty else {
                throw MosaicError(location: description, "the two blocks share no free parameter")
            }
            result = Self.fusing(groups, in: model)
        }
        // A term whose parameter vector changed shape starts with all its parameters free again.
        if let changed = changedTerm {
            let termOf = Dictionary(
                result.parameterIDs.map { ($0.description, $0.term) }, uniquingKeysWith: { first, _ in first })
            let untouched = { (name: String) in termOf[name].map { $0 != changed } ?? false }
            let kept = (model.fixed ?? []).filter(untouched)
            result.fixed = kept.isEmpty ? nil : kept
            let keptGroups = (model.fused ?? []).filter { $0.allSatisfy(untouched) }
            result.fused = keptGroups.isEmpty ? nil : keptGroups
        }
        try result.validate()
        return result
    }

    /// `model` with each group of parameter names fused: a group overlapping groups already fused merges
    /// with them, and every member starts from the members' mean in fit coordinates.
    static func fusing(_ groups: [[String]], in model: CompositeModel) -> CompositeModel {
        var result = model
        var fused = model.fused ?? []
        for group in groups {
            let overlapping = fused.filter { !Set($0).isDisjoint(with: group) }
            fused.removeAll { !Set($0).isDisjoint(with: group) }
            var merged = overlapping.flatMap { $0 }
            for name in group where !merged.contains(name) { merged.append(name) }
            fused.append(merged)
        }
        var theta = model.internalParameters
        let names = model.parameterNames
        for group in fused {
            let indices = group.compactMap { names.firstIndex(of: $0) }
            let mean = indices.reduce(0) { $0 + theta[$1] } / Double(indices.count)
            for q in indices { theta[q] = mean }
        }
        result.internalParameters = theta
        result.fused = fused
        return result
    }

    /// The term whose parameters a structural change reshapes (nil for `fix` and `fuse`).
    var changedTerm: String? {
        switch self {
        case .add(let t): return t.name
        case .remove(let name), .reshape(let name, _): return name
        case .fix, .fuse, .fuseBlocks: return nil
        }
    }

    /// The model-level reconfiguration of a term's change.
    public static func change(_ change: TermChange, of term: String) -> Reconfiguration {
        if case .remove = change { return .remove(term: term) }
        return .reshape(term: term, change: change)
    }

    /// Species blocks the data do not tell apart: for each split term, its two closest blocks (smallest
    /// `SpeciesEvidence.pairs` z) when z is below `threshold`, as a fuse of those two blocks. Blocks already
    /// fused (z = 0) are not proposed again.
    public static func blockFuseChanges(
        _ model: CompositeModel, fim: FisherAnalysis, threshold: Double = 3
    ) throws -> [Reconfiguration] {
        var proposed: Set<String> = []
        var changes: [Reconfiguration] = []
        for pair in try SpeciesEvidence.pairs(fim) where pair.z > 0 && pair.z < threshold {
            guard proposed.insert(pair.term).inserted else { continue }
            changes.append(.fuseBlocks(term: pair.term, blocks: pair.blocks))
        }
        return changes
    }

    /// What the sloppiest FIM mode suggests: hold its dominant parameter fixed; and, when its two
    /// dominant parameters belong to one term, are of one kind, carry at least half of the mode and
    /// have opposite signs (the data determine their sum, not their difference), fuse them.
    /// When round-off does not tell the sloppiest eigenvalue from the next (`FisherAnalysis.clusters(of:)`), the mode's
    /// eigenvector is any basis vector of their subspace: the subspace's first pivot is fixed instead, and no fuse is
    /// proposed.
    public static func sloppiestModeChanges(_ model: CompositeModel, fim: FisherAnalysis) -> [Reconfiguration] {
        guard let mode = fim.sloppyModes.first else { return [] }
        let ids = model.parameterIDs
        let names = model.parameterNames
        let transforms = model.transforms
        // Reference energies are whatever the data say: never fixed.
        let referenceTerms = Set(model.terms.filter { !$0.isRegularised }.map(\.name))
        if let cluster = fim.clusters(of: fim.sloppyModes).first, cluster.count >= 2 {
            let pivot = fim.pivots(ofModes: cluster).first.map { fim.parameterIndices[$0] }
            return pivot.map { referenceTerms.contains(ids[$0].term) ? [] : [.fix(parameter: names[$0])] } ?? []
        }
        let top = fim.dominantParameters(ofMode: mode, count: 2)
        var changes: [Reconfiguration] = []
        if let first = top.first, !referenceTerms.contains(ids[first.index].term) {
            changes.append(.fix(parameter: first.name))
        }
        if top.count == 2, top[0].component * top[1].component < 0,
            top[0].component * top[0].component + top[1].component * top[1].component >= 0.5,
            ids[top[0].index].term == ids[top[1].index].term, transforms[top[0].index] == transforms[top[1].index]
        {
            let a = top[0].index
            let b = top[1].index
            changes.append(.fuse(parameters: [min(a, b), max(a, b)].map { names[$0] }))
        }
        return changes
    }
}
