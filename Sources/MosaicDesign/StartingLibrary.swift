import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// The library the design loop starts from when the user gives none, built from the data by
/// documented rules (each choice is returned as a line to print), with distances in units of the
/// data's nearest-neighbour distance r1 (for bcc Nb, r1 = 2.86 Å, these reproduce
/// examples/models/nb-library-meam.yaml, except that Γ is bounded here):
/// - elements: those of the data, in order of appearance;
/// - reference energies: least squares of the total energies on the element counts (per-element
///   chemical potentials of the data);
/// - Born–Mayer repulsion: r0 = 0.875 r1, cutoff 1.4 r1, A = 0.5 eV, ρ = 0.105 r1;
/// - pair spline: 12 functions on [0.7 r1, 1.92 r1];
/// - √ embedding of an exponential density (β = 3, r0 = r1), cutoff 1.92 r1, switching width 1.5 Å;
/// - three-body: Legendre order 4, Gaussian channels at r1 and 1.155 r1 (width 0.35 Å), cutoff 1.4 r1;
/// - MEAM-like angular embedding: A = 0.1 eV, order 4, zero weights, Gaussian density at r1 (width 0.175 r1),
///   cutoff 1.4 r1, Γ bounded (`gamma: bounded`, so no fitted weights can open an energy hole).
public enum StartingLibrary {
    public static func make(for data: Dataset) throws -> (model: CompositeModel, choices: [String]) {
        var elements: [Element] = []
        for s in data.structures { for e in s.elements where !elements.contains(e) { elements.append(e) } }
        guard !elements.isEmpty else { throw MosaicError("the data hold no atoms", fix: "give DFT data files") }
        guard let r1 = data.nearestNeighbourDistance() else {
            throw MosaicError("the data have no atom pairs within 6 Å", fix: "check the data files")
        }
        let mu = try chemicalPotentials(data, elements)
        func round(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        let cutoff = round(1.92 * r1)
        let short = round(1.4 * r1)
        let terms: [Term] = [
            .reference(
                ReferenceEnergyTerm(energies: Dictionary(uniqueKeysWithValues: zip(elements.map(\.symbol), mu)))),
            .bornMayer(BornMayerTerm(cutoff: short, r0: round(0.875 * r1), amplitude: 0.5, rho: round(0.105 * r1))),
            .pairSpline(PairSplineTerm(name: "pair", inner: round(0.7 * r1), cutoff: cutoff, size: 12)),
            .embedding(
                EmbeddingTerm(
                    cutoff: cutoff, width: 1.5, form: .sqrt, coefficients: [2.0],
                    density: .exponential(beta: 3.0, r0: round(r1)))),
            .threeBody(
                ThreeBodyTerm(
                    cutoff: short, width: 1.0, order: 4,
                    channels: [
                        .gaussian(center: round(r1), width: 0.35), .gaussian(center: round(1.155 * r1), width: 0.35),
                    ]
                )),
        ]
        let meam = AngularEmbeddingTerm(
            name: "meam", cutoff: short, width: 1.0, amplitude: 0.1, weights: [0, 0, 0, 0],
            density: .gaussian(center: round(r1), width: round(0.175 * r1)), gamma: .bounded)
        let model = CompositeModel(elements: elements, terms: terms + [Term(meam)])
        try model.validate()
        let choices = [
            "elements \(elements.map(\.symbol).joined(separator: " ")) (from the data)",
            String(format: "nearest-neighbour distance r1 = %.3f Å (first peak of the pair distances)", r1),
            "reference energies (least squares of total energies on element counts): "
                + zip(elements, mu).map { String(format: "%@ %.4f eV", $0.symbol, $1) }.joined(separator: ", "),
            String(
                format:
                    "terms: Born–Mayer (cutoff %.2f Å), pair spline 12 on [%.2f, %.2f] Å,"
                    + " √ embedding (cutoff %.2f Å), three-body L4 with channels at %.2f and %.2f Å"
                    + " (cutoff %.2f Å), angular embedding L4 (Γ bounded) of a Gaussian density at %.2f Å"
                    + " (cutoff %.2f Å)",
                short, 0.7 * r1, cutoff,
                cutoff, r1, 1.155 * r1, short, r1, short),
        ]
        return (model, choices)
    }

    /// Per-element energies μ minimising Σ_s (E_s − Σ_e n_se μ_e)² over the structures with an energy.
    static func chemicalPotentials(_ data: Dataset, _ elements: [Element]) throws -> [Double] {
        let n = elements.count
        var a = [Double](repeating: 0, count: n * n)
        var b = [Double](repeating: 0, count: n)
        for s in data.structures {
            guard let energy = s.energy else { continue }
            let counts = elements.map { e in Double(s.elements.filter { $0 == e }.count) }
            for i in 0..<n {
                b[i] += counts[i] * energy
                for j in 0..<n { a[i * n + j] += counts[i] * counts[j] }
            }
        }
        // A tiny ridge keeps the system solvable when compositions do not separate the elements.
        let scale = (0..<n).map { a[$0 * n + $0] }.max() ?? 1
        for i in 0..<n { a[i * n + i] += 1e-12 * max(scale, 1) }
        guard let mu = LinearAlgebra.solvePositiveDefinite(a, b), mu.allSatisfy(\.isFinite) else {
            throw MosaicError(
                "cannot estimate reference energies: the data have no energies", fix: "give labelled data")
        }
        return mu
    }
}
