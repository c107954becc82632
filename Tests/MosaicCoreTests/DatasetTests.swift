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
}
