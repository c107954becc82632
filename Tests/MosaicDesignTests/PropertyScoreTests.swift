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

    /// The other lattices' energies count only with a reference: 0.05 eV/atom is one unit, the three fold into one
    /// RMS component, and without references the score is what it was.
    func testLatticeEnergiesCountOnlyWithReferences() {
        func report(_ references: [Double?]) -> PropertyReport {
            PropertyReport(
                entries: [PropertyEntry(name: "C11", unit: "GPa", model: 260, reference: 240, referenceSource: "test")]
                    + zip(["fcc", "hcp", "A15"], zip([-0.23, 0.2, 0.13], references)).map { phase, values in
                        PropertyEntry(
                            name: "E(\(phase)) − E(bcc)", unit: "eV/atom", model: values.0, reference: values.1,
                            referenceSource: "test")
                    }, eosVolumes: [], eosEnergies: [], referenceVolume: 0, referenceEnergy: 0)
        }
        let scorer = PropertyScore()
        XCTAssertEqual(scorer.score(properties: report([nil, nil, nil]), errors: nil).score, 1, accuracy: 1e-12)
        // fcc 0.55 below its reference (11 units), hcp 0.1 below (2 units), A15 without reference.
        let (components, score) = scorer.score(properties: report([0.32, 0.3, nil]), errors: nil)
        XCTAssertEqual(components.count, 2)
        XCTAssertEqual(components[1].0, "lattice energy − E(bcc) (RMS of 2)")
        let phases = ((121.0 + 4) / 2).squareRoot()
        XCTAssertEqual(components[1].1, phases, accuracy: 1e-9)
        XCTAssertEqual(score, ((1 + phases * phases) / 2).squareRoot(), accuracy: 1e-9)
    }
}
