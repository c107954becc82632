import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties

/// A physical property of the model with its derivative with respect to the fit parameters.
public struct PropertyGradient: Sendable {
    public var name: String
    public var unit: String
    public var value: Double
    /// dP/dθ_q for every internal (fit) parameter q of the model, fixed ones included.
    public var gradient: [Double]
    /// How the gradient was obtained.
    public var method: String

    public init(name: String, unit: String, value: Double, gradient: [Double], method: String) {
        self.name = name
        self.unit = unit
        self.value = value
        self.gradient = gradient
        self.method = method
    }
}

/// A property with its propagated uncertainty: value ± sigma.
public struct PropertyUncertainty: Codable, Sendable {
    public var name: String
    public var unit: String
    public var value: Double
    public var sigma: Double
    /// Share of the gradient's direction in sloppy Fisher modes; ≥ ½: poorly determined (see
    /// `FisherAnalysis.predictionUncertainty`).
    public var sloppyShare: Double
    public var method: String

    public var isPoorlyDetermined: Bool { sloppyShare >= 0.5 }
}

/// Gradients of the physical properties of `PropertyReport` with respect to the fit parameters,
/// named as in its table:
/// - perfect crystals (bcc lattice constant, energy at equilibrium, EOS bulk modulus, C11/C12/C44 on
///   the strained DFT cells, fcc/hcp/A15 − bcc): central differences in θ, each property recomputed
///   from scratch (step `relativeStep` · max(1, |θ_q|)), parameters in parallel;
/// - relaxed surface energies (FIRE from the DFT slabs, as in the report) and the relaxed vacancy:
///   the exact dE/dθ at the relaxed geometry (the forces vanish there, so the relaxation does not
///   change the energy to first order), with the bulk term at the same lattice constant. The
///   vacancy is differentiated at fixed lattice constant a0.
public enum PropertyGradients {
    static let crystalNames: [(String, String)] = [
        ("lattice constant", "Å"), ("energy at equilibrium", "eV/atom"), ("bulk modulus (EOS)", "GPa"),
        ("C11", "GPa"), ("C12", "GPa"), ("C44", "GPa"),
        ("E(fcc) − E(bcc)", "eV/atom"), ("E(hcp) − E(bcc)", "eV/atom"), ("E(A15) − E(bcc)", "eV/atom"),
    ]

    /// The perfect-crystal properties, in `crystalNames` order.
    static func crystalProperties(_ model: CompositeModel, unstrained: Structure, elastic: [Structure]) throws
        -> [Double]
    {
        let calculator = PropertyCalculator(model: model)
        let a0 = try calculator.latticeConstant(guess: unstrained.cell.a.x)
        let elasticConstants = try CubicElasticConstants.fit(
            cells: elastic, reference: unstrained.cell, maxStrain: 0.02
        ) { s in
            try model.predict(s).stress(volume: s.volume)
        }
        return [
            a0, try calculator.bccEnergy(a: a0), try calculator.equationOfState(a0: a0).bulkModulus,
            elasticConstants.c11, elasticConstants.c12, elasticConstants.c44,
        ] + (try calculator.phaseDifferences(a0: a0).map(\.energy))
    }

    /// `relaxed`: geometries already relaxed with this model, by property name (`PropertyReport.relaxedStructures`);
    /// the others are relaxed here.
    public static func compute(
        model: CompositeModel, elastic: [Structure], surfaces: [Structure], vacancyCells: Int = 4,
        relaxed known: [String: Structure] = [:],
        relativeStep: Double = 1e-4, progress: (String) -> Void = { _ in }
    ) throws -> [PropertyGradient] {
        let unstrained = try PropertyReport.unstrainedCell(elastic)
        let theta = model.internalParameters
        let p = theta.count
        progress("perfect-crystal properties: central differences over \(p) parameters")
        let values = try crystalProperties(model, unstrained: unstrained, elastic: elastic)
        let differences = parallelMap(Array(0..<p)) { q -> Result<[Double], Error> in
            Result {
                let h = relativeStep * max(1, abs(theta[q]))
                var plus = model
                var minus = model
                plus.internalParameters[q] += h
                minus.internalParameters[q] -= h
                let up = try crystalProperties(plus, unstrained: unstrained, elastic: elastic)
                let down = try crystalProperties(minus, unstrained: unstrained, elastic: elastic)
                return zip(up, down).map { ($0 - $1) / (2 * h) }
            }
        }
        let columns = try differences.map { try $0.get() }
        var result = crystalNames.enumerated().map { k, entry in
            PropertyGradient(
                name: entry.0, unit: entry.1, value: values[k], gradient: columns.map { $0[k] },
                method: "central differences in θ")
        }
        // Relaxed structures: dE/dθ at the relaxed geometry.
        let calculator = PropertyCalculator(model: model)
        let jacobian = JacobianEvaluator(model: model)
        func energyGradient(_ s: Structure) throws -> (energy: Double, gradient: [Double]) {
            let j = jacobian.jacobian(
                species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff))
            return (j.prediction.energy, j.energy)
        }
        let bulkCell = Crystal.bcc(calculator.element, a: unstrained.cell.a.x)
        let bulk = try energyGradient(bulkCell)
        let atoms = Double(bulkCell.count)
        for slab in surfaces where slab.energy != nil {
            let facet = PropertyCalculator.facetName(slab)
            let relaxed =
                try known["surface (\(facet))"]
                ?? {
                    progress("surface (\(facet)): relaxing \(slab.count) atoms")
                    return try calculator.relaxation.relax(slab, model: model).structure
                }()
            let e = try energyGradient(relaxed)
            // The surface energy is linear in the slab and bulk energies: the same map takes their gradients.
            func surfaceEnergy(_ slabEnergy: Double, _ bulkEnergy: Double) -> Double {
                PropertyCalculator.surfaceEnergy(slab: slab, energy: slabEnergy, bulkEnergyPerAtom: bulkEnergy / atoms)
            }
            result.append(
                PropertyGradient(
                    name: "surface (\(facet))", unit: "J/m²", value: surfaceEnergy(e.energy, bulk.energy),
                    gradient: (0..<p).map { surfaceEnergy(e.gradient[$0], bulk.gradient[$0]) },
                    method: "dE/dθ at the relaxed slab"))
        }
        if vacancyCells > 0 {
            let a0 = values[0]
            let (perfect, defect) = calculator.vacancyCells(a0: a0, cells: vacancyCells)
            let relaxed =
                try known["vacancy formation"].flatMap { $0.count == defect.count ? $0 : nil }
                ?? {
                    progress("vacancy: relaxing \(defect.count) atoms")
                    return try calculator.relaxation.relax(defect, model: model).structure
                }()
            let e = try energyGradient(relaxed)
            let e0 = try energyGradient(perfect)
            let ratio = Double(perfect.count - 1) / Double(perfect.count)
            result.append(
                PropertyGradient(
                    name: "vacancy formation", unit: "eV", value: e.energy - ratio * e0.energy,
                    gradient: (0..<p).map { e.gradient[$0] - ratio * e0.gradient[$0] },
                    method: "dE/dθ at the relaxed vacancy, lattice constant held"))
        }
        return result
    }
}

extension FisherAnalysis {
    /// σ of each property from its gradient: σ² = gᵀ s² FIM⁺ g (every mode above the pseudo-inverse
    /// floor), with the share of σ² from sloppy directions.
    public func propagate(_ properties: [PropertyGradient]) -> [PropertyUncertainty] {
        properties.map { property in
            let (sigma, share) = predictionUncertainty(analysisGradient { property.gradient[$0] })
            return PropertyUncertainty(
                name: property.name, unit: property.unit, value: property.value, sigma: sigma, sloppyShare: share,
                method: property.method)
        }
    }
}

/// The propagated uncertainty of one structure group's predictions (its first structure).
public struct GroupUncertainty: Codable, Sendable {
    public var group: String
    /// Predicted energy per atom (eV/atom) and its σ.
    public var energyPerAtom: Double
    public var energySigma: Double
    /// RMS σ of the force components (at most 30 of them), eV/Å.
    public var forceSigma: Double
}

extension FisherAnalysis {
    /// Energy-per-atom and RMS force-component σ for the first structure of each group of `data`, in
    /// natural group order.
    public func groupUncertainties(_ data: PreparedDataset) -> [GroupUncertainty] {
        let jacobian = JacobianEvaluator(model: model)
        var seen = Set<String>()
        var result: [GroupUncertainty] = []
        for k in 0..<data.count where seen.insert(data.dataset.structures[k].group).inserted {
            let s = data.dataset.structures[k]
            let j = jacobian.jacobian(species: data.species[k], neighbours: data.neighbours[k])
            let p = model.parameterCount
            let energy = analysisGradient { j.energy[$0] / Double(s.count) }
            let rows = min(3 * s.count, 30)
            var squares = 0.0
            for row in 0..<rows {
                let g = analysisGradient { j.forces[row * p + $0] }
                squares += pow(predictionSigma(g), 2)
            }
            result.append(
                GroupUncertainty(
                    group: s.group, energyPerAtom: j.prediction.energy / Double(s.count),
                    energySigma: predictionSigma(energy), forceSigma: (squares / Double(max(rows, 1))).squareRoot()))
        }
        return result.sorted { $0.group.compare($1.group, options: .numeric) == .orderedAscending }
    }
}
