import Foundation
import MosaicCore

/// A model of EAM form tabulated for LAMMPS's `eam/alloy` or `eam/fs` (setfl): per element the embedding energy
/// F_a(ρ) on ρ = k·Δρ and the density f_b(r) a neighbour contributes on r = k·Δr, and per element pair
/// r·φ_ab(r). Models of reference energies, pair terms (`isPairwise`), at most one embedding and a ZBL
/// core have this form; three-body and angular terms do not.
///
/// Exact (to the tables' interpolation) wherever no pair is closer than the core's outer radius, which
/// covers every training structure. Inside the core the tables blend pairwise: φ_ab is the dimer's
/// (kept terms + s·switched terms + (1 − s)·ZBL) and each density is multiplied by the neighbour's own
/// switch s_bb, instead of the model's product switch S_i over all neighbours.
public struct EAMTables {
    public var elements: [Element]
    public var rhoCount: Int
    public var rhoStep: Double
    public var rCount: Int
    public var rStep: Double
    public var cutoff: Double
    /// F_a(k·Δρ) + the element's reference energy, per element.
    public var embedding: [[Double]]
    /// f_b(k·Δr), per element.
    public var density: [[Double]]
    /// r·φ_ab(r) at r = k·Δr, per pair in setfl order (1,1), (2,1), (2,2), (3,1), …
    public var pair: [[Double]]

    public init(model: CompositeModel, rCount: Int = 10000, rhoCount: Int = 10000) throws {
        let elements = model.elements
        let n = elements.count
        for term in model.terms
        where !(term.isPairwise || term.isOnSite || term.is(EmbeddingTerm.self) || term.is(ZBLCoreTerm.self)) {
            throw MosaicError(
                location: "term '\(term.name)' (\(term.typeName))", "this term has no EAM (setfl) form",
                fix: "export models made of reference, pair (pair-spline, morse, born-mayer), one embedding and"
                    + " zbl-core terms; keep the Mosaic potential for LAMMPS's pair_style mosaic")
        }
        let embeddings = model.terms.indices.filter { model.terms[$0].is(EmbeddingTerm.self) }
        guard embeddings.count <= 1 else {
            throw MosaicError(
                location: "terms " + embeddings.map { "'\(model.terms[$0].name)'" }.joined(separator: ", "),
                "setfl holds one embedding function per element, the model has \(embeddings.count)",
                fix: "export a model with a single embedding term")
        }
        self.elements = elements
        self.rCount = rCount
        self.rhoCount = rhoCount
        cutoff = model.cutoff
        rStep = cutoff / Double(rCount - 1)
        let parameters = model.naturalParameters
        let ranges = model.parameterRanges
        let core = model.terms.lazy.compactMap { $0.as(ZBLCoreTerm.self) }.first
        let screening = core?.screening(elements: elements)

        // Pair functions from dimers of the pairwise terms and the core alone (the core switches the
        // pairwise terms it does not keep, as in the full model).
        let pairModel = CompositeModel(
            elements: elements,
            terms: model.terms.filter { $0.isPairwise || $0.is(ZBLCoreTerm.self) })
        var pair: [[Double]] = []
        let rStep = self.rStep
        for i in 0..<n {
            for j in 0...i {
                var column = [Double](repeating: 0, count: rCount)
                for k in 1..<rCount {
                    let r = Double(k) * rStep
                    let dimer = Structure(
                        cell: .identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                        elements: [elements[i], elements[j]])
                    let phi = try pairModel.predict(dimer).energy
                    column[k] = r * phi
                }
                // r·φ at r = 0: the screened-Coulomb limit Z_a Z_b e² with a core, else the next value.
                column[0] =
                    core != nil ? Double(elements[i].atomicNumber * elements[j].atomicNumber) * 14.399645 : column[1]
                pair.append(column)
            }
        }
        self.pair = pair

        // Densities and embedding energies.
        var density = [[Double]](repeating: [Double](repeating: 0, count: rCount), count: n)
        var embedding = [[Double]](repeating: [Double](repeating: 0, count: rhoCount), count: n)
        let reference = model.terms.indices.filter { model.terms[$0].isOnSite }.reduce(
            into: [Double](repeating: 0, count: n)
        ) {
            totals, t in
            let block = Array(parameters[ranges[t]])
            for e in 0..<n where e < block.count { totals[e] += block[e] }
        }
        var largestDensity = 0.0
        var rhoStep = 1.0 / Double(rhoCount - 1)
        if let t = embeddings.first {
            let kernel = model.terms[t].as(EmbeddingTerm.self)!.makeKernel(elements: elements)
            let block = Array(parameters[ranges[t]])
            try block.withUnsafeBufferPointer { p in
                for b in 0..<n {
                    for k in 0..<rCount {
                        let r = Double(k) * rStep
                        let s = screening.map { $0.pair(b, b).switch(r).0 } ?? 1
                        density[b][k] = s * kernel.density(r, species: b, p.baseAddress!)
                    }
                    largestDensity = max(largestDensity, density[b].max() ?? 0)
                }
                // ρ up to 16 neighbours at the densest point (bcc's 14 first and second neighbours, with margin);
                // LAMMPS continues F linearly beyond the table.
                rhoStep = max(16 * largestDensity, 1e-6) / Double(rhoCount - 1)
                for a in 0..<n {
                    for k in 0..<rhoCount {
                        embedding[a][k] =
                            kernel.embeddingEnergy(Double(k) * rhoStep, species: a, p.baseAddress!)
                            + reference[a]
                    }
                    guard embedding[a].allSatisfy(\.isFinite) else {
                        throw MosaicError(
                            location: "term '\(model.terms[t].name)'",
                            "the embedding energy is not finite on the table",
                            fix: "check the embedding coefficients")
                    }
                }
            }
        } else {
            for a in 0..<n { embedding[a] = [Double](repeating: reference[a], count: rhoCount) }
        }
        self.rhoStep = rhoStep
        self.density = density
        self.embedding = embedding
    }

    /// The two setfl dialects LAMMPS reads.
    public enum Format: String, CaseIterable, Sendable {
        /// `pair_style eam/alloy`: per element F(ρ) and the density it contributes to any neighbour.
        case eamAlloy = "eam/alloy"
        /// `pair_style eam/fs`: per element F(ρ) and one density per pair of elements. Mosaic's densities depend
        /// on the neighbour's element only, so each element's columns repeat its own density.
        case eamFS = "eam/fs"
    }

    /// The setfl text for LAMMPS `pair_style eam/alloy` or `eam/fs`; `comments` are the first three lines.
    public func setfl(comments: [String], format: Format = .eamAlloy) -> String {
        var out =
            (comments + ["", "", ""]).prefix(3).map { $0.replacingOccurrences(of: "\n", with: " ") }
            .joined(separator: "\n") + "\n"
        func values(_ column: [Double]) -> String {
            stride(from: 0, to: column.count, by: 5).map { start in
                column[start..<min(start + 5, column.count)].map { String(format: "%.16e", $0) }.joined(separator: " ")
            }.joined(separator: "\n") + "\n"
        }
        out += "\(elements.count) " + elements.map(\.symbol).joined(separator: " ") + "\n"
        out +=
            "\(rhoCount) \(String(format: "%.16e", rhoStep)) \(rCount) \(String(format: "%.16e", rStep))"
            + " \(String(format: "%.16e", cutoff))\n"
        for (e, element) in elements.enumerated() {
            out += "\(element.atomicNumber) \(element.mass) 0.0 unknown\n"
            out += values(embedding[e])
            switch format {
            case .eamAlloy: out += values(density[e])
            // LAMMPS sums, for a centre of element a, the block of each neighbour's element b at column a
            // (pair_eam_fs.cpp: type2rhor[j][i] = b·N + a); Mosaic's density of b does not depend on a.
            case .eamFS: for _ in elements.indices { out += values(density[e]) }
            }
        }
        for column in pair { out += values(column) }
        return out
    }
}
