import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

final class PotentialFileTests: XCTestCase {
    func sampleFile() throws -> PotentialFile {
        PotentialFile(
            model: testModel(), provenance: try JSONValue.from(["split": "Nb_AIMD/Md/1000K", "note": "test"]))
    }

    /// Every shipped model description (examples, benchmarks) reads, validates and predicts finite numbers.
    func testEveryShippedModelDescriptionLoads() throws {
        var paths: [String] = []
        for folder in ["examples/models", "benchmarks"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/" + folder)
            paths += files.filter { $0.hasSuffix(".yaml") }.map { repositoryRoot + "/\(folder)/\($0)" }
        }
        XCTAssertGreaterThanOrEqual(paths.count, 5)
        let frame = niobium["Nb_AIMD"]![7]
        for path in paths {
            let model = try CompositeModel.load(path: path)
            XCTAssertGreaterThan(model.parameterCount, 0, path)
            let p = try model.predict(frame)
            XCTAssertTrue(
                p.energy.isFinite && p.forceVectors.allSatisfy { $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }, path
            )
        }
    }

    func testRoundTripPreservesModelExactly() throws {
        let path = temporaryFile("", name: "round.json")
        try sampleFile().write(to: path)
        let back = try PotentialFile.read(path: path)
        XCTAssertEqual(back.model, testModel())
        XCTAssertEqual(back.model.naturalParameters, testModel().naturalParameters)
        XCTAssertEqual(back.elements.first?.mass, 92.906)
        XCTAssertEqual(back.cutoff, testModel().cutoff)
        // Writing it again gives the same bytes.
        XCTAssertEqual(try back.encoded(), try sampleFile().encoded())
    }

    func testDamagedFileIsRefused() throws {
        var text = String(decoding: try sampleFile().encoded(), as: UTF8.self)
        let value = "\(testModel().naturalParameters[3])"
        XCTAssertTrue(text.contains(value))
        text = text.replacingOccurrences(of: value, with: value + "1")
        let path = temporaryFile(text, name: "damaged.json")
        let error = mosaicError { _ = try PotentialFile.read(path: path) }
        XCTAssertTrue(error?.description.contains("content hash mismatch") ?? false, error?.description ?? "no error")
        XCTAssertTrue(error?.description.contains("damaged.json") ?? false)

        let truncated = temporaryFile(String(text.prefix(200)), name: "truncated.json")
        XCTAssertTrue(
            mosaicError { _ = try PotentialFile.read(path: truncated) }?.description.contains(
                "not a JSON potential file") ?? false)
    }

    func testNewerVersionIsRefusedWithAClearMessage() throws {
        var text = String(decoding: try sampleFile().encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2")
        let path = temporaryFile(text, name: "newer.json")
        let error = mosaicError { _ = try PotentialFile.read(path: path) }
        XCTAssertTrue(
            error?.description.contains("format version 2 is newer than this Mosaic reads (up to 1)") ?? false,
            error?.description ?? "no error")
        XCTAssertTrue(error?.description.contains("update Mosaic") ?? false)
    }

    func testWrongFormatAndMissingFileAreRefused() {
        let path = temporaryFile("{\"format\": \"something-else\", \"version\": 1}", name: "other.json")
        XCTAssertTrue(
            mosaicError { _ = try PotentialFile.read(path: path) }?.description.contains("expected 'mosaic-potential'")
                ?? false)
        XCTAssertTrue(
            mosaicError { _ = try PotentialFile.read(path: "/nonexistent/x.json") }?.description.contains("cannot read")
                ?? false)
    }
}
