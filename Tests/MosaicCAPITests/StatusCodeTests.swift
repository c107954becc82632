import Foundation
import MosaicCAPI
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicTestSupport
import XCTest

/// The C ABI returns the status codes its header (include/mosaic_capi.h) names, and pair cutoffs.
final class StatusCodeTests: XCTestCase {
    let ok: Int32 = 0
    let fileError: Int32 = 1
    let inputError: Int32 = 2
    let elementError: Int32 = 3

    func open(_ bytes: [UInt8], name: String = "test.json") -> (Int32, OpaquePointer?, String) {
        var potential: OpaquePointer? = nil
        var message = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                mosaic_potential_open(chars.baseAddress, chars.count, name, &potential, &message, 512)
            }
        }
        return (status, potential, String(cString: message))
    }

    /// The run-time ABI version is the one the header names (and `mosaic --version` prints).
    func testABIVersionMatchesTheHeader() throws {
        let header = try String(
            contentsOfFile: repositoryRoot + "/Sources/MosaicCAPI/include/mosaic_capi.h", encoding: .utf8)
        let line = try XCTUnwrap(header.split(separator: "\n").first { $0.hasPrefix("#define MOSAIC_ABI_VERSION") })
        XCTAssertEqual(mosaic_abi_version(), Int32(line.split(separator: " ").last ?? ""))
    }

    func shippedPotential() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/potentials/Nb.json")))
    }

    func testOpeningReportsFileErrors() throws {
        let (status, potential, _) = open(try shippedPotential())
        XCTAssertEqual(status, ok)
        XCTAssertNotNil(potential)
        mosaic_potential_destroy(potential)

        var damaged = try shippedPotential()
        damaged.removeLast(200)
        let (badStatus, badPotential, message) = open(damaged, name: "damaged.json")
        XCTAssertEqual(badStatus, fileError)
        XCTAssertNil(badPotential)
        XCTAssertTrue(message.contains("damaged.json"), message)
    }

    func testUnknownElementIsAnElementError() throws {
        let (_, potential, _) = open(try shippedPotential())
        defer { mosaic_potential_destroy(potential) }
        var index: Int32 = -7
        var message = [CChar](repeating: 0, count: 512)
        XCTAssertEqual(mosaic_potential_find_element(potential, "Nb", &index, &message, 512), ok)
        XCTAssertEqual(index, 0)
        XCTAssertEqual(mosaic_potential_find_element(potential, "W", &index, &message, 512), elementError)
        XCTAssertTrue(String(cString: message).contains("element W is not in the potential, which has: Nb"))
        XCTAssertEqual(mosaic_potential_find_element(nil, "Nb", &index, &message, 512), inputError)
    }

    func testComputeWithoutPotentialIsAnInputError() {
        var message = [CChar](repeating: 0, count: 512)
        let status = mosaic_compute(
            nil, 1, nil, nil, nil, 0, 1, nil, nil, nil, 1, nil, nil, nil, nil, nil, nil, &message, 512)
        XCTAssertEqual(status, inputError)
        XCTAssertTrue(String(cString: message).contains("NULL handle"))
    }

    /// Uncertainty entries: the shipped potential has a section of one coordinate per fitted parameter; a
    /// format-1 file (no section) reports size 0, and asking it for grades is a file error that says to
    /// refit; a NULL handle is an input error.
    func testUncertaintyEntries() throws {
        let (_, potential, _) = open(try shippedPotential())
        defer { mosaic_potential_destroy(potential) }
        let file = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")
        XCTAssertEqual(Int(mosaic_potential_uncertainty_size(potential)), file.model.freeParameterCount)
        var old = file
        old.uncertainty = nil
        old.version = 1
        let (status, oldPotential, _) = open(Array(try old.encoded()), name: "old.json")
        XCTAssertEqual(status, ok)
        defer { mosaic_potential_destroy(oldPotential) }
        XCTAssertEqual(mosaic_potential_uncertainty_size(oldPotential), 0)
        XCTAssertTrue(mosaic_potential_sigma(oldPotential, [1.0]).isNaN)
        var message = [CChar](repeating: 0, count: 512)
        let missing = mosaic_compute_uncertainty(
            oldPotential, 1, nil, nil, nil, 0, 1, nil, nil, nil, 1, nil, nil, nil, nil, nil, &message, 512)
        XCTAssertEqual(missing, fileError)
        XCTAssertTrue(
            String(cString: message).contains("old.json has no uncertainty section"), String(cString: message))
        let null = mosaic_compute_uncertainty(
            nil, 1, nil, nil, nil, 0, 1, nil, nil, nil, 1, nil, nil, nil, nil, nil, &message, 512)
        XCTAssertEqual(null, inputError)
    }

    /// Per-pair cutoffs: a two-element model whose terms reach 5.5 Å; the potential's pair cutoff
    /// equals the model's, and out-of-range indices give 0.
    func testPairCutoff() throws {
        let (_, potential, _) = open(try shippedPotential())
        defer { mosaic_potential_destroy(potential) }
        let file = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")
        let nb = file.model.elements[0]
        XCTAssertEqual(mosaic_potential_pair_cutoff(potential, 0, 0), file.model.cutoff(between: nb, nb))
        XCTAssertEqual(mosaic_potential_pair_cutoff(potential, 0, 0), mosaic_potential_cutoff(potential))
        XCTAssertEqual(mosaic_potential_pair_cutoff(potential, 0, 1), 0)
        XCTAssertEqual(mosaic_potential_pair_cutoff(potential, -1, 0), 0)
    }
}
