import Foundation
import MosaicCore
import MosaicModel

// Helpers shared by the test targets (not used by the tools).

/// The repository root, found from this file's location.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/MosaicTestSupport/TestSupport.swift
    return url.path
}()

public func dataPath(_ name: String) -> String { repositoryRoot + "/data/nb/" + name }

/// The shipped Nb files, read once.
public let niobium: [String: [Structure]] = {
    var result: [String: [Structure]] = [:]
    for name in ["Nb_AIMD", "Nb_Elastic", "Nb_Surface"] {
        result[name] = try! MVLReader.read(path: dataPath(name + ".json"))
    }
    return result
}()

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A composite with every kind of term and non-trivial parameter values, so that every
/// derivative path is exercised.
public func testModel(polynomial: Bool = false, splineDensity: Bool = false) -> CompositeModel {
    var rng = SeededGenerator(seed: 7)
    func randoms(_ n: Int, _ scale: Double) -> [Double] {
        (0..<n).map { _ in Double.random(in: -scale...scale, using: &rng) }
    }
    let embeddingDensity =
        splineDensity
        ? RadialFunction.spline(inner: 1.5, weights: randoms(6, 0.5).map { abs($0) + 0.1 })
        : RadialFunction.exponential(beta: 2.5, r0: 2.86)
    return CompositeModel(
        elements: [Element(symbol: "Nb")!],
        terms: [
            .reference(ReferenceEnergyTerm(energies: ["Nb": -9.5])),
            .bornMayer(BornMayerTerm(cutoff: 4.0, width: 1.0, r0: 2.5, amplitude: 0.7, rho: 0.35)),
            .morse(MorseTerm(cutoff: 5.0, width: 1.2, depth: 0.3, alpha: 1.4, r0: 3.0)),
            .pairSpline(PairSplineTerm(inner: 1.8, cutoff: 5.3, coefficients: randoms(9, 0.4))),
            .embedding(
                EmbeddingTerm(
                    cutoff: 5.2, width: 1.3, form: .sqrt, coefficients: [1.7, 0.004, -0.0002],
                    density: .exponential(beta: 2.5, r0: 2.86))),
            .embedding(
                EmbeddingTerm(
                    name: "embedding2", cutoff: 4.8, width: 1.0, form: .polynomial,
                    coefficients: [-0.3, 0.02, -0.001],
                    density: splineDensity ? embeddingDensity : .gaussian(center: 2.9, width: 0.7))),
            .threeBody(
                ThreeBodyTerm(
                    cutoff: 4.1, width: 1.1, order: 4,
                    channels: [.gaussian(center: 2.86, width: 0.45), .exponential(beta: 1.5, r0: 3.0)],
                    coefficients: [randoms(5, 0.2), randoms(5, 0.2)])),
            .angularEmbedding(
                AngularEmbeddingTerm(
                    cutoff: 4.3, width: 1.0, amplitude: 0.9, weights: [0.3, -0.2, 0.5, 0.1],
                    density: .gaussian(center: 2.7, width: 0.8))),
        ])
}

/// Niobium as a reference energy, a five-coefficient pair spline and a Finnis–Sinclair (√) embedding of amplitude
/// `amplitude`: a small truth to label real geometries with.
public func pairAndEmbeddingModel(amplitude: Double = 1.6) -> CompositeModel {
    CompositeModel(
        elements: [Element(symbol: "Nb")!],
        terms: [
            .reference(ReferenceEnergyTerm(energies: ["Nb": -9.8])),
            .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.3, -0.2, 0.1, -0.05, 0.02])),
            .embedding(
                EmbeddingTerm(
                    cutoff: 5.0, width: 1.2, form: .sqrt, coefficients: [amplitude],
                    density: .exponential(beta: 2.8, r0: 2.86))),
        ])
}

/// Niobium with two identical embedding terms ("embedding" and "twin") beside a reference and a pair spline: their
/// parameters are indistinguishable, so the Fisher information has an exact two-dimensional null space.
public func duplicatedEmbeddingModel() -> CompositeModel {
    let embedding = EmbeddingTerm(
        cutoff: 5.0, form: .sqrt, coefficients: [1.5], density: .exponential(beta: 2.5, r0: 2.86))
    var twin = embedding
    twin.name = "twin"
    return CompositeModel(
        elements: [Element(symbol: "Nb")!],
        terms: [
            .reference(ReferenceEnergyTerm(energies: ["Nb": -9])),
            .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.2, -0.1, 0.05, 0.01])),
            .embedding(embedding), .embedding(twin),
        ])
}

/// A random triclinic cell with `n` atoms at least `minimumDistance` apart.
public func randomTriclinic(atoms n: Int, seed: UInt64, scale: Double = 7.0, minimumDistance: Double = 2.2) -> Structure
{
    var rng = SeededGenerator(seed: seed)
    let a = Vec3(scale, 0, 0)
    let b = Vec3(Double.random(in: -1.5...1.5, using: &rng), scale * 0.95, 0)
    let c = Vec3(Double.random(in: -1.5...1.5, using: &rng), Double.random(in: -1.5...1.5, using: &rng), scale * 1.05)
    let cell = Matrix3(a, b, c)
    var positions: [Vec3] = []
    while positions.count < n {
        let f = Vec3(
            Double.random(in: 0..<1, using: &rng), Double.random(in: 0..<1, using: &rng),
            Double.random(in: 0..<1, using: &rng))
        let x = cell.leftMultiply(f)
        let trial = Structure(
            cell: cell, positions: positions + [x],
            elements: Array(repeating: Element(symbol: "Nb")!, count: positions.count + 1))
        let list = NeighbourList(trial, cutoff: minimumDistance)
        if list.neighbours(of: positions.count).isEmpty { positions.append(x) }
    }
    return Structure(
        cell: cell, positions: positions, elements: Array(repeating: Element(symbol: "Nb")!, count: n),
        source: "random triclinic \(seed)")
}

public func energy(_ model: CompositeModel, _ s: Structure) -> Double { try! model.predict(s).energy }

/// `structures` labelled exactly by `model`: its energies, forces and stresses as the DFT values.
public func labelled(_ structures: [Structure], by model: CompositeModel) throws -> Dataset {
    Dataset(
        try structures.map { s in
            var labelled = s
            let p = try model.predict(s)
            labelled.energy = p.energy
            labelled.forces = p.forceVectors
            labelled.stress = p.stress(volume: s.volume)
            return labelled
        })
}

/// This test process's scratch folder, `mosaic-tests-<pid>` in the system's temporary directory: every file a test
/// writes goes here, and the folder is removed when the process exits, so `make test` leaves nothing behind.
public let scratchRoot: String = {
    let path = NSTemporaryDirectory() + "mosaic-tests-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { removeScratchRoot() }
    return path
}()

private func removeScratchRoot() {
    try? FileManager.default.removeItem(atPath: scratchRoot)
}

/// The path of `name` in the scratch folder (nothing is created there).
public func scratchPath(_ name: String) -> String { scratchRoot + "/" + name }

/// A fresh, empty folder `name` in the scratch folder.
public func scratchFolder(_ name: String) -> String {
    let path = scratchPath(name)
    try? FileManager.default.removeItem(atPath: path)
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to a file `name` in the scratch folder and returns its path.
public func temporaryFile(_ text: String, name: String) -> String {
    let path = scratchPath(name)
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Runs `body` and returns the MosaicError it throws (fails the caller if it throws nothing).
public func mosaicError(_ body: () throws -> Void) -> MosaicError? {
    do { try body() } catch let error as MosaicError { return error } catch { return nil }
    return nil
}

/// Runs `executable` with `arguments` in `folder` (default: the current directory), with `environment`
/// added to the inherited one; returns its exit status and what it printed (standard output and error).
public func runProcess(
    _ executable: String, _ arguments: [String], in folder: String? = nil, environment: [String: String] = [:]
) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}
