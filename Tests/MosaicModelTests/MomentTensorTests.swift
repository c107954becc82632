import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicTestSupport
import XCTest

/// The moment-tensor term against its definition, computed here from plain 3 × 3 matrices and 3-tensors
/// (the generic term checks in `TermCheckerTests` cover its derivatives, invariances and files).
final class MomentTensorTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let mo = Element(symbol: "Mo")!

    /// A five-atom Nb/Mo cluster, every distance below the switch of a 7 Å cutoff (so fc = 1 everywhere).
    var cluster: Structure {
        Structure(
            cell: Matrix3.identity, pbc: [false, false, false],
            positions: [
                Vec3(0, 0, 0), Vec3(2.7, 0.3, -0.2), Vec3(-0.4, 2.9, 0.5), Vec3(0.6, -0.8, 2.6),
                Vec3(1.9, 1.7, 1.8),
            ],
            elements: [nb, mo, nb, mo, nb])
    }

    let channels: [RadialFunction] = [.gaussian(center: 2.8, width: 0.9), .gaussian(center: 3.3, width: 1.3)]

    /// The moments of atom i from their definition: M0 (scalar), M1 (vector), M2 (3 × 3), M3 (3 × 3 × 3) of
    /// channel μ, with each neighbour's g scaled by `weight(element)`.
    func moments(_ s: Structure, atom i: Int, channel: Int, weight: (Element) -> Double = { _ in 1 }) -> (
        Double, [Double], [[Double]], [[[Double]]]
    ) {
        let (center, width) = (channels[channel].values[0], channels[channel].values[1])
        var m0 = 0.0
        var m1 = [0.0, 0.0, 0.0]
        var m2 = Array(repeating: [0.0, 0.0, 0.0], count: 3)
        var m3 = Array(repeating: Array(repeating: [0.0, 0.0, 0.0], count: 3), count: 3)
        for j in 0..<s.count where j != i {
            let d = s.positions[j] - s.positions[i]
            let r = norm(d)
            let u = [d.x / r, d.y / r, d.z / r]
            let g = exp(-pow((r - center) / width, 2)) * weight(s.elements[j])
            m0 += g
            for a in 0..<3 {
                m1[a] += g * u[a]
                for b in 0..<3 {
                    m2[a][b] += g * u[a] * u[b]
                    for c in 0..<3 { m3[a][b][c] += g * u[a] * u[b] * u[c] }
                }
            }
        }
        return (m0, m1, m2, m3)
    }

    /// The value of an invariant from its definition.
    func reference(_ invariant: MomentInvariant, _ s: Structure, atom i: Int, weight: (Element) -> Double = { _ in 1 })
        -> Double
    {
        let m = invariant.channels.map { moments(s, atom: i, channel: $0, weight: weight) }
        func matrixProduct(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            (0..<3).map { x in (0..<3).map { y in (0..<3).reduce(0) { $0 + a[x][$1] * b[$1][y] } } }
        }
        func full(_ a: [[Double]], _ b: [[Double]]) -> Double {
            (0..<3).reduce(0) { sum, x in sum + (0..<3).reduce(0) { $0 + a[x][$1] * b[x][$1] } }
        }
        switch invariant.kind {
        case .m0: return m[0].0
        case .m00: return m[0].0 * m[1].0
        case .m11: return (0..<3).reduce(0) { $0 + m[0].1[$1] * m[1].1[$1] }
        case .m22: return full(m[0].2, m[1].2)
        case .m33:
            var sum = 0.0
            for a in 0..<3 { for b in 0..<3 { for c in 0..<3 { sum += m[0].3[a][b][c] * m[1].3[a][b][c] } } }
            return sum
        case .m000: return m[0].0 * m[1].0 * m[2].0
        case .m011: return m[0].0 * (0..<3).reduce(0) { $0 + m[1].1[$1] * m[2].1[$1] }
        case .m022: return m[0].0 * full(m[1].2, m[2].2)
        case .m112:
            var sum = 0.0
            for a in 0..<3 { for b in 0..<3 { sum += m[0].1[a] * m[2].2[a][b] * m[1].1[b] } }
            return sum
        case .m222:
            let product = matrixProduct(matrixProduct(m[0].2, m[1].2), m[2].2)
            return product[0][0] + product[1][1] + product[2][2]
        case .m123:
            var sum = 0.0
            for a in 0..<3 {
                for b in 0..<3 { for c in 0..<3 { sum += m[0].1[a] * m[1].2[b][c] * m[2].3[a][b][c] } }
            }
            return sum
        }
    }

    func model(_ term: MomentTensorTerm) -> CompositeModel {
        CompositeModel(elements: [nb, mo], terms: [.momentTensor(term)])
    }

    /// Each invariant alone, with coefficient 1, gives the sum over atoms of its definition; some kinds with
    /// mixed channels, so that channel order matters.
    func testEveryKindEqualsItsDefinition() throws {
        let s = cluster
        let invariants = [
            "0(1)", "00(0,1)", "11(0,1)", "22(1,1)", "33(0,1)", "000(0,1,1)", "011(1,0,1)", "022(0,0,1)",
            "112(0,1,1)", "112(1,0,0)", "222(0,1,1)", "123(0,1,0)", "123(1,0,1)",
        ].map { MomentInvariant(parsing: $0)! }
        for invariant in invariants {
            let term = MomentTensorTerm(
                cutoff: 7.0, width: 1.0, channels: channels, invariants: [invariant], coefficients: [1])
            let expected = (0..<s.count).reduce(0) { $0 + reference(invariant, s, atom: $1) }
            let predicted = try model(term).predict(s).energy
            XCTAssertEqual(predicted, expected, accuracy: 1e-12 * max(1, abs(expected)), "\(invariant)")
            XCTAssertGreaterThan(abs(expected), 1e-3, "\(invariant) is not trivially zero on the cluster")
        }
    }

    /// Coefficients per centre element and channels weighted per neighbour element enter as written.
    func testSpeciesCoefficientsAndNeighbourWeights() throws {
        let s = cluster
        let invariant = MomentInvariant(parsing: "112(0,1,1)")!
        let weights = ["Nb": [1.3, 0.7], "Mo": [0.6, 1.8]]
        let term = MomentTensorTerm(
            cutoff: 7.0, width: 1.0, channels: channels, invariants: [invariant],
            species: ["Nb": [0.4], "Mo": [-1.1]], neighbours: weights)
        var expected = 0.0
        for i in 0..<s.count {
            let xi = s.elements[i] == nb ? 0.4 : -1.1
            // The weight depends on the channel: evaluate the invariant with each moment's own channel weight.
            let m = invariant.channels.map { channel in
                moments(s, atom: i, channel: channel) { weights[$0.symbol]![channel] }
            }
            var value = 0.0
            for a in 0..<3 { for b in 0..<3 { value += m[0].1[a] * m[2].2[a][b] * m[1].1[b] } }
            expected += xi * value
        }
        XCTAssertEqual(try model(term).predict(s).energy, expected, accuracy: 1e-12 * abs(expected))
    }

    /// Catalogue sizes counted by hand: per kind, the channel tuples that give distinct functions.
    func testCatalogueCounts() {
        // One channel: 0, 00, 11, 22, 33, 000, 011, 022, 112, 222, 123.
        XCTAssertEqual(MomentInvariant.catalogue(channelCount: 1, bodyOrders: 2...4, maxRank: 3).count, 11)
        // Two channels: 2 + 4·3 (pairs a ≤ b) + 4 (000) + 6 (011) + 6 (022) + 6 (112) + 4 (222) + 8 (123).
        XCTAssertEqual(MomentInvariant.catalogue(channelCount: 2, bodyOrders: 2...4, maxRank: 3).count, 48)
        // Four-body only, rank ≤ 2: 000, 011, 022, 112, 222.
        XCTAssertEqual(MomentInvariant.catalogue(channelCount: 2, bodyOrders: 4...4, maxRank: 2).count, 26)
        let all = MomentInvariant.catalogue(channelCount: 3, bodyOrders: 2...4, maxRank: 3)
        XCTAssertEqual(Set(all).count, all.count)
    }

    /// A one-channel niobium model file whose moment-tensor term ends with `lastLines` (its invariants).
    func modelFile(_ name: String, _ lastLines: String) -> String {
        temporaryFile(
            """
            elements: [Nb]
            terms:
              - type: moment-tensor
                cutoff: 4.5
                channels: [{family: gaussian, values: [2.86, 0.5]}]
            \(lastLines)
            """, name: name)
    }

    /// Model files: invariants written out or generated from body-order and rank; bad ones named.
    func testModelFileForms() throws {
        let generated = modelFile("moments-generated.yaml", "    body-order: 3\n    rank: 1")
        let term = try XCTUnwrap(CompositeModel.load(path: generated).terms[0].as(MomentTensorTerm.self))
        XCTAssertEqual(term.invariants.map(\.description), ["0(0)", "00(0,0)", "11(0,0)"])
        XCTAssertEqual(term.coefficients, [0, 0, 0])
        let bad = modelFile("moments-bad.yaml", "    invariants: [\"11(0,0)\", \"14(0,0)\"]")
        let error = try XCTUnwrap(mosaicError { _ = try CompositeModel.load(path: bad) })
        XCTAssertTrue(error.description.contains("'14(0,0)' is not a moment invariant"), error.description)
        let beyond = modelFile("moments-beyond.yaml", "    invariants: [\"11(0,1)\"]")
        let channelError = try XCTUnwrap(mosaicError { _ = try CompositeModel.load(path: beyond) })
        XCTAssertTrue(channelError.description.contains("names a channel beyond the 1 given"), channelError.description)
        let both = modelFile("moments-both.yaml", "    invariants: [\"11(0,0)\"]\n    rank: 2")
        let bothError = try XCTUnwrap(mosaicError { _ = try CompositeModel.load(path: both) })
        XCTAssertTrue(bothError.description.contains("not both"), bothError.description)
        XCTAssertNil(MomentInvariant(parsing: "112(0,1)"), "112 has three moments")
        XCTAssertEqual(MomentInvariant(parsing: " 123( 1,0 ,2 )")?.description, "123(1,0,2)")
    }

    /// Splitting the coefficients by centre element and weighing the channels per neighbour element keep every
    /// prediction; removing an invariant whose coefficient is zero does too, with one parameter fewer.
    func testReshapesKeepPredictions() throws {
        let invariants = MomentInvariant.catalogue(channelCount: 2, bodyOrders: 2...4, maxRank: 2)
        var values = invariants.indices.map { 0.01 * sin(Double($0) + 1) }
        values[3] = 0
        let start = model(
            MomentTensorTerm(cutoff: 4.6, width: 1.2, channels: channels, invariants: invariants, coefficients: values))
        var cell = niobium["Nb_AIMD"]![60]
        for i in stride(from: 0, to: cell.count, by: 4) { cell.elements[i] = mo }
        let expected = try start.predict(cell)
        let changes: [(TermChange, Int)] = [
            (.splitBySpecies(elements: [nb, mo]), invariants.count),
            (.weighNeighbours(elements: [nb, mo]), 2 * channels.count),
            (.removeInvariant(invariants[3].description), -1),
        ]
        for (change, added) in changes {
            var changed = start
            changed.terms[0] = try start.terms[0].applying(change)
            try changed.validate()
            XCTAssertEqual(changed.freeParameterCount, start.freeParameterCount + added, "\(change)")
            let predicted = try changed.predict(cell)
            XCTAssertEqual(predicted.energy, expected.energy, accuracy: 1e-12 * abs(expected.energy), "\(change)")
            for i in 0..<cell.count {
                XCTAssertLessThan(norm(predicted.forceVectors[i] - expected.forceVectors[i]), 1e-12, "\(change)")
            }
        }
        let sloppy = try XCTUnwrap(start.parameterIDs.first { $0.local == "c\(invariants[5].code)" })
        XCTAssertEqual(
            start.terms[0].shrinkProposals(sloppy: sloppy), [.removeInvariant(invariants[5].description)])
    }
}
