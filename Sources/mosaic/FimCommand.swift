import ArgumentParser
import Foundation
import MosaicCore
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties
import MosaicReports

extension MosaicCommand {
    struct Fim: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fim",
            abstract:
                "Fisher-information analysis of a potential: stiff and sloppy parameter directions, uncertainties.",
            discussion: prose(
                """
                FIM = JᵀWJ of the weighted residuals of the fit, at the potential's parameters: the loss
                weights and held-out groups recorded in the potential file are used (defaults for a bare model
                description), so the held-out structures are left out of --data. Prints the eigenvalue spectrum
                summary (condition number, log det, sloppy modes below --threshold · λ_max), the parameters that
                dominate the sloppiest modes (and, where round-off does not tell their eigenvalues apart, the
                parameters that span them), each term's share of the stiff subspace, parameter standard errors
                (s² FIM⁺) and the propagated uncertainty of energies and forces per group and of the physical
                properties of `mosaic properties` (value ± σ; skip them with --elastic ""). Writes an SVG of the
                spectrum.

                Example:
                  mosaic fim potentials/Nb.json \\
                             --data data/nb/Nb_AIMD.json data/nb/Nb_Elastic.json
                """))

        @Argument(help: "A potential file (or model description).")
        var potential: String
        @OptionGroup var dataOptions: DataOptions
        @Option(help: "Relative eigenvalue below which a mode counts as sloppy.")
        var threshold = 1e-6
        @Option(
            help: ArgumentHelp(
                "Coordinates: relative (d/d log|value|, default: comparable across units), natural (parameter"
                    + " units) or fit (the optimiser's).")
        )
        var coordinates: FisherAnalysis.Coordinates = .relative
        @Option(help: "Strained cells for the property uncertainties (empty: skip properties).")
        var elastic = shippedData(["Nb_Elastic.json"])[0]
        @Option(help: "Relaxed DFT slabs for the surface-energy uncertainties.")
        var surfaces = shippedData(["Nb_Surface.json"])[0]
        @Option(help: "Where to write the spectrum SVG (default: <name>-fim.svg in the working directory).")
        var plot: String?
        @Flag(help: "Print machine-readable JSON.")
        var json = false

        func validate() throws {
            guard threshold > 0, threshold < 1 else {
                throw ValidationError("--threshold must lie between 0 and 1 (a fraction of the largest eigenvalue)")
            }
        }

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let (model, loss) = try loadModelAndLoss(potential)
                if !json { print(loss.description) }
                let all = try PreparedDataset(try dataOptions.load(), model: model)
                let prepared = loss.training(all)
                let fim = try FisherAnalysis(
                    model: model, data: prepared, weights: loss.weights, coordinates: coordinates,
                    sloppyThreshold: threshold
                )
                // Every group's first structure, held-out ones included.
                let uncertainty = fim.groupUncertainties(all)
                var properties: [PropertyUncertainty] = []
                if !elastic.isEmpty {
                    let gradients = try PropertyGradients.compute(
                        model: model, elastic: try Dataset.load([elastic]).structures,
                        surfaces: surfaces.isEmpty ? [] : try Dataset.load([surfaces]).structures
                    ) { step in
                        if !json { FileHandle.standardError.write(Data("… \(step)\n".utf8)) }
                    }
                    properties = fim.propagate(gradients)
                }
                let path = plot ?? defaultOutput(for: potential, suffix: "-fim.svg")
                try AtomicFile.write(
                    spectrumSVG(
                        eigenvalues: fim.eigenvalues, threshold: threshold,
                        title: "FIM spectrum: \((potential as NSString).lastPathComponent)"), to: path)
                if json {
                    var report = FimReport(fim, uncertainty, properties)
                    report.speciesEvidence = try SpeciesEvidence.compute(fim)
                    report.blockPairs = try SpeciesEvidence.pairs(fim)
                    report.termEvidence = try TermEvidence.compute(fim)
                    let encoder = JSONEncoder.mosaic
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                    return
                }
                print(
                    "Fisher information of \(potential): \(fim.parameterCount) parameters, \(fim.residualCount)"
                        + " residual rows, \(fim.coordinates.rawValue) coordinates"
                )
                print(
                    String(
                        format:
                            "λ_max %.4e  λ_min %.4e  condition number %.3e  log det %.2f  residual variance s² %.4f",
                        fim.largestEigenvalue, fim.eigenvalues.first ?? 0, fim.conditionNumber, fim.logDeterminant,
                        fim.residualVariance))
                print(
                    "sloppy modes (λ < \(threshold) λ_max): \(fim.sloppyModes.count); well-determined parameter"
                        + " combinations: \(fim.wellDetermined) of \(fim.parameterCount)"
                )
                print("\nsloppiest modes (λ/λ_max: dominant parameters)")
                for k in 0..<min(5, fim.parameterCount) {
                    let parts = fim.dominantParameters(ofMode: k).map {
                        String(format: "%@ %+.2f", $0.name as NSString, $0.component)
                    }
                    print(
                        String(format: "  %.2e  ", fim.eigenvalues[k] / fim.largestEigenvalue)
                            + parts.joined(separator: ", "))
                }
                // Modes whose eigenvalues round-off does not tell apart: their eigenvectors are one basis of many.
                for cluster in fim.clusters(of: fim.sloppyModes) where cluster.count >= 2 && cluster[0] < 5 {
                    let pivots = fim.pivots(ofModes: cluster)
                    print(
                        "  (modes \(cluster[0] + 1)–\(cluster[cluster.count - 1] + 1): eigenvalues within round-off"
                            + " of each other, so their eigenvectors are one basis of many; the parameters that span"
                            + " them, most first: \(pivots.map { fim.parameterNames[$0] }.joined(separator: ", ")))")
                }
                print("\nshare of each term in the stiff subspace")
                for entry in fim.termInformation() {
                    print(
                        TextTable.pad("  " + entry.term, 24)
                            + TextTable.right(
                                ["\(entry.parameters) params", String(format: "%.3f", entry.share)], [12, 8]))
                }
                print("\nterms: do the data need each one?")
                print(TermEvidence.table(try TermEvidence.compute(fim)))
                let evidence = try SpeciesEvidence.compute(fim)
                if !evidence.isEmpty {
                    print("\nspecies blocks: does the data tell each block from its term's other blocks?")
                    print(SpeciesEvidence.table(evidence))
                    print("\nclosest species blocks of each term (candidates to fuse):")
                    print(SpeciesEvidence.pairsTable(try SpeciesEvidence.pairs(fim)))
                }
                print(
                    "\nparameters: natural values, standard errors from s² FIM⁺ (\(fim.coordinates.rawValue)"
                        + " coordinates; relative errors in %)"
                )
                let allValues = coordinates == .fit ? model.internalParameters : model.naturalParameters
                let values = fim.parameterIndices.map { allValues[$0] }
                if let fixed = model.fixed, !fixed.isEmpty {
                    print("  (fixed, not analysed: \(fixed.joined(separator: ", ")))")
                }
                for group in model.fused ?? [] {
                    print("  (fused: \(group.joined(separator: " = ")), analysed as \(group[0]))")
                }
                let sloppyWeights = fim.sloppyWeights
                let undetermined = fim.undeterminedWeights
                let determinedErrors = fim.determinedStandardErrors()
                for (k, name) in fim.parameterNames.enumerated() {
                    // Standard error in the parameter's own units, over the determined modes.
                    let se = determinedErrors[k] * (coordinates == .relative ? max(abs(values[k]), 1e-12) : 1)
                    // A share of the parameter in directions below the floor: σ is infinite along it.
                    let unfixed = undetermined[k] >= 1e-6
                    var note =
                        sloppyWeights[k] >= 0.5
                        ? String(format: "  poorly determined (%.0f%% in sloppy modes)", 100 * sloppyWeights[k]) : ""
                    if unfixed { note += String(format: "  *%.1e unfixed", undetermined[k]) }
                    print(
                        TextTable.pad("  " + name, 30)
                            + TextTable.right(
                                [
                                    String(format: "%.6g", values[k]),
                                    String(format: "± %.3g", se) + (unfixed ? "*" : ""),
                                    abs(values[k]) > 0 ? String(format: "%.1f%%", 100 * se / abs(values[k])) : "-",
                                ], [14, 12, 10]) + note)
                }
                print(
                    String(
                        format: "  (σ from s² FIM⁺ over every mode above %.0e λ_max, sloppy ones included;"
                            + " \"poorly determined\": half or more of the parameter in sloppy modes; *w unfixed: the"
                            + " share w of the parameter in directions below that floor, along which σ is infinite)",
                        FisherAnalysis.pseudoInverseFloor))
                print("\npropagated uncertainty (first structure of each group)")
                for u in uncertainty {
                    print(
                        TextTable.pad("  " + u.group, 26)
                            + String(
                                format: "E %.3f ± %.4f meV/atom   |F| rms σ %.4f eV/Å", u.energyPerAtom * 1000,
                                u.energySigma * 1000, u.forceSigma))
                }
                if !properties.isEmpty {
                    print(
                        "\nproperties ± propagated σ (s² FIM⁺; * poorly determined: half or more of its"
                            + " gradient in sloppy modes)"
                    )
                    for u in properties {
                        print(
                            TextTable.pad("  " + u.name, 26)
                                + TextTable.right(
                                    [
                                        String(format: "%.4f", u.value),
                                        String(format: "± %.4f", u.sigma) + (u.isPoorlyDetermined ? "*" : " "), u.unit,
                                    ], [12, 13, 9])
                                + "   " + u.method)
                    }
                }
                print("\nspectrum plot: \(path)")
            }
        }
    }
}

struct FimReport: Encodable {
    var coordinates: String
    var parameterNames: [String]
    var eigenvalues: [Double]
    var conditionNumber: Double
    var logDeterminant: Double
    var sloppyModes: Int
    var wellDetermined: Int
    var residualVariance: Double
    var standardErrors: [Double]
    /// Per parameter: at least half of it lies in sloppy modes.
    var poorlyDetermined: [Bool]
    /// The parameters that span the directions the data do not fix at all (below the pseudo-inverse floor), the one
    /// that lies most in them first (independent of the basis round-off gives those directions).
    var undeterminedPivots: [String]
    var termShares: [String: Double]
    var uncertainty: [GroupUncertainty]
    var properties: [PropertyUncertainty]

    /// Fisher evidence of each species block of a species-resolved term.
    var speciesEvidence: [SpeciesEvidence] = []
    /// Fisher evidence of each pair of blocks of a species-resolved term, closest first.
    var blockPairs: [SpeciesEvidence.BlockPair] = []
    /// Fisher evidence that each term is needed (its amplitudes against zero).
    var termEvidence: [TermEvidence] = []

    init(_ fim: FisherAnalysis, _ uncertainty: [GroupUncertainty], _ properties: [PropertyUncertainty]) {
        self.properties = properties
        coordinates = fim.coordinates.rawValue
        parameterNames = fim.parameterNames
        eigenvalues = fim.eigenvalues
        conditionNumber = fim.conditionNumber
        logDeterminant = fim.logDeterminant
        sloppyModes = fim.sloppyModes.count
        wellDetermined = fim.wellDetermined
        residualVariance = fim.residualVariance
        standardErrors = fim.standardErrors
        poorlyDetermined = fim.poorlyDetermined
        undeterminedPivots = fim.undeterminedPivots.map { fim.parameterNames[$0] }
        termShares = Dictionary(uniqueKeysWithValues: fim.termInformation().map { ($0.term, $0.share) })
        self.uncertainty = uncertainty
    }
}

extension FisherAnalysis.Coordinates: ExpressibleByArgument {}
