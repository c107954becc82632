import ArgumentParser
import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel

extension MosaicCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a potential as setfl tables (eam/alloy, eam/fs) for MD codes without the plug-in.",
            discussion: prose(
                """
                Tabulates a potential of EAM form — reference energies, pair terms (pair-spline, morse,
                born-mayer), one embedding term and the ZBL core — as a setfl file for LAMMPS's pair_style
                eam/alloy or eam/fs (also read by GPUMD, ASAP, ASE's EAM calculator). The eam/fs file repeats
                each element's density for every centre element (Mosaic's densities depend on the neighbour).
                Exact to the tables' interpolation wherever no pair is closer than the core's outer radius (every
                training structure); inside the core the tables blend pair by pair (see README). Three-body and
                angular terms have no EAM form: such potentials are refused with the term named.

                Example:
                  mosaic export --model NbEAM.json --output NbEAM.eam.alloy
                  # LAMMPS: pair_style eam/alloy
                  #         pair_coeff * * NbEAM.eam.alloy Nb
                  mosaic export --model NbEAM.json --format eam/fs --output NbEAM.fs
                """))

        @Option(help: "A potential file (or model description).")
        var model: String
        @Option(help: "Table format: eam/alloy or eam/fs.")
        var format: EAMTables.Format = .eamAlloy
        @Option(help: "Points of the r and ρ grids.")
        var points = 10000
        @Option(help: "Where to write the table.")
        var output: String

        func validate() throws {
            guard points >= 100 else { throw ValidationError("--points must be at least 100") }
            try checkWritable(output, option: "--output")
        }

        func run() throws {
            try reportingErrors {
                let potential = try loadModel(model)
                let style = format.rawValue
                let name = URL(fileURLWithPath: model).lastPathComponent
                let symbols = potential.elements.map(\.symbol).joined(separator: " ")
                let tables = try EAMTables(model: potential, rCount: points, rhoCount: points)
                try AtomicFile.write(
                    tables.setfl(
                        comments: [
                            "Mosaic \(PotentialFile.mosaicVersion): \(name) as \(style)",
                            "metal units; exact beyond the ZBL core's outer radius; see the Mosaic README",
                            "made with: mosaic export --model \(model) --format \(style) --points \(points)",
                        ], format: format), to: output)
                print(
                    "wrote \(output): \(style) for \(symbols), cutoff \(potential.cutoff) Å, \(points) points"
                        + "\nLAMMPS: pair_style \(style) / pair_coeff * * \(output) \(symbols)")
            }
        }
    }
}

extension EAMTables.Format: ExpressibleByArgument {}
