import Foundation
import MosaicCore

/// What a potential carries so that every atomic energy gets an uncertainty and an extrapolation
/// grade. For atom i, g_i = ∂E_i/∂θ is the gradient of its energy with respect to the fitted
/// coordinates (internal parameters θ; a fused group is one coordinate, fixed parameters none):
///
/// - σ_i = √(g_iᵀ C g_i), with C = s² FIM⁺ the parameter covariance of the fit (`covariance`);
///   σ_E of a total energy uses Σ_i g_i in the same form;
/// - γ_i = max_j |c_j|, the largest coefficient of g_i in the basis of the D-optimal active set of the
///   training atoms of the same element (maxvol, as pacemaker's `pace/extrapolation`; `ActiveSetGrade`),
///   normalised so that every training atom has γ ≤ 1: γ ≤ 1 means "a combination of training atoms" and
///   γ > 1 extrapolation. Format-2 files carry the older grade, the leverage g_iᵀ A_e⁺ g_i normalised by its
///   training maximum (A_e = Σ_k g_k g_kᵀ), which is still used for them.
///
/// Layout in the file: formats 2 and 3 write every matrix in full as JSON numbers; format 4 writes the
/// symmetric ones (covariance, span) as upper triangles, the large ones as base64 doubles
/// (`PackedNumbers`), and each element's span and active set only over the coordinates its training atoms
/// move (`Span.columns`: an atom's energy never depends on another element's embedding, say); an atom that
/// moves any other coordinate has γ = ∞, as an atom of an element without training atoms. Format 5 grades in
/// relative coordinates (`gradeScales`).
public struct UncertaintyData: Codable, Sendable, Equatable {
    /// Per fitted coordinate, the model parameters that take its value (one, or a fused group).
    public var coordinates: [[Int]]
    /// s² FIM⁺ over the coordinates (internal θ), row-major.
    public var covariance: [Double]
    /// Per element symbol: what its training atoms spanned.
    public var elements: [String: Span]
    /// Per coordinate, the factor an atom's energy gradient is multiplied by before its element's span grades it
    /// (format 5: relative coordinates, ∂E_i/∂log|value|, so that the span's floor weighs each direction by the
    /// energy a relative change of its parameters makes, whatever their units; the covariance and σ stay in fit
    /// coordinates). Nil
    /// in older files: the span lives in fit coordinates, whose gradients in an alloy model differ by 18 orders of
    /// magnitude, so the floor left most directions to a loose unit (benchmarks/RESULTS.md, "A limit of the grade").
    public var gradeScales: [Double]?

    public struct Span: Codable, Sendable, Equatable {
        /// How many training atoms of the element span it.
        public var atoms: Int
        /// The largest g_kᵀ A_e⁺ g_k over the training atoms of the element.
        public var largestLeverage: Double
        /// The coordinates that some training atom of the element moves, ascending (format 4); `gram` and
        /// `activeSet` live on these. Nil in older files: all coordinates.
        public var columns: [Int]?
        /// A_e = Σ_k g_k g_kᵀ over `columns` (c × c, row-major; format 4).
        public var gram: [Double]?
        /// A_e⁺ over all coordinates, row-major (pseudo-inverse below 1e-12 λ_max): formats 2 and 3, and a
        /// format-4 span whose active set could not be formed (its grade is then the normalised leverage).
        public var inverse: [Double]?
        /// M (rows × c, row-major; c = `columns.count`, or every coordinate in older files) of the element's
        /// D-optimal active set and unspanned directions (`ActiveSetGrade`): the grade is max_j |(M g)_j|. Nil
        /// in format-2 files, whose grade is the normalised leverage.
        public var activeSet: [Double]?

        public init(
            atoms: Int, largestLeverage: Double, columns: [Int]? = nil, gram: [Double]? = nil,
            inverse: [Double]? = nil, activeSet: [Double]? = nil
        ) {
            self.atoms = atoms
            self.largestLeverage = largestLeverage
            self.columns = columns
            self.gram = gram
            self.inverse = inverse
            self.activeSet = activeSet
        }

        enum CodingKeys: String, CodingKey {
            case atoms, largestLeverage, columns, gram, inverse, activeSet
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            atoms = try container.decode(Int.self, forKey: .atoms)
            largestLeverage = try container.decode(Double.self, forKey: .largestLeverage)
            columns = try container.decodeIfPresent([Int].self, forKey: .columns)
            gram = try columns.map { try container.decodeSymmetric(forKey: .gram, order: $0.count) }
            inverse = try container.decodeNumbersIfPresent(forKey: .inverse)
            activeSet = try container.decodeNumbersIfPresent(forKey: .activeSet)
        }

        /// Format 4 (and anything not a potential file): packed; older formats: JSON numbers, as they were
        /// written, so that their content hashes still hold.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(atoms, forKey: .atoms)
            try container.encode(largestLeverage, forKey: .largestLeverage)
            try container.encodeIfPresent(columns, forKey: .columns)
            if !PackedNumbers.packs(encoder.userInfo) {
                try container.encodeIfPresent(gram, forKey: .gram)
                try container.encodeIfPresent(inverse, forKey: .inverse)
                try container.encodeIfPresent(activeSet, forKey: .activeSet)
                return
            }
            if let gram { try container.encodeSymmetric(gram, order: columns?.count ?? 0, forKey: .gram) }
            try container.encodeIfPresent(inverse.map(PackedNumbers.base64), forKey: .inverse)
            try container.encodeIfPresent(activeSet.map(PackedNumbers.base64), forKey: .activeSet)
        }

        /// γ of an atom of this element with energy gradient `g` (p coordinates).
        @inline(__always) public func grade(_ g: UnsafePointer<Double>, _ p: Int) -> Double {
            if let columns, Self.movesOtherCoordinates(g, p, columns) { return .infinity }
            guard let m = activeSet, !m.isEmpty else {
                guard let inverse else { return .infinity }
                return max(0, UncertaintyData.quadratic(g, inverse, p)) / largestLeverage
            }
            guard let columns else { return Self.largestCoefficient(m, g, p) }
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: columns.count) { z in
                for (k, b) in columns.enumerated() { z[k] = g[b] }
                return Self.largestCoefficient(m, z.baseAddress!, columns.count)
            }
        }

        /// Whether `g` moves a coordinate outside `columns` (ascending): an atom that does is no combination of
        /// the training atoms, which never moved it.
        @inline(__always)
        static func movesOtherCoordinates(_ g: UnsafePointer<Double>, _ p: Int, _ columns: [Int]) -> Bool {
            var next = 0
            for b in 0..<p {
                if next < columns.count, columns[next] == b {
                    next += 1
                } else if g[b] != 0 {
                    return true
                }
            }
            return false
        }

        /// max_j |(M g)_j| for M with rows of length c.
        @inline(__always)
        static func largestCoefficient(_ m: [Double], _ g: UnsafePointer<Double>, _ c: Int) -> Double {
            var largest = 0.0
            m.withUnsafeBufferPointer { m in
                for j in 0..<(m.count / c) {
                    var coefficient = 0.0
                    for b in 0..<c { coefficient += m[j * c + b] * g[b] }
                    largest = Swift.max(largest, abs(coefficient))
                }
            }
            return largest
        }

        /// Checks sizes and finiteness for p coordinates; errors name `location`.
        func validate(p: Int, location: String) throws {
            func fail(_ what: String) -> MosaicError {
                MosaicError(location: location, what, fix: "export the potential again with mosaic fit")
            }
            guard largestLeverage > 0, atoms > 0 else {
                throw fail("expected a positive largest leverage and atom count")
            }
            let c = columns?.count ?? p
            if let columns {
                guard zip(columns, columns.dropFirst()).allSatisfy({ $0 < $1 }),
                    columns.allSatisfy({ $0 >= 0 && $0 < p })
                else { throw fail("columns must be ascending coordinates below \(p)") }
                guard let gram, gram.count == c * c, gram.allSatisfy(\.isFinite) else {
                    throw fail("gram: expected the \(c) × \(c) span of the columns, finite")
                }
            }
            if let inverse {
                guard inverse.count == p * p, inverse.allSatisfy(\.isFinite) else {
                    throw fail("inverse: expected \(p * p) finite numbers, found \(inverse.count)")
                }
            }
            if let m = activeSet {
                guard m.count % max(c, 1) == 0, m.count <= c * c, m.allSatisfy(\.isFinite) else {
                    throw fail("activeSet: expected r × \(c) finite numbers (r ≤ \(c)), found \(m.count)")
                }
            }
            guard activeSet != nil || inverse != nil else { throw fail("expected an activeSet or an inverse") }
        }
    }

    public init(
        coordinates: [[Int]], covariance: [Double], elements: [String: Span], gradeScales: [Double]? = nil
    ) {
        self.coordinates = coordinates
        self.covariance = covariance
        self.elements = elements
        self.gradeScales = gradeScales
    }

    enum CodingKeys: String, CodingKey {
        case coordinates, covariance, elements, gradeScales
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        coordinates = try container.decode([[Int]].self, forKey: .coordinates)
        covariance = try container.decodeSymmetric(forKey: .covariance, order: coordinates.count)
        elements = try container.decode([String: Span].self, forKey: .elements)
        gradeScales = try container.decodeIfPresent([Double].self, forKey: .gradeScales)
    }

    /// Format 4 (and anything not a potential file): the covariance as a base64 upper triangle; older formats
    /// in full, as written.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(coordinates, forKey: .coordinates)
        try container.encode(elements, forKey: .elements)
        try container.encodeIfPresent(gradeScales, forKey: .gradeScales)
        if PackedNumbers.packs(encoder.userInfo) {
            try container.encodeSymmetric(covariance, order: coordinates.count, forKey: .covariance)
        } else {
            try container.encode(covariance, forKey: .covariance)
        }
    }

    public var coordinateCount: Int { coordinates.count }

    /// Checks sizes and finiteness against `model`; errors name the entry.
    public func validate(for model: CompositeModel) throws {
        let p = coordinates.count
        guard coordinates.flatMap({ $0 }).allSatisfy({ $0 >= 0 && $0 < model.parameterCount }) else {
            throw MosaicError(
                location: "uncertainty.coordinates", "a parameter index is outside the model's \(model.parameterCount)",
                fix: "export the potential again with mosaic fit")
        }
        guard covariance.count == p * p, covariance.allSatisfy(\.isFinite) else {
            throw MosaicError(
                location: "uncertainty.covariance", "expected \(p * p) finite numbers, found \(covariance.count)",
                fix: "export the potential again with mosaic fit")
        }
        for (symbol, span) in elements { try span.validate(p: p, location: "uncertainty.elements.\(symbol)") }
        if let gradeScales, gradeScales.count != p || !gradeScales.allSatisfy({ $0.isFinite && $0 > 0 }) {
            throw MosaicError(
                location: "uncertainty.gradeScales",
                "expected \(p) positive finite numbers, found "
                    + (gradeScales.count != p ? "\(gradeScales.count)" : "one that is not"),
                fix: "export the potential again with mosaic fit")
        }
    }

    /// Per-atom gradients (atoms × p, row-major) in the coordinates the spans grade (`gradeScales`).
    public func gradeCoordinates(_ gradients: [Double]) -> [Double] {
        gradeScales.map { Self.scaled(gradients, by: $0) } ?? gradients
    }

    /// Rows of p = `scales.count` numbers (row-major), each column multiplied by its scale.
    public static func scaled(_ rows: [Double], by scales: [Double]) -> [Double] {
        rows.enumerated().map { $0.element * scales[$0.offset % scales.count] }
    }

    /// γ of an atom whose energy gradient (fit coordinates) is `row`, against `span`; `scratch` (p numbers) holds
    /// the row in grade coordinates when the file has `gradeScales`.
    @inline(__always) public func grade(
        _ row: UnsafePointer<Double>, span: Span, scratch: inout [Double]
    ) -> Double {
        let p = coordinates.count
        guard let gradeScales else { return span.grade(row, p) }
        for c in 0..<p { scratch[c] = row[c] * gradeScales[c] }
        return scratch.withUnsafeBufferPointer { span.grade($0.baseAddress!, p) }
    }

    /// gᵀ M g for a row-major p × p matrix.
    @inline(__always) public static func quadratic(_ g: UnsafePointer<Double>, _ m: [Double], _ p: Int) -> Double {
        var total = 0.0
        m.withUnsafeBufferPointer { m in
            for a in 0..<p {
                var row = 0.0
                for b in 0..<p { row += m[a * p + b] * g[b] }
                total += g[a] * row
            }
        }
        return total
    }

    /// σ of a prediction whose gradient over the coordinates is `g`.
    public func sigma(gradient g: [Double]) -> Double {
        g.withUnsafeBufferPointer { max(0, Self.quadratic($0.baseAddress!, covariance, coordinateCount)).squareRoot() }
    }
}

/// Per-atom energy gradients over a model's fitted coordinates: for the linear parameters of `LinearBasisKernel` terms
/// the basis functions themselves, for the others dual numbers (one chunk of `Dual.width` parameters of one term at a
/// time); and the grades and σ they give.
public final class AtomGradientEvaluator {
    let model: CompositeModel
    let values: ModelEvaluator<Double>
    let duals: ModelEvaluator<Dual>
    let theta: [Double]
    /// Each term's parameters split between basis functions and dual numbers (as `usesLinearBasis` says).
    var splits: [TermParameterSplit]
    /// Coordinate of each model parameter (−1: fixed).
    let coordinateOf: [Int]
    public let coordinateCount: Int
    /// ∂(W_xx + W_yy + W_zz)/∂θ_c of the last `gradients` call, summed over its atoms (W the virial, eV):
    /// the virial pressure is P = tr W / (3V), so its gradient is this over 3V. Zero after a call with
    /// `virialTrace: false`.
    public private(set) var virialTraceGradient: [Double] = []
    /// Whether linear parameters take their gradients from the basis functions (the default) rather than from dual
    /// numbers (the same numbers to round-off; tested).
    public var usesLinearBasis = true {
        didSet { splits = values.parameterSplits(usingBasis: usesLinearBasis) }
    }

    public init(model: CompositeModel, coordinates: [[Int]]) {
        self.model = model
        theta = model.internalParameters
        values = ModelEvaluator<Double>(model: model, internalParameters: theta)
        duals = ModelEvaluator<Dual>(model: model, internalParameters: theta.map { Dual($0) })
        splits = values.parameterSplits(usingBasis: true)
        var map = [Int](repeating: -1, count: model.parameterCount)
        for (c, group) in coordinates.enumerated() { for q in group { map[q] = c } }
        coordinateOf = map
        coordinateCount = coordinates.count
    }

    /// Fills `gradients` (atoms × coordinates, row-major, accumulated) and `virialTraceGradient`. For each term's
    /// linear parameters, `load(values, row)` loads atom `row` into the Double evaluator (nil: an atom not handled);
    /// for the others, `energies(evaluator, terms, visit)` is called once per chunk of parameters (the evaluator
    /// seeded for that chunk, restricted to the chunk's term), hands back (atom, E_i) pairs through `visit` and
    /// returns the virial trace.
    func accumulate(
        atoms: Int, into gradients: inout [Double], virialTrace: Bool,
        load: (ModelEvaluator<Double>, Int) throws -> (species: Int, count: Int)?,
        energies: (ModelEvaluator<Dual>, Range<Int>, (Int, Dual) -> Void) throws -> Dual
    ) rethrows {
        let p = coordinateCount
        virialTraceGradient = [Double](repeating: 0, count: p)
        // Without the virial, kernels may skip their position gradients (the costly half of a 3-body sum).
        duals.energyOnly = !virialTrace
        defer { duals.energyOnly = false }
        for split in splits {
            let t = split.term
            if let kernel = split.kernel, split.basisParameters.contains(where: { coordinateOf[$0] >= 0 }) {
                let trace = try gradients.withUnsafeMutableBufferPointer { out in
                    try values.linearAtomGradients(
                        kernel, term: t, rows: atoms, virialTrace: virialTrace,
                        loadAtom: { try load(values, $0) },
                        visit: { row, q, value in
                            let c = coordinateOf[q]
                            if c >= 0 { out[row * p + c] += value }
                        })
                }
                for q in split.basisParameters where coordinateOf[q] >= 0 {
                    virialTraceGradient[coordinateOf[q]] += trace[q]
                }
            }
            for chunk in split.dualChunks where chunk.contains(where: { coordinateOf[$0] >= 0 }) {
                duals.seed(theta, variables: chunk)
                let trace = try gradients.withUnsafeMutableBufferPointer { out in
                    try energies(duals, t..<t + 1) { i, energy in
                        for (s, q) in chunk.enumerated() where coordinateOf[q] >= 0 {
                            out[i * p + coordinateOf[q]] += energy.tangent[s]
                        }
                    }
                }
                guard virialTrace else { continue }
                for (s, q) in chunk.enumerated() where coordinateOf[q] >= 0 {
                    virialTraceGradient[coordinateOf[q]] += trace.tangent[s]
                }
            }
        }
    }

    /// ∂E_i/∂θ_c of every atom of a structure (atoms × coordinates, row-major); with `virialTrace`, also
    /// `virialTraceGradient`.
    public func gradients(species: [Int], neighbours: NeighbourList, virialTrace: Bool = true) -> [Double] {
        var gradients = [Double](repeating: 0, count: species.count * coordinateCount)
        accumulate(
            atoms: species.count, into: &gradients, virialTrace: virialTrace,
            load: { evaluator, i in
                (species[i], evaluator.loadNeighbours(of: i, species: species, neighbours: neighbours))
            },
            energies: { evaluator, terms, visit in
                let prediction = evaluator.evaluate(species: species, neighbours: neighbours, terms: terms)
                for (i, e) in prediction.atomEnergies.enumerated() { visit(i, e) }
                return prediction.virial[0] + prediction.virial[1] + prediction.virial[2]
            })
        return gradients
    }

    /// ∂E_i/∂θ_c of the local atoms of a LAMMPS neighbour list (`list.inum` rows in `ilist` order;
    /// atoms of types this potential does not handle get zero rows); with `virialTrace`, also `virialTraceGradient`.
    public func gradients(_ list: FullNeighbourList, virialTrace: Bool = true) throws -> [Double] {
        var gradients = [Double](repeating: 0, count: list.inum * coordinateCount)
        try accumulate(
            atoms: list.inum, into: &gradients, virialTrace: virialTrace,
            load: { evaluator, ii in try evaluator.loadAtom(Int(list.ilist[ii]), of: list) },
            energies: { evaluator, terms, visit in try evaluator.forEachAtomEnergy(list, terms: terms, visit) })
        return gradients
    }
}

/// Per-atom grades and σ of one structure or neighbour list.
public struct AtomUncertainties: Sendable {
    /// γ_i (+∞ for atoms of an element no training atom had; 0 for atoms not handled, symbol nil).
    public var grades: [Double]
    /// σ_i (eV).
    public var sigmas: [Double]
    /// Σ_i ∂E_i/∂θ: the gradient of the total energy, for σ_E.
    public var energyGradient: [Double]

    /// γ, σ and the summed gradient from per-atom gradients (`atoms` × p) and each atom's element symbol.
    public init(gradients: [Double], symbols: [String?], data: UncertaintyData) {
        let p = data.coordinateCount
        let n = symbols.count
        var grades = [Double](repeating: 0, count: n)
        var sigmas = [Double](repeating: 0, count: n)
        var total = [Double](repeating: 0, count: p)
        var scratch = [Double](repeating: 0, count: p)
        gradients.withUnsafeBufferPointer { g in
            for i in 0..<n {
                guard let symbol = symbols[i] else { continue }
                let row = g.baseAddress! + i * p
                for c in 0..<p { total[c] += row[c] }
                sigmas[i] = max(0, UncertaintyData.quadratic(row, data.covariance, p)).squareRoot()
                guard let span = data.elements[symbol] else {
                    grades[i] = .infinity
                    continue
                }
                grades[i] = data.grade(row, span: span, scratch: &scratch)
            }
        }
        self.grades = grades
        self.sigmas = sigmas
        energyGradient = total
    }

    /// The largest grade (0 for no atoms).
    public var maximumGrade: Double { grades.max() ?? 0 }
}

extension ModelEvaluator where T == Dual {
    /// E_i of each local atom of a LAMMPS neighbour list, in `ilist` order: `visit(ii, E_i)`; returns the
    /// trace of the virial of those atoms' pairs (forces are not collected). Throws on inconsistent input,
    /// as `evaluate(_:into:)` does.
    func forEachAtomEnergy(_ list: FullNeighbourList, terms: Range<Int>, _ visit: (Int, Dual) -> Void) throws -> Dual {
        var sink = VirialTraceSink()
        for ii in 0..<list.inum {
            let i = Int(list.ilist[ii])
            guard let (species, count) = try loadAtom(i, of: list) else { continue }
            finishAtom(i, species: species, count: count, terms: terms, into: &sink)
            visit(ii, sink.lastEnergy)
        }
        return sink.trace
    }
}

/// Keeps the last atom's energy and sums the virial trace W_xx + W_yy + W_zz = −Σ d·g over pairs.
struct VirialTraceSink: EvaluationSink {
    var lastEnergy = Dual(0)
    var trace = Dual(0)

    @inline(__always) mutating func addEnergy(_ energy: Dual, atom i: Int) { lastEnergy = energy }

    @inline(__always) mutating func addPair(
        _ i: Int, _ j: Int, gradient g: Vector3<Dual>, displacement d: SIMD3<Double>
    ) {
        trace = trace - (g.x * d.x + g.y * d.y + g.z * d.z)
    }
}
