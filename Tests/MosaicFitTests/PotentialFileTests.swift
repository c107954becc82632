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

    /// The loss an analysis uses is the one the written parameters were last fitted with: a design's `finalWeights`
    /// (after `--energy-target`) over its candidates' `settings.weights`.
    func testLossWeightsAreTheLastFitsWeights() throws {
        var candidates = FitWeights()
        candidates.energyTolerance = 0.001
        var last = candidates
        last.energyGroups = ["Nb_AIMD/Md/3000K": 1.6]
        let design = PotentialFile(
            model: testModel(),
            provenance: .object([
                "settings": .object(["weights": try JSONValue.from(candidates)]),
                "finalWeights": try JSONValue.from(last),
            ]))
        XCTAssertEqual(design.lossWeights, last)
        let plain = PotentialFile(
            model: testModel(), provenance: .object(["settings": .object(["weights": try JSONValue.from(candidates)])]))
        XCTAssertEqual(plain.lossWeights, candidates)
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

    /// Arrays of numbers are written on one line, the stored hash is still that of the canonical pretty-printed
    /// encoding (so files written before read as they did), and the compact file reads back to the same potential.
    /// The shipped alloy file is format 4 and 1.9 MB as the README says (20.5 MB in format 3).
    func testNumberArraysAreWrittenOnOneLine() throws {
        let path = repositoryRoot + "/potentials/NbMoTaW.json"
        let shipped = try PotentialFile.read(path: path)
        let compact = try shipped.encoded()
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let canonical = try JSONEncoder.mosaic.encode(shipped)
        XCTAssertLessThan(compact.count, canonical.count)
        XCTAssertEqual(shipped.version, 4)
        XCTAssertEqual(Double(size) / 1e6, 1.9, accuracy: 0.05, "README: 1.9 MB")
        XCTAssertEqual(
            compact, FileManager.default.contents(atPath: path), "the shipped file is what the writer writes")
        XCTAssertEqual(compact.count, size)
        let back = try PotentialFile.parse(compact, name: "compact")
        XCTAssertEqual(back.sha256, shipped.sha256)
        XCTAssertEqual(back.model, shipped.model)
        XCTAssertEqual(try back.encoded(), compact)
        let text = String(decoding: compact, as: UTF8.self)
        XCTAssertTrue(text.contains("\"energies\" : {"), "objects stay pretty-printed")
        XCTAssertEqual(
            PotentialFile.joiningNumberArrays(
                "{\n  \"a\" : [\n    1,\n    -2.5e-07\n  ],\n  \"b\" : [\n    \"x\"\n  ]\n}"),
            "{\n  \"a\" : [1, -2.5e-07],\n  \"b\" : [\n    \"x\"\n  ]\n}")
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

    /// A header that disagrees with its model is refused even when the hash was recomputed: LAMMPS
    /// takes masses and the cutoff from it.
    func testHeaderMustAgreeWithTheModel() throws {
        var reordered = try sampleFile()
        var twoElements = reordered.model
        twoElements.elements = [Element(symbol: "Nb")!, Element(symbol: "Mo")!]
        reordered = PotentialFile(model: twoElements, provenance: .null)
        reordered.elements.swapAt(0, 1)
        var negativeMass = try sampleFile()
        negativeMass.elements[0].mass = -92.9
        var negativeCutoff = try sampleFile()
        negativeCutoff.cutoff = -5
        for (file, expected) in [
            (reordered, "the header lists Mo Nb but the model's elements are Nb Mo"),
            (negativeMass, "mass -92.9 is not a positive number"),
            (negativeCutoff, "the header's cutoff -5.0 Å is not the model's largest term cutoff"),
        ] {
            let error = mosaicError { _ = try PotentialFile.parse(try file.encoded(), name: "edited.json") }
            XCTAssertTrue(error?.description.contains(expected) ?? false, error?.description ?? "no error")
            XCTAssertTrue(error?.description.contains("edited.json") ?? false)
        }
    }

    /// Unknown keys in a model file are errors naming the place and the closest known key.
    func testUnknownModelKeysAreRefusedWithASuggestion() {
        let term = "  - type: born-mayer\n    cutoff: 4.0\n    r0: 2.5\n    amplitude: 0.5\n    rho: 0.3\n"
        let cases: [(String, String)] = [
            (
                "elements: [Nb]\nterms:\n\(term)    widht: 0.5\n",
                "terms[0].widht: unknown key 'widht' in a born-mayer term (did you mean 'width'?)"
            ),
            (
                "elements: [Nb]\nterms:\n\(term)    foo: 1\n",
                "unknown key 'foo' in a born-mayer term; known keys: type, name"
            ),
            ("elements: [Nb]\nterm:\n\(term)", "unknown key 'term' in a model (did you mean 'terms'?)"),
            (
                "elements: [Nb]\nterms:\n  - type: embedding\n    cutoff: 5\n    form: sqrt\n    coefficients: [1]\n"
                    + "    density: {family: exponential, r0: 2.8, value: [3]}\n",
                "unknown key 'value' in a radial function (did you mean 'values'?)"
            ),
        ]
        for (text, expected) in cases {
            let path = temporaryFile(text, name: "typo.yaml")
            let error = mosaicError { _ = try CompositeModel.load(path: path) }
            XCTAssertTrue(error?.description.contains(expected) ?? false, error?.description ?? "no error")
            XCTAssertTrue(error?.description.contains("typo.yaml") ?? false)
        }
    }

    func testNewerVersionIsRefusedWithAClearMessage() throws {
        var text = String(decoding: try sampleFile().encoded(), as: UTF8.self)
        let version = PotentialFile.formatVersion
        XCTAssertTrue(text.contains("\"version\" : \(version)"))
        text = text.replacingOccurrences(of: "\"version\" : \(version)", with: "\"version\" : \(version + 1)")
        let path = temporaryFile(text, name: "newer.json")
        let error = mosaicError { _ = try PotentialFile.read(path: path) }
        XCTAssertTrue(
            error?.description.contains(
                "format version \(version + 1) is newer than this Mosaic reads (up to \(version))") ?? false,
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
