import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicNumerics

/// Fisher information analysis of a fitted composite model.
///
/// FIM = JᵀWJ from the same weighted residuals as the loss (no ridge), at the fitted parameters,
/// in the coordinates the fit uses (θ, log for positive scales) or in natural units
/// (FIM_nat = D⁻¹ FIM_θ D⁻¹ with D = diag(d value / dθ)). Its eigen-decomposition shows stiff
/// and sloppy parameter directions; its inverse, scaled by the residual variance, gives
/// parameter covariances (Cramér–Rao / Laplace) that propagate to predictions.
public struct FisherAnalysis {
    /// `fit`: the optimiser's θ; `natural`: parameter values in their units; `relative`: d/d log|value|
    /// (natural FIM scaled by |value| on both sides), which makes parameters of different units comparable.
    public enum Coordinates: String, Codable, Sendable, CaseIterable { case fit, natural, relative }

    public let model: CompositeModel
    public let coordinates: Coordinates
    /// Positions in the model's parameter vector of the analysed parameters: the fitted ones
    /// (the model's `fixed` parameters are constants, not unknowns).
    public let parameterIndices: [Int]
    /// The parameters that take each analysed coordinate's value (its fused group, or itself).
    public let parameterGroups: [[Int]]
    public let parameterNames: [String]
    /// d/dθ → d/d(coordinate) factor of each analysed parameter.
    public let coordinateScale: [Double]
    /// Row-major P x P.
    public let matrix: [Double]
    /// Ascending.
    public let eigenvalues: [Double]
    /// Row k is the eigenvector of eigenvalues[k].
    public let eigenvectors: [Double]
    /// Residual variance s² = 2C / (rows − P): the scale of the covariance.
    public let residualVariance: Double
    public let residualCount: Int
    /// Eigenvalues below `sloppyThreshold` · λ_max are sloppy.
    public let sloppyThreshold: Double

    public var parameterCount: Int { parameterNames.count }

    /// Computes the FIM of `model` on `data` with the loss `weights`.
    public init(
        model: CompositeModel, data: PreparedDataset, weights: FitWeights, coordinates: Coordinates = .fit,
        sloppyThreshold: Double = 1e-6
    ) throws {
        self.model = model
        self.coordinates = coordinates
        self.sloppyThreshold = sloppyThreshold
        parameterGroups = model.fittedParameterGroups
        parameterIndices = parameterGroups.map { $0[0] }
        parameterNames = parameterIndices.map { model.parameterNames[$0] }
        let problem = LeastSquaresProblem(model: model, data: data, weights: weights)
        guard problem.residualCount > 0 else {
            throw MosaicError(
                "no labelled structures to compute the Fisher information on (\(data.count) structures)",
                fix: "give data files with energies or forces (--data), and check the potential's recorded hold-out")
        }
        guard !parameterIndices.isEmpty else {
            throw MosaicError("the model has no fitted parameters", fix: "remove some names from 'fixed'")
        }
        let p = parameterIndices.count
        let (a, _, cost) = problem.normalEquations(model.internalParameters, includeRidge: false)
        guard a.allSatisfy(\.isFinite), cost.isFinite else {
            // Name the structure that breaks it, rather than LAPACK's info code.
            let predictions = data.predictions(model)
            let bad = zip(data.dataset.structures, predictions).first { _, prediction in
                !prediction.energy.isFinite
                    || !prediction.forceVectors.allSatisfy { $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }
            }
            // Finite predictions but not derivatives: name the parameters whose column is not finite (a is p × p).
            let columns = (0..<p).filter { !a[$0 * p + $0].isFinite }
            let names = parameterNames
            let named = columns.prefix(4).map { names[$0] }
            throw MosaicError(
                location: bad.map { $0.0.source },
                "the model gives non-finite energies, forces or derivatives"
                    + (bad == nil ? " on these data" : " on this structure") + ": no Fisher information"
                    + (bad == nil && !named.isEmpty
                        ? " (non-finite derivatives by " + named.joined(separator: ", ")
                            + (columns.count > 4 ? " and \(columns.count - 4) more" : "") + ")" : ""),
                fix: "remove the structure or check the model's parameters")
        }
        var fim = a
        let allScales = FisherAnalysis.gradientScale(model, coordinates)
        let scale = parameterIndices.map { allScales[$0] }
        coordinateScale = scale
        for i in 0..<p { for k in 0..<p { fim[i * p + k] *= scale[i] * scale[k] } }
        matrix = fim
        (eigenvalues, eigenvectors) = try LinearAlgebra.symmetricEigen(fim, n: p)
        residualCount = problem.residualCount
        residualVariance = 2 * cost / Double(max(residualCount - p, 1))
    }

    /// Factor turning d/dθ (fit coordinates) into d/d(coordinate): 1, 1/(dvalue/dθ), |value|/(dvalue/dθ).
    public static func gradientScale(_ model: CompositeModel, _ coordinates: Coordinates) -> [Double] {
        zip(model.naturalParameters, model.transforms).map { value, transform in
            switch coordinates {
            case .fit: return 1
            case .natural: return 1 / transform.derivative(atNatural: value)
            case .relative: return max(abs(value), 1e-12) / transform.derivative(atNatural: value)
            }
        }
    }

    public var largestEigenvalue: Double { eigenvalues.last ?? 0 }

    /// λ_max / λ_min (infinite when the FIM is singular).
    public var conditionNumber: Double {
        let smallest = eigenvalues.first ?? 0
        return smallest > 0 ? largestEigenvalue / smallest : .infinity
    }

    /// log det FIM (−∞ when singular).
    public var logDeterminant: Double {
        eigenvalues.allSatisfy { $0 > 0 } ? eigenvalues.reduce(0) { $0 + log($1) } : -.infinity
    }

    /// Indices (into `eigenvalues`) of the sloppy modes.
    public var sloppyModes: [Int] {
        eigenvalues.indices.filter { eigenvalues[$0] < sloppyThreshold * largestEigenvalue }
    }

    /// Indices of the other modes: the directions the data determine.
    public var stiffModes: [Int] {
        eigenvalues.indices.filter { eigenvalues[$0] >= sloppyThreshold * largestEigenvalue }
    }

    /// Number of parameter combinations the data determine: eigenvalues above the threshold.
    public var wellDetermined: Int { parameterCount - sloppyModes.count }

    public func eigenvector(_ k: Int) -> ArraySlice<Double> {
        eigenvectors[(k * parameterCount)..<((k + 1) * parameterCount)]
    }

    /// The parameters that dominate mode k: (position in the model's parameter vector, name,
    /// component), largest |component| first.
    public func dominantParameters(ofMode k: Int, count: Int = 3) -> [(index: Int, name: String, component: Double)] {
        let v = Array(eigenvector(k))
        return v.indices.sorted { abs(v[$0]) > abs(v[$1]) }.prefix(count).map {
            (parameterIndices[$0], parameterNames[$0], v[$0])
        }
    }

    /// Share of each term's parameter block in the stiff subspace: Σ_{stiff k} Σ_{p ∈ term} v_kp², divided
    /// by the number of stiff modes (shares sum to 1).
    public func termInformation() -> [(term: String, parameters: Int, share: Double)] {
        let stiff = stiffModes
        return zip(model.terms, model.parameterRanges).map { term, range in
            let columns = parameterIndices.indices.filter { range.contains(parameterIndices[$0]) }
            var sum = 0.0
            for k in stiff {
                for q in columns { sum += eigenvectors[k * parameterCount + q] * eigenvectors[k * parameterCount + q] }
            }
            return (term.name, columns.count, stiff.isEmpty ? 0 : sum / Double(stiff.count))
        }
    }

    /// Eigenvalues below this fraction of λ_max are numerically zero (double precision, Jacobians
    /// accurate to ~1e-8 relative): those directions are not determined by the data at all.
    public static let pseudoInverseFloor = 1e-12

    /// Modes above the pseudo-inverse floor: sloppy modes included (their large variances are real).
    public var determinedModes: [Int] {
        eigenvalues.indices.filter { eigenvalues[$0] >= FisherAnalysis.pseudoInverseFloor * largestEigenvalue }
    }

    /// Covariance s² FIM⁺, the pseudo-inverse over every mode above `pseudoInverseFloor` (sloppy modes
    /// included, so poorly determined parameters get their large variances), row-major.
    public var covariance: [Double] {
        let p = parameterCount
        var c = [Double](repeating: 0, count: p * p)
        for k in determinedModes {
            let scale = residualVariance / eigenvalues[k]
            for i in 0..<p {
                for j in 0..<p { c[i * p + j] += scale * eigenvectors[k * p + i] * eigenvectors[k * p + j] }
            }
        }
        return c
    }

    /// Each parameter's weight in the sloppy subspace, Σ_{sloppy k} v_kp² (0…1).
    public var sloppyWeights: [Double] {
        let p = parameterCount
        let sloppy = sloppyModes
        return (0..<p).map { i in sloppy.reduce(0) { $0 + eigenvectors[$1 * p + i] * eigenvectors[$1 * p + i] } }
    }

    /// Parameters the data do not pin down one by one: at least half of the parameter's direction lies
    /// in sloppy modes (sloppy weight ≥ ½), or a direction it has weight in is not determined at all
    /// (infinite σ). The same rule as `predictionUncertainty` applies to predictions.
    public var poorlyDetermined: [Bool] {
        zip(sloppyWeights, standardErrors).map { weight, error in weight >= 0.5 || error.isInfinite }
    }

    /// Standard errors of the parameters in the analysis coordinates; infinite for a parameter with
    /// weight (≥ 1e-6) in a direction below the pseudo-inverse floor (not determined at all).
    public var standardErrors: [Double] {
        let c = covariance
        return zip(determinedStandardErrors(c), undeterminedWeights).map { se, weight in
            weight >= 1e-6 ? .infinity : se
        }
    }

    /// √ of the covariance's diagonal: each parameter's σ over the determined modes alone (finite even for a
    /// parameter with some weight in undetermined directions; `standardErrors` is then infinite).
    public func determinedStandardErrors(_ covariance: [Double]? = nil) -> [Double] {
        let c = covariance ?? self.covariance
        return (0..<parameterCount).map { c[$0 * parameterCount + $0].squareRoot() }
    }

    /// Each parameter's weight in the directions below the pseudo-inverse floor, Σ_k v_kp² over those modes
    /// (0…1): how much of it the data do not fix at all.
    public var undeterminedWeights: [Double] {
        let p = parameterCount
        let undetermined = undeterminedModes
        return (0..<p).map { i in
            undetermined.reduce(0) { $0 + eigenvectors[$1 * p + i] * eigenvectors[$1 * p + i] }
        }
    }

    /// Indices (into `eigenvalues`) of the modes below the pseudo-inverse floor: directions the data do not fix at all.
    public var undeterminedModes: [Int] {
        eigenvalues.indices.filter { eigenvalues[$0] < FisherAnalysis.pseudoInverseFloor * largestEigenvalue }
    }

    /// The parameters (analysis positions) that span the undetermined directions, one per such mode, the one with the
    /// largest share of them first: `FisherAnalysis.pivots` of the undetermined subspace. It depends on the subspace
    /// alone, not on the basis round-off gives its eigenvectors.
    public var undeterminedPivots: [Int] { pivots(ofModes: undeterminedModes) }

    /// The pivots (analysis positions) of the subspace that `modes` span: `FisherAnalysis.pivots` of their
    /// eigenvectors.
    public func pivots(ofModes modes: [Int]) -> [Int] {
        FisherAnalysis.pivots(basis: modes.map { Array(eigenvector($0)) })
    }

    /// Two computed eigenvalues closer than this fraction of λ_max are not told apart: double precision resolves an
    /// eigenvalue of the FIM only to about ε·λ_max (ε = 2.2e-16; OpenBLAS kernels of different CPUs move the
    /// sloppiest eigenvalues by a few 1e-17 λ_max), so within such a cluster any orthonormal basis of the modes is as
    /// good as the one returned.
    public static let eigenvalueResolution = 1e-15

    /// The modes (ascending) grouped into clusters whose neighbouring eigenvalues lie within `eigenvalueResolution` ·
    /// λ_max of each other: a cluster of one mode has a determined eigenvector (up to sign), a larger one only a
    /// determined subspace.
    public func clusters(of modes: [Int]) -> [[Int]] {
        FisherAnalysis.clusters(
            modes, eigenvalues: eigenvalues, resolution: FisherAnalysis.eigenvalueResolution * largestEigenvalue)
    }

    /// `modes` (ascending eigenvalues) grouped where neighbouring eigenvalues differ by less than `resolution`.
    public static func clusters(_ modes: [Int], eigenvalues: [Double], resolution: Double) -> [[Int]] {
        var clusters: [[Int]] = []
        for mode in modes {
            if let last = clusters.last?.last, eigenvalues[mode] - eigenvalues[last] < resolution {
                clusters[clusters.count - 1].append(mode)
            } else {
                clusters.append([mode])
            }
        }
        return clusters
    }

    /// The parameter (position in the model's parameter vector) the sloppiest modes point at, at most `count`, most
    /// sloppy first: a mode's dominant parameter; for a cluster of modes that round-off does not tell apart
    /// (`clusters(of:)`), whose eigenvectors are any basis of their subspace, the subspace's pivots instead: the same
    /// choice on any machine.
    public func sloppiestParameters(count: Int) -> [Int] {
        var parameters: [Int] = []
        for cluster in clusters(of: sloppyModes) where parameters.count < count {
            if cluster.count == 1 {
                parameters += dominantParameters(ofMode: cluster[0], count: 1).map(\.index)
            } else {
                parameters += pivots(ofModes: cluster).map { parameterIndices[$0] }
            }
        }
        return Array(parameters.prefix(count))
    }

    /// Greedy pivots of the subspace spanned by the orthonormal `basis` (vectors of equal length): repeatedly the
    /// coordinate with the largest weight in what is left of the subspace (ties within 1e-3 relative: the lowest
    /// index), whose direction is then projected out. A rotation of the basis within the subspace does not change
    /// the result.
    public static func pivots(basis: [[Double]]) -> [Int] {
        guard let length = basis.first?.count else { return [] }
        // Row i of the p × d matrix: coordinate i's components in the subspace.
        var rows = (0..<length).map { i in basis.map { $0[i] } }
        var chosen: [Int] = []
        for _ in basis.indices {
            let weights = rows.map { $0.reduce(0) { $0 + $1 * $1 } }
            guard let largest = weights.max(), largest > 0 else { break }
            let pivot = weights.indices.first { !chosen.contains($0) && weights[$0] >= largest * (1 - 1e-3) }!
            chosen.append(pivot)
            // Project the pivot's direction u = rows[pivot] / |rows[pivot]| out of every row.
            let u = rows[pivot].map { $0 / weights[pivot].squareRoot() }
            for i in rows.indices {
                let along = zip(rows[i], u).reduce(0) { $0 + $1.0 * $1.1 }
                for j in u.indices { rows[i][j] -= along * u[j] }
            }
        }
        return chosen
    }

    /// A prediction's gradient in analysis coordinates from its derivative d/dθ_q with respect to the
    /// model's internal (fit) parameter q (summed over a fused group).
    public func analysisGradient(_ fitDerivative: (Int) -> Double) -> [Double] {
        parameterGroups.indices.map { c in parameterGroups[c].reduce(0) { $0 + fitDerivative($1) } * coordinateScale[c]
        }
    }

    /// σ of a prediction with gradient `gradient` (d prediction / d parameter, analysis coordinates):
    /// σ² = gᵀ s² FIM⁺ g = s² Σ_k (g·v_k)² / λ_k over the modes above the pseudo-inverse floor.
    public func predictionSigma(_ gradient: [Double]) -> Double {
        predictionUncertainty(gradient).sigma
    }

    /// σ of a prediction, and the share of its gradient's direction that lies in sloppy modes,
    /// Σ_sloppy (g·v_k)² / Σ_k (g·v_k)²: a prediction with a share of ½ or more is poorly determined
    /// (its σ rests on directions the data hardly fix).
    public func predictionUncertainty(_ gradient: [Double]) -> (sigma: Double, sloppyShare: Double) {
        let p = parameterCount
        let sloppyLimit = sloppyThreshold * largestEigenvalue
        let floor = FisherAnalysis.pseudoInverseFloor * largestEigenvalue
        var variance = 0.0
        var total = 0.0
        var sloppy = 0.0
        for k in eigenvalues.indices {
            var projection = 0.0
            for i in 0..<p { projection += gradient[i] * eigenvectors[k * p + i] }
            let squared = projection * projection
            total += squared
            if eigenvalues[k] < sloppyLimit { sloppy += squared }
            if eigenvalues[k] >= floor { variance += squared / eigenvalues[k] }
        }
        return ((residualVariance * variance).squareRoot(), total > 0 ? sloppy / total : 0)
    }
}
