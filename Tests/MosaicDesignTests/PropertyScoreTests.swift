import MosaicCore
import MosaicDesign
import MosaicFit
import MosaicProperties
import XCTest

final class PropertyScoreTests: XCTestCase {
    /// Errors divided by their scales; the surface facets fold into one RMS component; entries
    /// without a reference are ignored; group errors join with their own scales.
    func testScoreFoldsAndScales() {
        func entry(_ name: String, _ model: Double, _ reference: Double?) -> PropertyEntry {
            PropertyEntry(name: name, unit: "", model: model, reference: reference, referenceSource: "test")
        }
        let report = PropertyReport(
            entries: [
                entry("lattice constant", 3.33, 3.32), entry("C44", 5, 2), entry("surface (100)", 2.3, 2.2),
                entry("surface (110)", 2.0, 2.3), entry("vacancy formation", 2.6, nil),
            ], eosVolumes: [], eosEnergies: [], referenceVolume: 0, referenceEnergy: 0)
        var metrics = ErrorMetrics()
        metrics.energyRMSE = 0.006
        metrics.forceRMSE = 0.2
        metrics.stressRMSE = 0.25
        var scorer = PropertyScore()
        let (components, score) = scorer.score(properties: report, errors: metrics)
        let expected: [Double] = [1, 0.3, (0.5 * (1 + 9)).squareRoot(), 2, 2, 0.5]
        XCTAssertEqual(components.count, expected.count)
        for (c, e) in zip(components, expected) { XCTAssertEqual(abs(c.1), e, accuracy: 1e-9, c.0) }
        XCTAssertEqual(
            score, (expected.reduce(0) { $0 + $1 * $1 } / Double(expected.count)).squareRoot(), accuracy: 1e-12)
        // Scales are configurable.
        scorer.scales["C44"] = 30
        XCTAssertEqual(abs(scorer.score(properties: report, errors: nil).components[1].1), 0.1, accuracy: 1e-12)
    }
}
