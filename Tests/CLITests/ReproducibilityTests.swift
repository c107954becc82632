import Foundation
import MosaicFiles
import MosaicTestSupport
import XCTest

/// What "reproducible" means for a fit: bit for bit on one machine; across machines, OpenBLAS picks a
/// different kernel for the CPU (summation order changes), and the parameters agree to 1e-8 relative.
/// OPENBLAS_CORETYPE makes this machine run the kernels of other CPUs.
extension CommandTests {
    func fit(kernel: String?, output: String) throws -> [Double] {
        let run = try mosaic(
            [
                "fit", "--model", "potentials/Nb.json", "--data", "data/nb/Nb_AIMD.json", "data/nb/Nb_Elastic.json",
                "--hold-out", "Nb_AIMD/Md/1000K", "--no-stages", "--max-iterations", "12", "--no-plots",
                "--energy-tolerance", "0.003", "--output", output,
            ], environment: kernel.map { ["OPENBLAS_CORETYPE": $0] } ?? [:])
        XCTAssertEqual(run.status, 0, run.output)
        return try PotentialFile.read(path: output).model.naturalParameters
    }

    func testFitAgreesAcrossBLASKernelsToTheStatedTolerance() throws {
        let folder = scratchFolder("repro")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let native = try fit(kernel: nil, output: folder + "/native.json")
        let again = try fit(kernel: nil, output: folder + "/again.json")
        XCTAssertEqual(native, again, "the same machine and kernel give the same bits")
        // Prescott: SSE3 kernels; Haswell: AVX2 + FMA (when this CPU has them).
        var kernels = ["Prescott"]
        if flags.contains(" avx2") && flags.contains(" fma") { kernels.append("Haswell") }
        var largest = 0.0
        for kernel in kernels {
            let other = try fit(kernel: kernel, output: folder + "/\(kernel).json")
            for (a, b) in zip(native, other) { largest = max(largest, abs(a - b) / max(abs(a), 1e-3)) }
        }
        XCTAssertLessThan(largest, 1e-8, "largest relative parameter difference across kernels \(kernels)")
        print("largest relative parameter difference across kernels \(kernels): \(largest)")
    }

    /// Where the sloppiest eigenvalues are closer than round-off resolves, the design loop fixes their subspace's
    /// pivots, not the dominant parameter of an eigenvector: two identical embeddings leave a plane of exact zero
    /// modes whose eigenvectors each CPU kernel returns in another basis (the sloppiest one's dominant parameter, the
    /// old rule's choice, was twin.A with this machine's own kernel and twin.density.beta with Prescott's and
    /// Haswell's), but whose pivots (hand-derived: the first term's A, then its β; each of the four parameters has
    /// half its direction in the plane) are the same on every kernel.
    func testUndeterminedPivotsAgreeAcrossBLASKernels() throws {
        let density = "{family: exponential, values: [2.5], r0: 2.86}"
        let model = temporaryFile(
            """
            elements: [Nb]
            terms:
              - {type: reference, energies: {Nb: -9}}
              - {type: pair-spline, inner: 2.0, cutoff: 5.0, coefficients: [0.2, -0.1, 0.05, 0.01]}
              - {type: embedding, cutoff: 5.0, form: sqrt, coefficients: [1.5], density: \(density)}
              - {type: embedding, name: twin, cutoff: 5.0, form: sqrt, coefficients: [1.5], density: \(density)}
            """, name: "twin-embeddings.yaml")
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var kernels: [String?] = [nil, "Prescott"]
        if flags.contains(" avx2") && flags.contains(" fma") { kernels.append("Haswell") }
        for kernel in kernels {
            let run = try mosaic(
                [
                    "fim", model, "--data", "data/nb/Nb_Elastic.json", "data/nb/Nb_Surface.json", "--elastic", "",
                    "--json",
                ],
                environment: kernel.map { ["OPENBLAS_CORETYPE": $0] } ?? [:])
            XCTAssertEqual(run.status, 0, run.output)
            let report = try json(run.output)
            XCTAssertEqual(
                report["undeterminedPivots"] as? [String], ["embedding.A", "embedding.density.beta"],
                "kernel \(kernel ?? "native")")
        }
    }
}
