import ArgumentParser
import Foundation
import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicModel
import MosaicNumerics

extension MosaicCommand {
    struct Select: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pick the structures a DFT calculation would teach a potential most (active learning).",
            discussion: prose(
                """
                Reads candidate structures (LAMMPS text dumps, extended XYZ or MVL JSON), computes every atom's
                extrapolation grade γ with the potential's uncertainty section (γ ≤ 1: inside the training
                atoms' span), keeps the candidates with a largest γ above --threshold (at least --count of
                them, by γ), and picks --count of those greedily by D-optimality: each pick adds most to the
                log-determinant of the span of per-atom energy gradients, given the training data and the
                earlier picks, so near-duplicate frames are not picked twice. Writes the picks as extended XYZ
                for the DFT workflow and prints, per pick, γ before and after the earlier picks and the gain.

                Example (frames dumped by MD that fix halt stopped on the grade):
                  mosaic select --model potentials/Nb.json --from md.dump --elements Nb \\
                                --count 5 --output candidates.extxyz
                """))

        @Option(help: "The potential (a file written by mosaic fit or mosaic design, format 2 or newer).")
        var model: String
        @Option(
            parsing: .upToNextOption,
            help: "Candidate files: LAMMPS text dumps (dump custom with x y z; any name), .xyz/.extxyz or .json.")
        var from: [String]
        @Option(
            parsing: .upToNextOption,
            help: "For dumps without an element column: the element of each atom type, type 1 first.")
        var elements: [String] = []
        @Option(help: "How many structures to pick.")
        var count = 10
        @Option(help: "Candidates whose largest grade exceeds this form the pool (at least --count are kept).")
        var threshold = 1.0
        @Option(help: "Where to write the picked structures (extended XYZ).")
        var output: String

        func validate() throws {
            guard !from.isEmpty else { throw ValidationError("--from needs at least one candidate file") }
            guard count >= 1 else { throw ValidationError("--count must be at least 1") }
            guard threshold.isFinite, threshold >= 0 else { throw ValidationError("--threshold must be ≥ 0") }
            for symbol in elements where Element(symbol: symbol) == nil {
                throw ValidationError("--elements: '\(symbol)' is not an element symbol")
            }
            try checkWritable(output, option: "--output")
        }

        func run() throws {
            try reportingErrors {
                let (file, uncertainty) = try potentialWithUncertainty(model, for: "select")
                let dump = LAMMPSDump(elements: elements.compactMap { Element(symbol: $0) })
                var candidates: [Structure] = []
                for path in from {
                    switch (path as NSString).pathExtension.lowercased() {
                    case "json", "xyz", "extxyz": candidates += try Dataset.load([path]).structures
                    default: candidates += try dump.read(path: path)
                    }
                }
                let started = Date()
                let selection = try ActiveSelection(
                    candidates: candidates, model: file.model, data: uncertainty, count: count, threshold: threshold)
                let above = selection.grades.filter { $0 > threshold }.count
                print(
                    String(
                        format: "%d candidates from %d files: largest γ %.2f, %d above %.2f (%.1f s)",
                        candidates.count, from.count, selection.grades.max() ?? 0, above, threshold,
                        Date().timeIntervalSince(started)))
                let widths = [6, 10, 12, 10]
                print(
                    TextTable.pad("pick", 5) + TextTable.pad("structure", 40)
                        + TextTable.right(
                            ["atoms", "max γ", "γ | earlier", "gain"], widths))
                for (n, pick) in selection.picks.enumerated() {
                    print(
                        TextTable.pad("\(n + 1)", 5) + TextTable.pad(pick.source, 40)
                            + TextTable.right(
                                [
                                    "\(pick.atoms)", String(format: "%.2f", pick.maxGrade),
                                    String(format: "%.2f", pick.maxGradeAfterEarlierPicks),
                                    String(format: "%.2f", pick.gain),
                                ], widths))
                }
                print(
                    "max γ: largest extrapolation grade against the training span; γ | earlier: the same with the"
                        + " earlier picks added to the span; gain: log-det gain of the span (nats); the uncertainty"
                        + " volume shrinks by exp(−gain/2)")
                let picked = selection.picks.map { candidates[$0.index] }
                try AtomicFile.write(ExtXYZ.format(picked), to: output)
                print("wrote \(picked.count) structures to \(output)")
            }
        }
    }
}
