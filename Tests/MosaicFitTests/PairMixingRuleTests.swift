import MosaicCore
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

/// The mixing rule of species-resolved pair splines where the data have no pairs of two elements, on the real
/// Nb, Mo and Nb–Mo files.
final class PairMixingRuleTests: XCTestCase {
    /// Every 20th Nb and Mo AIMD frame and every 12th Nb–Mo solid-solution cell, with some of the elements'
    /// strained cells.
    func realData() throws -> Dataset {
        func every(_ step: Int, _ path: String) throws -> [Structure] {
            let all = try MVLReader.read(path: repositoryRoot + path)
            return stride(from: 0, to: all.count, by: step).map { all[$0] }
        }
        return Dataset(
            try every(20, "/data/nb/Nb_AIMD.json") + every(20, "/data/mo/Mo_AIMD.json")
                + every(12, "/data/binaries/NbMo_SS.json") + every(8, "/data/nb/Nb_Elastic.json")
                + every(8, "/data/mo/Mo_Elastic.json"))
    }

    /// Nb, Mo: reference energies, Born–Mayer, one pair spline per element pair, √ embedding per element.
    func alloyModel() throws -> CompositeModel {
        let zeros = [Double](repeating: 0, count: 10)
        let density = { (r0: Double) in RadialFunction.exponential(beta: 3.0, r0: r0) }
        let model = CompositeModel(
            elements: [Element(symbol: "Nb")!, Element(symbol: "Mo")!],
            terms: [
                Term(ReferenceEnergyTerm(energies: ["Nb": -10.1, "Mo": -10.9])),
                Term(BornMayerTerm(cutoff: 4.0, r0: 2.5, amplitude: 0.5, rho: 0.3)),
                Term(
                    PairSplineTerm(
                        name: "pair", inner: 2.0, cutoff: 5.5, coefficients: [],
                        pairs: ["Mo-Mo": zeros, "Mo-Nb": zeros, "Nb-Nb": zeros])),
                Term(
                    EmbeddingTerm(
                        cutoff: 5.5, width: 1.5, form: .sqrt, coefficients: [], density: density(2.86),
                        species: [
                            "Nb": .init(coefficients: [2.0], density: density(2.86)),
                            "Mo": .init(coefficients: [2.0], density: density(2.72)),
                        ])),
            ])
        try model.validate()
        return model
    }

    /// The uniform cubic B-spline of knot spacing 1 on [0, 4] (written out here, independent of the model's basis).
    func cubicBSpline(_ u: Double) -> Double {
        switch u {
        case ..<0, 4...: return 0
        case ..<1: return u * u * u / 6
        case ..<2: return (-3 * u * u * u + 12 * u * u - 12 * u + 4) / 6
        case ..<3: return (3 * u * u * u - 24 * u * u + 60 * u - 44) / 6
        default: return (4 - u) * (4 - u) * (4 - u) / 6
        }
    }

    func testTiesExactlyTheCrossPairFunctionsTheDataDoNotReach() throws {
        let data = try realData()
        let model = try alloyModel()
        let ties = PairMixingRule.ties(model: model, data: try PreparedDataset(data, model: model))
        // Independently: Σ B_k(r) over the data's Mo–Nb pairs, knots at 2.0 + k h, h = 3.5 / 13.
        let h = 3.5 / 13
        var weight = [Double](repeating: 0, count: 10)
        var closest = Double.infinity
        for s in data.structures {
            let list = NeighbourList(s, cutoff: 5.5)
            for i in 0..<s.count {
                for k in list.neighbours(of: i)
                where Set([s.elements[i].symbol, s.elements[Int(list.index[k])].symbol]) == ["Mo", "Nb"] {
                    let r = norm(list.delta[k])
                    closest = min(closest, r)
                    for b in 0..<10 { weight[b] += cubicBSpline((r - 2.0) / h - Double(b)) }
                }
            }
        }
        let mean = weight.reduce(0, +) / 10
        let expected = (0..<10).filter { weight[$0] <= 0.01 * mean }
        // The solid-solution cells keep Mo–Nb on the lattice shells: nothing below 2.6 Å and a gap between the
        // second and third shells, where B_5 (support 3.35–4.42 Å) lives.
        XCTAssertGreaterThan(closest, 2.6)
        XCTAssertTrue(expected.contains(5), "weights \(weight)")
        let names = model.parameterNames
        XCTAssertEqual(ties.map { names[$0.target] }, expected.map { "pair.Mo-Nb.c\($0)" })
        for (tie, k) in zip(ties, expected) {
            XCTAssertEqual(tie.sources.map { names[$0] }, ["pair.Nb-Nb.c\(k)", "pair.Mo-Mo.c\(k)"])
        }
        // A shared spline has no ties.
        var shared = model
        shared.terms[2] = Term(PairSplineTerm(name: "pair", inner: 2.0, cutoff: 5.5, size: 10))
        XCTAssertTrue(PairMixingRule.ties(model: shared, data: try PreparedDataset(data, model: shared)).isEmpty)
    }

    func testFittedCrossPairFollowsTheMixingRuleAndRepels() throws {
        let data = try realData()
        var trainer = Trainer()
        trainer.settings.maxIterations = 20
        trainer.stageIterations = 5
        let start = try alloyModel().withCore(below: data).model
        let result = try trainer.train(start, data: data)
        let fitted = result.model.terms.compactMap { $0.as(PairSplineTerm.self) }.first
        let pairs = try XCTUnwrap(fitted?.pairs)
        let ties = result.mixingTies
        XCTAssertFalse(ties.isEmpty)
        let names = result.model.parameterNames
        for tie in ties {
            let k = Int(names[tie.target].split(separator: "c").last!)!
            let mean = 0.5 * (pairs["Nb-Nb"]![k] + pairs["Mo-Mo"]![k])
            // Without the rule this coefficient has no data: nothing but the tiny ridge holds it (a fit of the same
            // kind drove one to −4.3 eV, and B2 NbMo under compression collapsed into that well).
            XCTAssertGreaterThan(abs(mean), 1e-3, "the like pairs moved: the test means something")
            XCTAssertEqual(pairs["Mo-Nb"]![k], mean, accuracy: 1e-3 * abs(mean), names[tie.target])
        }
        let shortest = data.shortestDistances().mapValues(\.distance)
        let failures = try RepulsionCheck(model: result.model).failures(shortest: shortest)
        XCTAssertTrue(failures.isEmpty, failures.map(\.description).joined(separator: "\n"))
    }
}
