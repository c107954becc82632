import MosaicCore
import MosaicTestSupport
import XCTest

final class NeighbourListTests: XCTestCase {
    /// All images within the cutoff by brute force over a generous range of lattice shifts.
    func bruteForce(_ s: Structure, cutoff: Double) -> [[String]] {
        let reach = 6
        return (0..<s.count).map { i in
            var found: [String] = []
            for a in -reach...reach {
                for b in -reach...reach {
                    for c in -reach...reach {
                        let shift = Double(a) * s.cell.a + Double(b) * s.cell.b + Double(c) * s.cell.c
                        for j in 0..<s.count {
                            if i == j && a == 0 && b == 0 && c == 0 { continue }
                            let d = s.positions[j] + shift - s.positions[i]
                            if norm(d) < cutoff { found.append(key(j, d)) }
                        }
                    }
                }
            }
            return found.sorted()
        }
    }

    func key(_ j: Int, _ d: Vec3) -> String {
        String(format: "%d %.6f %.6f %.6f", j, d.x, d.y, d.z)
    }

    func randomCell(seed: UInt64, atoms: Int, scale: Double) -> Structure {
        var rng = SeededGenerator(seed: seed)
        func r(_ x: Double) -> Double { Double.random(in: -x...x, using: &rng) }
        let cell = Matrix3(
            Vec3(scale, 0, 0), Vec3(r(0.6 * scale), scale * 0.9, 0), Vec3(r(0.5 * scale), r(0.5 * scale), scale * 1.1))
        // Positions partly outside the cell, to test wrapping.
        let positions = (0..<atoms).map { _ in cell.leftMultiply(Vec3(r(1.5), r(1.5), r(1.5))) }
        return Structure(
            cell: cell, positions: positions, elements: Array(repeating: Element(symbol: "W")!, count: atoms))
    }

    func testMatchesBruteForceOnRandomTriclinicCells() {
        for seed in 1...6 {
            let s = randomCell(seed: UInt64(seed), atoms: 7, scale: seed % 2 == 0 ? 3.1 : 6.0)
            for cutoff in [0.0, 0.05, 2.5, 4.7, 7.9] {  // from none to more than twice the smallest cell width
                let list = NeighbourList(s, cutoff: cutoff)
                let expected = bruteForce(s, cutoff: cutoff)
                for i in 0..<s.count {
                    let got = list.neighbours(of: i).map { key(Int(list.index[$0]), list.delta[$0]) }.sorted()
                    XCTAssertEqual(got, expected[i], "seed \(seed) cutoff \(cutoff) atom \(i)")
                }
            }
        }
    }

    func testOpenBoundariesHaveNoImages() {
        let s = Structure(
            cell: Matrix3.identity, pbc: [false, false, false],
            positions: [Vec3(0, 0, 0), Vec3(2.5, 0, 0), Vec3(0, 0, 9)],
            elements: Array(repeating: Element(symbol: "Nb")!, count: 3))
        let list = NeighbourList(s, cutoff: 3)
        XCTAssertEqual(list.neighbours(of: 0).map { Int(list.index[$0]) }, [1])
        XCTAssertEqual(list.neighbours(of: 1).map { Int(list.index[$0]) }, [0])
        XCTAssertTrue(list.neighbours(of: 2).isEmpty)
    }

    func testMixedPeriodicitySlab() {
        // Periodic in x and y only: a single atom sees its 4 in-plane images at a = 2.
        let s = Structure(
            cell: Matrix3.diagonal(Vec3(2, 2, 2)), pbc: [true, true, false], positions: [Vec3(0.3, 0.3, 0.3)],
            elements: [Element(symbol: "Nb")!])
        XCTAssertEqual(NeighbourList(s, cutoff: 2.1).neighbours(of: 0).count, 4)
    }

    func testBccNeighbourShells() throws {
        let s = try MVLReader.read(path: dataPath("Nb_Elastic.json")).first { $0.info["Strain"] == "1--0.0000" }!
        // Unstrained bcc: 8 first and 6 second neighbours, 12 third.
        XCTAssertEqual(NeighbourList(s, cutoff: 3.0).neighbours(of: 0).count, 8)
        XCTAssertEqual(NeighbourList(s, cutoff: 3.5).neighbours(of: 0).count, 14)
        XCTAssertEqual(NeighbourList(s, cutoff: 4.9).neighbours(of: 1).count, 26)
    }
}
