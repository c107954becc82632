import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// Active learning: which candidate structures (e.g. MD frames that went past a grade threshold) a DFT
/// calculation would teach the potential most.
///
/// Every candidate gets its largest extrapolation grade γ (`UncertaintyData`). The pool is the
/// candidates with γ above `threshold` (or, if fewer than `count`, the `count` with the highest γ).
/// From the pool, picks are greedy D-optimal: each pick maximises the gain in log det of the span of
/// per-atom energy gradients, Σ_e [log det(A_e + G_eᵀG_e) − log det(A_e)] summed over elements e, with
/// A_e the training span grown by the earlier picks, so a second frame that repeats the first gains
/// little and is not picked. exp(−gain/2) is the factor by which the volume of the parameter
/// uncertainty ellipsoid (seen through per-atom energies) shrinks.
public struct ActiveSelection {
    public struct Pick: Sendable, Encodable {
        /// Index among the candidates.
        public var index: Int
        public var source: String
        public var atoms: Int
        /// Largest γ against the training span.
        public var maxGrade: Double
        /// Largest γ once the earlier picks are in the training span: each atom's γ scaled by √(its leverage
        /// against the grown span / against the training span).
        public var maxGradeAfterEarlierPicks: Double
        /// Gain in log det of the span (nats).
        public var gain: Double
    }

    /// Largest γ of every candidate against the training span.
    public var grades: [Double]
    public var picks: [Pick]

    public init(
        candidates: [Structure], model: CompositeModel, data: UncertaintyData, count: Int, threshold: Double = 1
    ) throws {
        let p = data.coordinateCount
        let symbols = model.elements.map(\.symbol)
        // Per-atom gradients of every candidate (all cores).
        let prepared = try candidates.map { s in
            (try model.speciesIndices(of: s), NeighbourList(s, cutoff: model.cutoff))
        }
        // In the coordinates the spans grade (`UncertaintyData.gradeScales`): grades, leverages and spans alike.
        let gradients = parallelMap(Array(candidates.indices)) { k in
            data.gradeCoordinates(
                AtomGradientEvaluator(model: model, coordinates: data.coordinates).gradients(
                    species: prepared[k].0, neighbours: prepared[k].1, virialTrace: false))
        }
        // The training spans A_e over all coordinates and their pseudo-inverses.
        var spans = try data.elements.mapValues { try $0.fullGram(p) }
        let trainingInverses = try data.elements.mapValues { try $0.fullInverse(p) }
        /// The largest γ of candidate k; with a span grown by earlier picks (`inverses`), each atom's γ
        /// scaled by √(its leverage against the grown span / against the training span).
        func maxGrade(_ k: Int, inverses: [String: [Double]]? = nil) -> Double {
            var largest = 0.0
            gradients[k].withUnsafeBufferPointer { g in
                for (i, s) in prepared[k].0.enumerated() {
                    let symbol = symbols[s]
                    guard let span = data.elements[symbol] else {
                        largest = .infinity
                        return
                    }
                    let row = g.baseAddress! + i * p
                    var grade = span.grade(row, p)
                    if let inverse = inverses?[symbol], let trainingInverse = trainingInverses[symbol] {
                        let before = UncertaintyData.quadratic(row, trainingInverse, p)
                        let after = UncertaintyData.quadratic(row, inverse, p)
                        grade *= before > 0 ? max(0, after / before).squareRoot() : 1
                    }
                    largest = max(largest, grade)
                }
            }
            return largest
        }
        let grades = candidates.indices.map { maxGrade($0) }
        self.grades = grades
        let ranked = candidates.indices.sorted { grades[$0] > grades[$1] }
        var pool = ranked.filter { grades[$0] > threshold }
        if pool.count < count { pool = Array(ranked.prefix(min(count, ranked.count))) }

        // Each pool member's G_eᵀG_e per element.
        var grams: [Int: [String: [Double]]] = [:]
        for k in pool {
            var byElement: [String: [Double]] = [:]
            for (e, symbol) in symbols.enumerated() {
                let rows = prepared[k].0.indices.filter { prepared[k].0[$0] == e }
                guard !rows.isEmpty else { continue }
                let block = rows.flatMap { gradients[k][($0 * p)..<(($0 + 1) * p)] }
                var gram = [Double](repeating: 0, count: p * p)
                LinearAlgebra.addGram(&gram, block, rows: rows.count, n: p)
                LinearAlgebra.symmetrize(&gram, n: p)
                byElement[symbol] = gram
            }
            grams[k] = byElement
        }
        var inverses = trainingInverses
        var picks: [Pick] = []
        var remaining = pool
        while picks.count < count, !remaining.isEmpty {
            var best: (member: Int, gain: Double)? = nil
            for (m, k) in remaining.enumerated() {
                var gain = 0.0
                for (symbol, gram) in grams[k]! {
                    guard let span = spans[symbol] else {
                        gain = .infinity
                        continue
                    }
                    gain += try Self.logDeterminant(zip(span, gram).map(+), p) - Self.logDeterminant(span, p)
                }
                if best == nil || gain > best!.gain { best = (m, gain) }
            }
            let k = remaining.remove(at: best!.member)
            picks.append(
                Pick(
                    index: k, source: candidates[k].source, atoms: candidates[k].count, maxGrade: grades[k],
                    maxGradeAfterEarlierPicks: maxGrade(k, inverses: inverses), gain: best!.gain))
            for (symbol, gram) in grams[k]! {
                spans[symbol] = zip(spans[symbol] ?? [Double](repeating: 0, count: p * p), gram).map(+)
                inverses[symbol] = try UncertaintyData.pseudoInverse(spans[symbol]!, p)
            }
        }
        self.picks = picks
    }

    /// log det of a symmetric positive semi-definite matrix, over eigenvalues above 1e-12 λ_max (the same
    /// floor as the pseudo-inverses), so the determined subspace alone counts.
    static func logDeterminant(_ a: [Double], _ p: Int) throws -> Double {
        let values = try LinearAlgebra.symmetricEigen(a, n: p).values
        let floor = FisherAnalysis.pseudoInverseFloor * (values.last ?? 0)
        return values.filter { $0 > floor && $0 > 0 }.reduce(0) { $0 + Foundation.log($1) }
    }

}
