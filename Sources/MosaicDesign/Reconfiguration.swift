import Foundation
import MosaicCore
import MosaicModel
import MosaicFit
import MosaicFisher

/// One change of a composite model. Every change yields a valid model whose parameters are
/// warm-started from the parent (splines re-projected, coefficients kept where they still apply).
public enum Reconfiguration: Codable, Sendable, Equatable, CustomStringConvertible {
    case add(Term)
    case remove(term: String)
    /// Pair-spline basis size, three-body or angular-embedding Legendre order, or embedding coefficient
    /// count (polynomial degree; for √ embeddings 1 + the number of ρ², ρ³, … corrections).
    case resize(term: String, size: Int)
    case addChannel(term: String, channel: RadialFunction)
    case removeChannel(term: String, index: Int)
    case cutoff(term: String, value: Double)
    /// Hold one parameter at its current value: for a parameter that only lives in sloppy FIM
    /// directions (e.g. one of two parameters related by an exact scale invariance).
    case fix(parameter: String)
    /// Let parameters of one term share one fitted value, their mean (in fit coordinates): for two
    /// parameters whose difference is the sloppiest FIM direction (the data determine their sum).
    /// Moving along that direction to the mean leaves the predictions almost unchanged.
    case fuse(parameters: [String])

    public var description: String {
        switch self {
        case .add(let t): return "add \(t.typeName) '\(t.name)'"
        case .remove(let name): return "remove '\(name)'"
        case .resize(let name, let size): return "resize '\(name)' to \(size)"
        case .addChannel(let name, let g): return "add channel to '\(name)' (\(g.family.rawValue) \(g.values.map { String(format: "%.2f", $0) }.joined(separator: ", ")))"
        case .removeChannel(let name, let index): return "remove channel \(index) of '\(name)'"
        case .cutoff(let name, let value): return "cutoff of '\(name)' to \(String(format: "%.2f", value)) Å"
        case .fix(let parameter): return "fix '\(parameter)'"
        case .fuse(let parameters): return "fuse \(parameters.map { "'\($0)'" }.joined(separator: " = "))"
        }
    }

    /// The reconfigured model (validated).
    public func apply(to model: CompositeModel) throws -> CompositeModel {
        var result = model
        func index(_ name: String) throws -> Int {
            guard let k = model.terms.firstIndex(where: { $0.name == name }) else {
                throw MosaicError(location: description, "no term named '\(name)'", fix: "use one of: \(model.terms.map(\.name).joined(separator: ", "))")
            }
            return k
        }
        switch self {
        case .add(let term):
            result.terms.append(term)
        case .remove(let name):
            result.terms.remove(at: try index(name))
        case .resize(let name, let size):
            let k = try index(name)
            switch result.terms[k] {
            case .pairSpline(var t):
                t.coefficients = Reconfiguration.project(t, inner: t.inner, cutoff: t.cutoff, size: size)
                result.terms[k] = .pairSpline(t)
            case .threeBody(var t):
                t.coefficients = t.coefficients.map { row in (0...size).map { $0 < row.count ? row[$0] : 0 } }
                t.order = size
                result.terms[k] = .threeBody(t)
            case .embedding(var t) where size >= 1:
                t.coefficients = (0..<size).map { $0 < t.coefficients.count ? t.coefficients[$0] : 0 }
                result.terms[k] = .embedding(t)
            case .angularEmbedding(var t) where size >= 1:
                t.weights = (0..<size).map { $0 < t.weights.count ? t.weights[$0] : 0 }
                result.terms[k] = .angularEmbedding(t)
            default:
                throw MosaicError(location: description, "term '\(name)' has no basis size", fix: "resize pair-spline, three-body, embedding or angular-embedding terms")
            }
        case .addChannel(let name, let channel):
            let k = try index(name)
            guard case .threeBody(var t) = result.terms[k] else { throw MosaicError(location: description, "'\(name)' is not a three-body term") }
            t.channels.append(channel)
            t.coefficients.append(Array(repeating: 0, count: t.order + 1))
            result.terms[k] = .threeBody(t)
        case .removeChannel(let name, let channel):
            let k = try index(name)
            guard case .threeBody(var t) = result.terms[k], t.channels.indices.contains(channel), t.channels.count > 1 else {
                throw MosaicError(location: description, "'\(name)' has no removable channel \(channel)")
            }
            t.channels.remove(at: channel)
            t.coefficients.remove(at: channel)
            result.terms[k] = .threeBody(t)
        case .cutoff(let name, let value):
            let k = try index(name)
            switch result.terms[k] {
            case .pairSpline(var t):
                t.coefficients = Reconfiguration.project(t, inner: t.inner, cutoff: value, size: t.coefficients.count)
                t.cutoff = value
                result.terms[k] = .pairSpline(t)
            case .morse(var t): t.cutoff = value; result.terms[k] = .morse(t)
            case .bornMayer(var t): t.cutoff = value; result.terms[k] = .bornMayer(t)
            case .embedding(var t): t.cutoff = value; result.terms[k] = .embedding(t)
            case .threeBody(var t): t.cutoff = value; result.terms[k] = .threeBody(t)
            case .angularEmbedding(var t): t.cutoff = value; result.terms[k] = .angularEmbedding(t)
            case .reference: throw MosaicError(location: description, "reference energies have no cutoff")
            }
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
            var theta = model.internalParameters
            let mean = indices.reduce(0) { $0 + theta[$1] } / Double(indices.count)
            for q in indices { theta[q] = mean }
            result.internalParameters = theta
            result.fused = (model.fused ?? []) + [parameters]
        }
        // A term whose parameter vector changed shape starts with all its parameters free again.
        if let changed = changedTerm {
            let known = Set(result.parameterNames)
            let kept = (model.fixed ?? []).filter { known.contains($0) && !$0.hasPrefix(changed + ".") }
            result.fixed = kept.isEmpty ? nil : kept
            let keptGroups = (model.fused ?? []).filter { $0.allSatisfy { known.contains($0) && !$0.hasPrefix(changed + ".") } }
            result.fused = keptGroups.isEmpty ? nil : keptGroups
        }
        try result.validate()
        return result
    }

    /// The term whose parameters a structural change reshapes (nil for `fix` and `fuse`).
    var changedTerm: String? {
        switch self {
        case .add(let t): return t.name
        case .remove(let name), .resize(let name, _), .addChannel(let name, _), .removeChannel(let name, _), .cutoff(let name, _): return name
        case .fix, .fuse: return nil
        }
    }

    /// Least-squares projection of a pair spline onto a new basis (same function, new knots).
    static func project(_ old: PairSplineTerm, inner: Double, cutoff: Double, size: Int) -> [Double] {
        let oldBasis = CubicBSplineBasis(inner: old.inner, cutoff: old.cutoff, size: old.coefficients.count)
        let newBasis = CubicBSplineBasis(inner: inner, cutoff: cutoff, size: size)
        var a = [Double](repeating: 0, count: size * size), b = [Double](repeating: 0, count: size)
        for k in 0..<400 {
            let r = inner + (cutoff - inner) * (Double(k) + 0.5) / 400
            var value = 0.0
            oldBasis.forEachNonZero(r) { i, v, _ in value += old.coefficients[i] * v }
            var row: [(Int, Double)] = []
            newBasis.forEachNonZero(r) { i, v, _ in row.append((i, v)) }
            for (i, vi) in row {
                b[i] += vi * value
                for (j, vj) in row { a[i * size + j] += vi * vj }
            }
        }
        for i in 0..<size { a[i * size + i] += 1e-10 }
        return LinearAlgebra.solvePositiveDefinite(a, b) ?? Array(repeating: 0, count: size)
    }

    /// What the sloppiest FIM mode suggests: hold its dominant parameter fixed; and, when its two
    /// dominant parameters belong to one term, are of one kind, carry at least half of the mode and
    /// have opposite signs (the data determine their sum, not their difference), fuse them.
    public static func sloppiestModeChanges(_ model: CompositeModel, fim: FisherAnalysis) -> [Reconfiguration] {
        guard let mode = fim.sloppyModes.first else { return [] }
        let top = fim.dominantParameters(ofMode: mode, count: 2)
        let names = model.parameterNames, transforms = model.transforms
        func term(_ name: String) -> Substring { name.split(separator: ".").first ?? "" }
        let referenceTerms = Set(model.terms.compactMap { if case .reference(let t) = $0 { return t.name } else { return nil } })
        var changes: [Reconfiguration] = []
        if let first = top.first, !referenceTerms.contains(String(term(first.name))) {
            changes.append(.fix(parameter: first.name))
        }
        if top.count == 2, top[0].component * top[1].component < 0,
           top[0].component * top[0].component + top[1].component * top[1].component >= 0.5,
           term(top[0].name) == term(top[1].name),
           let a = names.firstIndex(of: top[0].name), let b = names.firstIndex(of: top[1].name), transforms[a] == transforms[b] {
            changes.append(.fuse(parameters: [min(a, b), max(a, b)].map { names[$0] }))
        }
        return changes
    }
}
