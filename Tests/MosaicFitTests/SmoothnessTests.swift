import MosaicCore
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// The smoothness penalty on B-spline coefficients (`FitWeights.smoothness`).
final class SmoothnessTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let mo = Element(symbol: "Mo")!

    /// A shared pair spline, a per-pair spline, a spline density and a spline three-body channel.
    func model() throws -> CompositeModel {
        let model = CompositeModel(
            elements: [nb, mo],
            terms: [
                Term(ReferenceEnergyTerm(energies: ["Nb": -10.1, "Mo": -10.9])),
                Term(
                    PairSplineTerm(
                        name: "shared", inner: 2.0, cutoff: 5.0, coefficients: [0.4, -0.1, 0.05, 0.2, -0.02])),
                Term(
                    PairSplineTerm(
                        name: "perPair", inner: 2.2, cutoff: 5.0, coefficients: [],
                        pairs: [
                            "Mo-Mo": [0.1, 0.2, 0.3, 0.1], "Mo-Nb": [0.0, 0.3, -0.2, 0.1],
                            "Nb-Nb": [0.2, 0.0, 0.1, 0.3],
                        ])),
                Term(
                    EmbeddingTerm(
                        cutoff: 5.0, form: .polynomial, coefficients: [-0.5, 0.05],
                        density: .spline(inner: 2.0, weights: [0.3, 0.5, 0.2, 0.4]))),
                Term(
                    ThreeBodyTerm(
                        cutoff: 4.0, width: 1.0, order: 1, channels: [.spline(inner: 2.0, weights: [0.3, 0.1, 0.2])],
                        coefficients: [[0.02, -0.01]])),
            ])
        try model.validate()
        return model
    }

    func testSplineRunsAreEachFunctionsCoefficientsInOrder() throws {
        let model = try model()
        let names = model.parameterNames
        // Each run in order along r; the runs themselves in any order (pair blocks follow the model's elements).
        let runs = model.splineRuns.map { $0.map { names[$0] } }.sorted { $0[0] < $1[0] }
        XCTAssertEqual(
            runs,
            [
                (0..<3).map { "angular.g0.w\($0)" }, (0..<4).map { "embedding.density.w\($0)" },
                (0..<4).map { "perPair.Mo-Mo.c\($0)" }, (0..<4).map { "perPair.Mo-Nb.c\($0)" },
                (0..<4).map { "perPair.Nb-Nb.c\($0)" }, (0..<5).map { "shared.c\($0)" },
            ])
    }

    /// The penalty adds ½ s·R Σ (c_k−1 − 2c_k + c_k+1)² (computed here from the coefficients), and the
    /// gradient of the normal equations is the derivative of that cost (central differences).
    func testPenaltyCostAndGradient() throws {
        let model = try model()
        let cells = Array(niobium["Nb_Elastic"]!.prefix(4)) + [niobium["Nb_AIMD"]![3]]
        let data = try PreparedDataset(Dataset(cells), model: model)
        var weights = FitWeights()
        weights.smoothness = 0.3
        let smooth = LeastSquaresProblem(model: model, data: data, weights: weights)
        let plain = LeastSquaresProblem(model: model, data: data, weights: FitWeights())
        let theta = model.internalParameters
        let values = model.naturalParameters
        let names = model.parameterNames
        var squares = 0.0
        for prefix in [
            "shared.c", "perPair.Mo-Mo.c", "perPair.Mo-Nb.c", "perPair.Nb-Nb.c", "embedding.density.w", "angular.g0.w",
        ] {
            let run = values.indices.filter {
                names[$0].hasPrefix(prefix) && Int(names[$0].dropFirst(prefix.count)) != nil
            }.map { values[$0] }
            XCTAssertGreaterThanOrEqual(run.count, 3, prefix)
            for k in 1..<(run.count - 1) {
                let d = run[k - 1] - 2 * run[k] + run[k + 1]
                squares += d * d
            }
        }
        let rows = Double(plain.residualCount)
        XCTAssertEqual(smooth.cost(theta) - plain.cost(theta), 0.5 * 0.3 * rows * squares, accuracy: 1e-9 * rows)
        let g = smooth.normalEquations(theta).g
        for name in ["shared.c1", "perPair.Mo-Nb.c2", "embedding.density.w1", "angular.g0.w1"] {
            let q = try XCTUnwrap(names.firstIndex(of: name))
            let c = try XCTUnwrap(smooth.free.firstIndex(of: q))
            let h = 1e-6
            var up = theta
            up[q] += h
            var down = theta
            down[q] -= h
            let numeric = (smooth.cost(up) - smooth.cost(down)) / (2 * h)
            XCTAssertEqual(g[c], numeric, accuracy: 1e-5 * max(1, abs(numeric)), name)
        }
    }
}
