import MosaicCore
import MosaicTestSupport
import XCTest

final class DatasetTests: XCTestCase {
    /// The first-shell distance comes from the data: bcc Nb (static cells and hot MD), and an fcc
    /// crystal made here whose answer is a/√2.
    func testNearestNeighbourDistanceIsTheFirstShell() throws {
        let bccFirstShell = 3.3008 * 3.0.squareRoot() / 2  // Nb's unstrained DFT cell, a√3/2
        let elastic = try XCTUnwrap(Dataset(niobium["Nb_Elastic"]!).nearestNeighbourDistance())
        XCTAssertEqual(elastic, bccFirstShell, accuracy: 0.03)
        let md = try XCTUnwrap(Dataset(niobium["Nb_AIMD"]!).nearestNeighbourDistance())
        XCTAssertEqual(md, bccFirstShell, accuracy: 0.05)
        let a = 3.61
        let cu = Element(symbol: "Cu")!
        let fcc = Structure(
            cell: Matrix3.diagonal(Vec3(a, a, a)),
            positions: [Vec3(0, 0, 0), Vec3(0, a / 2, a / 2), Vec3(a / 2, 0, a / 2), Vec3(a / 2, a / 2, 0)],
            elements: [cu, cu, cu, cu])
        let distance = try XCTUnwrap(Dataset([fcc.supercell(2, 2, 2)]).nearestNeighbourDistance())
        XCTAssertEqual(distance, a / 2.0.squareRoot(), accuracy: 0.011)
        XCTAssertNil(Dataset([]).nearestNeighbourDistance())
    }

    /// `GROUP@El=LOW-HIGH` holds out whole compositions of an alloy group, counted here from the file itself.
    func testCompositionPatternsHoldOutWholeCompositions() throws {
        let binary = try MVLReader.read(path: repositoryRoot + "/data/binaries/NbMo_SS.json")
        let data = Dataset(binary + niobium["Nb_Elastic"]!)
        let (train, held) = try data.split(holdingOut: ["NbMo_SS@Mo=0.4-0.6"])
        func molybdenum(_ s: Structure) -> Int { s.elements.filter { $0.symbol == "Mo" }.count }
        // 16-atom cells: 7, 8 or 9 Mo atoms are the fractions 0.4375, 0.5 and 0.5625.
        let expected = binary.filter { (7...9).contains(molybdenum($0)) }.count
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(held.structures.count, expected)
        XCTAssertTrue(held.structures.allSatisfy { (7...9).contains(molybdenum($0)) && $0.count == 16 })
        XCTAssertEqual(train.structures.count, data.structures.count - expected)
        // Every cell of a held-out composition is held out: relaxed and unrelaxed alike.
        XCTAssertFalse(train.structures.contains { $0.group == "NbMo_SS" && (7...9).contains(molybdenum($0)) })
        // Bad ranges and empty selections are errors that say how to write it.
        for bad in ["NbMo_SS@Mo=0.6-0.4", "NbMo_SS@Xx=0-1", "NbMo_SS@Mo0.4-0.6", "NbMo_SS@Mo=0.4"] {
            XCTAssertThrowsError(try data.split(holdingOut: [bad]), bad) { error in
                XCTAssertTrue("\(error)".contains("GROUP@El=LOW-HIGH"), "\(error)")
            }
        }
        XCTAssertThrowsError(try data.split(holdingOut: ["Nb_Elastic@Mo=0.4-0.6"]))
    }

    /// A pattern's range includes both ends, a fold bin only its lower one (and 1); a bin saved without the
    /// `closed` field reads as a bin.
    func testCompositionRangeEnds() throws {
        let cell = { (molybdenum: Int) -> Structure in
            var s = randomTriclinic(atoms: 4, seed: 3, scale: 5)
            for i in 0..<molybdenum { s.elements[i] = Element(symbol: "Mo")! }
            return s
        }
        let pattern = try XCTUnwrap(CompositionRange(pattern: "Mo=0.25-0.5"))
        XCTAssertEqual([0, 1, 2, 3, 4].map { pattern.contains(cell($0)) }, [false, true, true, false, false])
        let bin = CompositionRange(element: "Mo", low: 0.25, high: 0.5)
        XCTAssertEqual([0, 1, 2, 3, 4].map { bin.contains(cell($0)) }, [false, true, false, false, false])
        let last = CompositionRange(element: "Mo", low: 0.5, high: 1)
        XCTAssertEqual([0, 1, 2, 3, 4].map { last.contains(cell($0)) }, [false, false, true, true, true])
        let saved = #"{"element": "Mo", "low": 0.25, "high": 0.5}"#
        XCTAssertEqual(try JSONDecoder().decode(CompositionRange.self, from: Data(saved.utf8)), bin)
        XCTAssertNil(CompositionRange(pattern: "Mo=0.5-0.25"))
    }

    /// The screening subset keeps every Nth structure of each group and small groups whole.
    func testScreeningSubsetTakesEveryNthOfEachGroup() throws {
        let data = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Surface"]!)
        let subset = data.screeningSubset(every: 4)
        for group in data.groups {
            let all = data.structures.filter { $0.group == group }
            let kept = subset.structures.filter { $0.group == group }
            if all.count < 16 {
                XCTAssertEqual(kept.map(\.source), all.map(\.source), group)
            } else {
                XCTAssertEqual(kept.map(\.source), stride(from: 0, to: all.count, by: 4).map { all[$0].source }, group)
            }
        }
        XCTAssertEqual(data.screeningSubset(every: 1).structures.count, data.structures.count)
    }
}
