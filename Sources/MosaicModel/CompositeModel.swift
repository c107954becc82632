import Foundation
import MosaicCore

/// A composite potential: E = Σ_i Σ_t E_i^(t), a sum of single-term models over atoms.
///
/// Parameters are addressed as one flat vector in term order; each parameter has a name
/// "term.parameter", a natural value (as written in files) and a transform to the internal
/// value the optimiser sees (θ = log(value) for positive scales).
public struct CompositeModel: Codable, Sendable, Equatable {
    public var elements: [Element]
    public var terms: [Term]
    /// Names ("term.parameter") of parameters held at their values: the model uses them, the fit
    /// does not change them and they do not count as fitted parameters. The design loop fixes
    /// parameters that only live in sloppy Fisher-information directions (e.g. one of a pair
    /// related by an exact scale invariance).
    public var fixed: [String]?
    /// Groups of parameters (names as in `fixed`, all of one term, same transform, same value) that
    /// share one fitted value. The design loop fuses two parameters when the data determine only
    /// their sum: the sloppiest FIM direction is their difference.
    public var fused: [[String]]?

    enum CodingKeys: String, CodingKey, CaseIterable { case elements, terms, fixed, fused }

    public init(from decoder: Decoder) throws {
        try KeyCheck.rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a model")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        elements = try c.decode([Element].self, forKey: .elements)
        terms = try c.decode([Term].self, forKey: .terms)
        fixed = try c.decodeIfPresent([String].self, forKey: .fixed)
        fused = try c.decodeIfPresent([[String]].self, forKey: .fused)
    }

    public init(elements: [Element], terms: [Term], fixed: [String]? = nil, fused: [[String]]? = nil) {
        self.elements = elements
        self.terms = terms
        self.fixed = fixed
        self.fused = fused
    }

    /// The largest term cutoff (Å): the neighbour-list cutoff.
    public var cutoff: Double { terms.map(\.cutoff).max() ?? 0 }

    /// The cutoff for a centre of element `a` and a neighbour of element `b`: the largest of the
    /// terms' cutoffs for that pair (Å).
    public func cutoff(between a: Element, _ b: Element) -> Double {
        terms.map { $0.cutoff(between: a, b) }.max() ?? 0
    }

    /// Every term's parameters, in vector order.
    public var parameterSpecs: [ParameterSpec] { terms.flatMap { $0.parameters(elements: elements) } }

    /// The identity of every parameter, in vector order.
    public var parameterIDs: [ParameterID] {
        terms.flatMap { term in
            term.parameters(elements: elements).map {
                ParameterID(term: term.name, local: $0.local, channel: $0.channel, species: $0.species)
            }
        }
    }

    public var parameterCount: Int { parameterRanges.last?.upperBound ?? 0 }

    /// The coefficients of each B-spline function of the model (a pair spline, a spline density or channel),
    /// as parameter indices in order along r.
    public var splineRuns: [[Int]] {
        var runs: [[Int]] = []
        var start = 0
        for term in terms {
            let specs = term.parameters(elements: elements)
            var run: [String: Int] = [:]
            for (k, spec) in specs.enumerated() {
                guard let label = spec.spline else { continue }
                if let r = run[label] {
                    runs[r].append(start + k)
                } else {
                    run[label] = runs.count
                    runs.append([start + k])
                }
            }
            start += specs.count
        }
        return runs
    }

    /// Index range of each term's parameters in the flat vector.
    public var parameterRanges: [Range<Int>] {
        var start = 0
        return terms.map { term in
            let n = term.parameters(elements: elements).count
            defer { start += n }
            return start..<start + n
        }
    }

    /// Index of the term that owns parameter `q`.
    public func termIndex(ofParameter q: Int) -> Int? { parameterRanges.firstIndex { $0.contains(q) } }

    /// The fitted coordinates, in vector order of their first member: for each, the indices of the
    /// parameters that take its value (one index, or a fused group). Fixed parameters are in none.
    public var fittedParameterGroups: [[Int]] {
        let names = parameterNames
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let held = Set(fixed ?? [])
        var groupOf: [Int: [Int]] = [:]
        for group in fused ?? [] {
            let members = group.compactMap { index[$0] }
            for q in members { groupOf[q] = members }
        }
        return names.indices.compactMap { q -> [Int]? in
            guard !held.contains(names[q]) else { return nil }
            guard let group = groupOf[q] else { return [q] }
            return group.first == q ? group : nil
        }
    }

    /// Indices of the parameters whose values are the fitted coordinates (all but the `fixed` ones
    /// and the followers of fused groups), in vector order.
    public var freeParameterIndices: [Int] { fittedParameterGroups.map { $0[0] } }

    /// Number of fitted parameters (the count a parameter budget limits).
    public var freeParameterCount: Int {
        parameterCount - (fixed?.count ?? 0) - (fused ?? []).reduce(0) { $0 + $1.count - 1 }
    }

    /// "34 parameters" or "34 fitted parameters (+1 fixed, 2 fused into 1)".
    public var describedParameterCount: String {
        let held = fixed?.count ?? 0
        let groups = fused ?? []
        var notes: [String] = []
        if held > 0 { notes.append("+\(held) fixed") }
        if !groups.isEmpty {
            notes.append("\(groups.reduce(0) { $0 + $1.count }) fused into \(groups.count)")
        }
        return notes.isEmpty
            ? "\(parameterCount) parameters"
            : "\(freeParameterCount) fitted parameters (\(notes.joined(separator: ", ")))"
    }

    /// "term.parameter" names, as files and reports write them.
    public var parameterNames: [String] { parameterIDs.map(\.description) }
    public var transforms: [ParameterTransform] { parameterSpecs.map(\.transform) }
    /// Which parameters enter the energy linearly, in vector order.
    public var linearParameters: [Bool] { parameterSpecs.map(\.isLinear) }

    /// Natural parameter values (eV, Å, ...), in vector order.
    public var naturalParameters: [Double] {
        get { parameterSpecs.map(\.value) }
        set {
            precondition(newValue.count == parameterCount)
            for (t, range) in parameterRanges.enumerated() {
                terms[t].setParameters(newValue[range], elements: elements)
            }
        }
    }

    /// Internal parameters θ, as the optimiser sees them.
    public var internalParameters: [Double] {
        get { zip(naturalParameters, transforms).map { $1.internalValue($0) } }
        set { naturalParameters = zip(newValue, transforms).map { $1.natural($0) } }
    }

    /// Index of each structure element in `elements`; throws for elements the model lacks.
    public func speciesIndices(of structure: Structure) throws -> [Int] {
        try structure.elements.map { element in
            guard let index = elements.firstIndex(of: element) else {
                throw MosaicError(
                    location: structure.source.isEmpty ? nil : structure.source,
                    "element \(element.symbol) is not in the model (\(elements.map(\.symbol).joined(separator: ", ")))",
                    fix: "fit a model that includes \(element.symbol) or remove those structures")
            }
            return index
        }
    }

    /// Checks terms, names and values.
    public func validate() throws {
        guard !elements.isEmpty else { throw MosaicError("the model lists no elements", fix: "add elements: [Nb]") }
        guard !terms.isEmpty else { throw MosaicError("the model has no terms", fix: "add at least one term") }
        var names = Set<String>()
        for term in terms {
            guard names.insert(term.name).inserted else {
                throw MosaicError(
                    location: "term '\(term.name)'", "two terms share the name '\(term.name)'",
                    fix: "give every term a unique name:")
            }
            try term.validate(elements: elements)
        }
        let known = Set(parameterNames)
        for name in fixed ?? [] where !known.contains(name) {
            throw MosaicError(
                location: "fixed", "'\(name)' is not a parameter of the model",
                fix: "list names as term.parameter, e.g. \(parameterNames.first ?? "pair.c0")")
        }
        if let fixed, Set(fixed).count != fixed.count {
            throw MosaicError(location: "fixed", "a parameter is listed twice", fix: "list each fixed parameter once")
        }
        try validateFused()
    }

    private func validateFused() throws {
        let names = parameterNames
        let values = internalParameters
        let transforms = transforms
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set(fixed ?? [])
        for (g, group) in (fused ?? []).enumerated() {
            let location = "fused group \(g + 1) [\(group.joined(separator: ", "))]"
            guard group.count >= 2 else {
                throw MosaicError(
                    location: location, "a fused group needs at least two parameters",
                    fix: "list two or more names, or remove the group")
            }
            for name in group {
                guard index[name] != nil else {
                    throw MosaicError(
                        location: location, "'\(name)' is not a parameter of the model",
                        fix: "list names as term.parameter, e.g. \(names.first ?? "pair.c0")")
                }
                guard seen.insert(name).inserted else {
                    throw MosaicError(
                        location: location, "'\(name)' is already fixed or in another fused group",
                        fix: "list each parameter in at most one place")
                }
            }
            let members = group.map { index[$0]! }
            let term = parameterRanges.firstIndex { $0.contains(members[0]) }
            guard members.allSatisfy({ q in parameterRanges.firstIndex { $0.contains(q) } == term }),
                members.allSatisfy({ transforms[$0] == transforms[members[0]] })
            else {
                throw MosaicError(
                    location: location, "fused parameters must belong to one term and be of one kind",
                    fix: "fuse e.g. two spline coefficients of one pair term")
            }
            let leader = values[members[0]]
            guard members.allSatisfy({ abs(values[$0] - leader) <= 1e-9 * max(1, abs(leader)) }) else {
                throw MosaicError(
                    location: location, "fused parameters have different values",
                    fix: "give every member the same value (they share one fitted value)")
            }
        }
    }
}
