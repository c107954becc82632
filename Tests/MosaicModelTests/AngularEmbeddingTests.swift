import Foundation
import MosaicCore
import MosaicModel
import XCTest
import Yams

/// The angular embedding against its definition, computed here from the positions with plain Legendre
/// polynomials (the generic term checks in `TermCheckerTests` cover its derivatives, invariances and files),
/// and the lower bound that the `bounded` form of Γ gives and the exponential form does not.
final class AngularEmbeddingTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let epsilon = 1e-4  // the ε of the embedding terms (documented in EmbeddingTerm)

    /// A five-atom cluster, every distance below the switch of the 6 Å cutoff (fc = 1 everywhere).
    var cluster: Structure {
        Structure(
            cell: Matrix3.identity, pbc: [false, false, false],
            positions: [
                Vec3(0, 0, 0), Vec3(2.7, 0.3, -0.2), Vec3(-0.4, 2.9, 0.5), Vec3(0.6, -0.8, 2.6), Vec3(1.9, 1.7, 1.8),
            ],
            elements: Array(repeating: nb, count: 5))
    }

    func model(_ weights: [Double], _ gamma: AngularEmbeddingTerm.Gamma) -> CompositeModel {
        CompositeModel(
            elements: [nb],
            terms: [
                Term(
                    AngularEmbeddingTerm(
                        cutoff: 6.0, width: 1.0, amplitude: 0.7, weights: weights,
                        density: .gaussian(center: 2.8, width: 0.9), gamma: gamma))
            ])
    }

    /// (E_i, S_0) of every atom from the definition: S_l = Σ_j Σ_k g_j g_k P_l(cos θ_jik), Γ = Σ t_l S_l / S_0,
    /// ρ̄ = √(S_0 G(Γ) + ε), E_i = −A (√(ρ̄ + ε) − √(√ε + ε)).
    func reference(_ s: Structure, weights: [Double], bounded: Bool) -> [(energy: Double, s0: Double)] {
        (0..<s.count).map { i in
            var neighbours: [(g: Double, u: Vec3)] = []
            for j in 0..<s.count where j != i {
                let d = s.positions[j] - s.positions[i]
                let r = norm(d)
                neighbours.append((exp(-pow((r - 2.8) / 0.9, 2)), d * (1 / r)))
            }
            var sums = Array(repeating: 0.0, count: weights.count + 1)
            for a in neighbours {
                for b in neighbours {
                    let x = min(1, max(-1, dot(a.u, b.u)))
                    var legendre = [1.0, x]
                    for l in 1..<max(weights.count, 1) {
                        legendre.append(
                            (Double(2 * l + 1) * x * legendre[l] - Double(l) * legendre[l - 1]) / Double(l + 1))
                    }
                    for l in 0...weights.count { sums[l] += a.g * b.g * legendre[l] }
                }
            }
            let gamma = (1...weights.count).reduce(0) { $0 + weights[$1 - 1] * sums[$1] } / sums[0]
            let growth = bounded ? 2 / (1 + exp(-gamma)) : exp(gamma)
            let rho = (sums[0] * growth + epsilon).squareRoot()
            let isolated = (epsilon.squareRoot() + epsilon).squareRoot()
            return (-0.7 * ((rho + epsilon).squareRoot() - isolated), sums[0])
        }
    }

    func testEnergyFollowsItsDefinitionInBothForms() throws {
        let weights = [0.4, -0.3, 0.8, 0.2, -0.5]
        for bounded in [false, true] {
            let predicted = try model(weights, bounded ? .bounded : .exponential).predict(cluster).energy
            let expected = reference(cluster, weights: weights, bounded: bounded).reduce(0) { $0 + $1.energy }
            XCTAssertEqual(predicted, expected, accuracy: 1e-12 * abs(expected), "bounded: \(bounded)")
        }
    }

    /// Weights of the size a fit reached (benchmarks/RESULTS.md: ±40 made a relaxing niobium slab fall to
    /// −1e5 eV): with G = e^Γ a dimer's energy runs away, since with one neighbour S_l = S_0 and Γ = Σ t_l; the
    /// bounded G keeps every atom above −A (√(√(2 S_0 + ε) + ε) − √(√ε + ε)).
    func testBoundedGammaKeepsTheEnergyAboveTheFinnisSinclairBound() throws {
        let weights = [44.3, 41.6, 40.5, -89.6]  // Σ t_l = 36.8
        let dimer = Structure(
            cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(2.8, 0, 0)],
            elements: [nb, nb])
        let isolated = (epsilon.squareRoot() + epsilon).squareRoot()
        // g = 1 at the Gaussian's centre: ρ̄ = √(2/(1 + e^−36.8) + ε) bounded, √(e^36.8 + ε) exponential.
        let bounded = try model(weights, .bounded).predict(dimer).energy
        let boundedRho = (2 / (1 + exp(-36.8)) + epsilon).squareRoot()
        XCTAssertEqual(bounded, -2 * 0.7 * ((boundedRho + epsilon).squareRoot() - isolated), accuracy: 1e-9)
        let exponential = try model(weights, .exponential).predict(dimer).energy
        XCTAssertLessThan(exponential, -1e3, "e^Γ with Γ = 36.8 runs away")
        for bounded in [true, false] {
            let energy = try model(weights, bounded ? .bounded : .exponential).predict(cluster).energy
            let atoms = reference(cluster, weights: weights, bounded: bounded)
            XCTAssertEqual(energy, atoms.reduce(0) { $0 + $1.energy }, accuracy: 1e-9 * abs(energy))
            let floor = atoms.reduce(0) {
                $0 - 0.7 * (((2 * $1.s0 + epsilon).squareRoot() + epsilon).squareRoot() - isolated)
            }
            if bounded {
                XCTAssertGreaterThanOrEqual(energy, floor)
            }
        }
    }

    /// A neighbour in the far tail of a narrow Gaussian density (g ≈ 1e-155, S_0 ≈ 1e-310: positive, but S_0²
    /// underflows) gives finite parameter derivatives in both forms (a design stopped on non-finite derivatives of
    /// a fitted bounded term before S_0 had a floor), and the energy, zero to far below round-off.
    func testFarTailOfTheDensityGivesFiniteDerivatives() throws {
        for gamma in AngularEmbeddingTerm.Gamma.allCases {
            let model = CompositeModel(
                elements: [nb],
                terms: [
                    Term(
                        AngularEmbeddingTerm(
                            cutoff: 6.0, width: 1.0, amplitude: 0.7, weights: [0.4, -0.3],
                            density: .gaussian(center: 2.8, width: 0.1), gamma: gamma))
                ])
            let dimer = Structure(
                cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(4.69, 0, 0)],
                elements: [nb, nb])
            let g = exp(-pow((4.69 - 2.8) / 0.1, 2))
            XCTAssertGreaterThan(g * g, 0, "S_0 is a positive (denormal) number")
            XCTAssertEqual(g * g * g * g, 0, "S_0² underflows")
            let list = NeighbourList(dimer, cutoff: model.cutoff)
            let j = JacobianEvaluator(model: model).jacobian(
                species: try model.speciesIndices(of: dimer), neighbours: list)
            XCTAssertTrue(j.energy.allSatisfy(\.isFinite), "\(gamma): \(j.energy)")
            XCTAssertEqual(try model.predict(dimer).energy, 0, accuracy: 1e-20)
        }
    }

    /// Files written before the key existed mean the exponential form; the key round-trips.
    func testGammaKeyDefaultsToExponentialAndRoundTrips() throws {
        let text = """
            {"elements": ["Nb"], "terms": [{"type": "angular-embedding", "cutoff": 4.3, "amplitude": 0.9,
              "weights": [0.3, -0.2], "density": {"family": "gaussian", "values": [2.7, 0.8]}}]}
            """
        let old = try YAMLDecoder().decode(CompositeModel.self, from: text)
        XCTAssertEqual(old.terms[0].as(AngularEmbeddingTerm.self)?.gamma, .exponential)
        let bounded = model([0.3, -0.2], .bounded)
        let written = String(decoding: try JSONEncoder().encode(bounded), as: UTF8.self)
        XCTAssertTrue(written.contains("\"gamma\":\"bounded\""), written)
        let again = try YAMLDecoder().decode(CompositeModel.self, from: written)
        XCTAssertEqual(again.terms[0].as(AngularEmbeddingTerm.self)?.gamma, .bounded)
        XCTAssertEqual(try again.predict(cluster).energy, try bounded.predict(cluster).energy)
    }
}
