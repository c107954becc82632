import MosaicCore
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

final class PhaseReferenceTests: XCTestCase {
    /// A valid file loads (extra keys ignored, a missing phase stays without reference); a newer or fractional
    /// format, a value that is not a number and an unknown element are refused with the file, the entry and a fix.
    func testLoadsReferencesAndRefusesBadFiles() throws {
        let good = temporaryFile(
            #"{"format": 1, "method": "GPAW 22.8.0, PBE", "elements": {"Nb": {"fcc": 0.32, "hcp": 0.29,"#
                + #" "fcc volume": 18.9}, "W": {"A15": 0.11}, "Ta": {"hcp": 1}}}"#, name: "phases-good.json")
        let references = try PhaseReferences.load(good)
        XCTAssertEqual(references.difference(element: "Nb", phase: "fcc"), 0.32)
        XCTAssertEqual(references.difference(element: "Nb", phase: "hcp"), 0.29)
        XCTAssertNil(references.difference(element: "Nb", phase: "A15"))
        XCTAssertEqual(references.difference(element: "W", phase: "A15"), 0.11)
        XCTAssertNil(references.difference(element: "Mo", phase: "fcc"))
        XCTAssertEqual(references.difference(element: "Ta", phase: "hcp"), 1, "an integer is a number")
        XCTAssertEqual(references.source, "GPAW 22.8.0 (phases-good.json)")

        let newer = temporaryFile(#"{"format": 2, "elements": {"Nb": {"fcc": 0.3}}}"#, name: "phases-newer.json")
        let newerError = try XCTUnwrap(mosaicError { _ = try PhaseReferences.load(newer) })
        XCTAssertEqual(newerError.file, newer)
        XCTAssertTrue(newerError.message.contains("format 2 is newer"), newerError.description)
        XCTAssertNotNil(newerError.fix)

        let fraction = temporaryFile(#"{"format": 1.5, "elements": {"Nb": {"fcc": 0.3}}}"#, name: "phases-1.5.json")
        XCTAssertEqual(try XCTUnwrap(mosaicError { _ = try PhaseReferences.load(fraction) }).location, "format")

        let text = temporaryFile(#"{"elements": {"Nb": {"fcc": "0.3"}}}"#, name: "phases-text.json")
        let textError = try XCTUnwrap(mosaicError { _ = try PhaseReferences.load(text) })
        XCTAssertEqual(textError.location, "elements.Nb.fcc")
        XCTAssertEqual(textError.file, text)

        let flag = temporaryFile(#"{"elements": {"Nb": {"fcc": true}}}"#, name: "phases-flag.json")
        let flagError = try XCTUnwrap(mosaicError { _ = try PhaseReferences.load(flag) })
        XCTAssertEqual(flagError.location, "elements.Nb.fcc")
        XCTAssertTrue(flagError.message.contains("true"), flagError.description)

        let unknown = temporaryFile(#"{"elements": {"Xq": {"fcc": 0.3}}}"#, name: "phases-unknown.json")
        XCTAssertEqual(try XCTUnwrap(mosaicError { _ = try PhaseReferences.load(unknown) }).location, "elements.Xq")

        let empty = temporaryFile(#"{"elements": {}}"#, name: "phases-empty.json")
        XCTAssertEqual(try XCTUnwrap(mosaicError { _ = try PhaseReferences.load(empty) }).location, "elements")
        XCTAssertNotNil(mosaicError { _ = try PhaseReferences.load(scratchPath("no-such-phases.json")) })
    }

    /// The report gives the lattice energies their references from the file (error = model − reference) and leaves
    /// the others without; the element is the strained cells' one.
    func testReportTakesTheReferencesOfItsElement() throws {
        let nb = Element(symbol: "Nb")!
        let model = CompositeModel(
            elements: [nb], terms: [.morse(MorseTerm(cutoff: 6.0, width: 1.0, depth: 0.2, alpha: 1.3, r0: 3.0))])
        let elastic = try Dataset.load([dataPath("Nb_Elastic.json")]).structures
        let references = PhaseReferences(
            differences: ["Nb": ["fcc": 0.32, "A15": 0.08], "Mo": ["hcp": 0.4]], source: "test")
        let report = try PropertyReport.compute(
            model: model, elastic: elastic, surfaces: [], vacancyCells: 0, phases: references)
        let fcc = try XCTUnwrap(report.entries.first { $0.name == "E(fcc) − E(bcc)" })
        XCTAssertEqual(fcc.reference, 0.32)
        XCTAssertEqual(fcc.referenceSource, "test")
        XCTAssertEqual(try XCTUnwrap(fcc.absoluteError), fcc.model - 0.32, accuracy: 1e-15)
        XCTAssertEqual(report.entries.first { $0.name == "E(A15) − E(bcc)" }?.reference, 0.08)
        XCTAssertNil(try XCTUnwrap(report.entries.first { $0.name == "E(hcp) − E(bcc)" }).reference)
        let without = try PropertyReport.compute(model: model, elastic: elastic, surfaces: [], vacancyCells: 0)
        XCTAssertTrue(without.entries.filter { $0.name.hasSuffix("E(bcc)") }.allSatisfy { $0.reference == nil })
    }
}
