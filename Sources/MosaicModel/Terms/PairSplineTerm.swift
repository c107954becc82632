import MosaicCore
import MosaicNumerics

/// A pair potential linear in cubic B-splines: E_i = ½ Σ_j Σ_k c_k B_k(r_ij) on [inner, cutoff], one
/// set of coefficients shared by all element pairs (`coefficients`) or one per unordered pair
/// (`pairs: {Mo-Mo: [...], Mo-Nb: [...], Nb-Nb: [...]}`).
public struct PairSplineTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("pair"),
        KeyDoc("inner", unit: "Å", "inner end of the B-spline basis: the term is exactly zero below it"),
        KeyDoc("cutoff", unit: "Å", "outer end of the basis: the functions and two derivatives vanish there"),
        KeyDoc(
            "size", default: "length of `coefficients`", "number of B-splines when no coefficients are given (zeros)"),
        KeyDoc("coefficients", unit: "eV", default: "zeros", "c_k, shared by every element pair; fitted (linear)"),
        KeyDoc(
            "pairs", unit: "eV", default: "shared",
            "one coefficient list per unordered element pair, keys alphabetical (`{Mo-Nb: [...], Nb-Nb: [...]}`);"
                + " instead of `coefficients`"),
    ]
    public static let typeName = "pair-spline"
    public static let isPairwise = true
    public static let summary =
        "pair potential ½ Σ_j Σ_k c_k B_k(r_ij), cubic B-splines on [inner, cutoff]; keys: inner, cutoff (Å),"
        + " size or coefficients (shared), or pairs {A-B: [...]} (one set per element pair)"

    public var name: String
    public var inner: Double
    public var cutoff: Double
    /// The shared coefficients (empty when `pairs` is given).
    public var coefficients: [Double]
    /// One coefficient set per unordered element pair, keyed by `pairKey`; nil when shared.
    public var pairs: [String: [Double]]?

    public init(
        name: String = "pair", inner: Double, cutoff: Double, coefficients: [Double], pairs: [String: [Double]]? = nil
    ) {
        self.name = name
        self.inner = inner
        self.cutoff = cutoff
        self.coefficients = pairs == nil ? coefficients : []
        self.pairs = pairs
    }

    /// The basis size.
    public var size: Int { pairs?.values.first?.count ?? coefficients.count }

    /// Zero coefficients of the given basis size.
    public init(name: String = "pair", inner: Double, cutoff: Double, size: Int) {
        self.init(name: name, inner: inner, cutoff: cutoff, coefficients: Array(repeating: 0, count: size))
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, inner, cutoff, size, coefficients, pairs }

    /// Files give `coefficients`, a basis `size` (zeros), or `pairs`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "pair"
        inner = try c.decode(Double.self, forKey: .inner)
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        pairs = try c.decodeIfPresent([String: [Double]].self, forKey: .pairs)
        if let given = try c.decodeIfPresent([Double].self, forKey: .coefficients) {
            coefficients = given
        } else if pairs != nil {
            coefficients = []
        } else {
            coefficients = Array(repeating: 0, count: try c.decode(Int.self, forKey: .size))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(inner, forKey: .inner)
        try c.encode(cutoff, forKey: .cutoff)
        if let pairs {
            try c.encode(pairs, forKey: .pairs)
        } else {
            try c.encode(coefficients, forKey: .coefficients)
        }
    }

    public var label: String { pairs == nil ? "\(name)(\(size))" : "\(name)(\(size)×\(pairs!.count) pairs)" }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        guard let pairs else {
            return coefficients.enumerated().map { ParameterSpec("c\($0)", $1, linear: true, spline: "") }
        }
        return PairBlocks.keys(elements).flatMap { key -> [ParameterSpec] in
            let species = key.split(separator: "-").map(String.init)
            return (pairs[key] ?? []).enumerated().map {
                ParameterSpec("\(key).c\($0)", $1, linear: true, species: species, spline: key)
            }
        }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        guard pairs != nil else {
            coefficients = Array(values)
            return
        }
        var k = values.startIndex
        for key in PairBlocks.keys(elements) {
            pairs![key] = Array(values[k..<k + size])
            k += size
        }
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        if let pairs {
            try PairBlocks.validate(keys: pairs.keys, elements: elements, location: location)
            guard size > 0, pairs.values.allSatisfy({ $0.count == size }) else {
                throw MosaicError(
                    location: location, "every pair needs the same, non-zero number of coefficients",
                    fix: "give each pair \(max(size, 1)) coefficients")
            }
            guard coefficients.isEmpty else {
                throw MosaicError(
                    location: location, "give either coefficients (shared) or pairs, not both",
                    fix: "remove one of them")
            }
        }
        guard size > 0 else {
            throw MosaicError(location: location, "no coefficients", fix: "give coefficients: [...] (zeros to start)")
        }
        guard inner >= 0, inner < cutoff else {
            throw MosaicError(
                location: location, "inner \(inner) must be in [0, cutoff)",
                fix: "choose inner below the shortest distance in the data")
        }
    }

    public func applying(_ change: TermChange) throws -> PairSplineTerm {
        var result = self
        switch change {
        case .resize(let newSize):
            result.coefficients = projected(coefficients, inner: inner, cutoff: cutoff, size: newSize)
            result.pairs = pairs?.mapValues { projected($0, inner: inner, cutoff: cutoff, size: newSize) }
            if pairs != nil { result.coefficients = [] }
        case .cutoff(let value):
            result.coefficients = projected(coefficients, inner: inner, cutoff: value, size: size)
            result.pairs = pairs?.mapValues { projected($0, inner: inner, cutoff: value, size: size) }
            if pairs != nil { result.coefficients = [] }
            result.cutoff = value
        case .splitBySpecies(let elements) where pairs == nil && elements.count > 1:
            result.pairs = Dictionary(uniqueKeysWithValues: PairBlocks.keys(elements).map { ($0, coefficients) })
            result.coefficients = []
        case .fuseSpecies where pairs != nil:
            let blocks = Array(pairs!.values)
            result.coefficients = (0..<size).map { k in blocks.reduce(0) { $0 + $1[k] } / Double(blocks.count) }
            result.pairs = nil
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a pair spline does not support \(change)",
                fix: "resize it, change its cutoff, split a shared one by element pair or fuse a split one")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        (pairs != nil ? [.fuseSpecies] : []) + (size > 6 ? [.resize(size - 2)] : [])
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        let blocks = pairs?.count ?? 1
        var changes: [TermChange] = room >= 4 * blocks ? [.resize(size + 4)] : []
        let pairCount = context.elements.count * (context.elements.count + 1) / 2
        if pairs == nil, pairCount > 1, room >= size * (pairCount - 1) {
            changes.append(.splitBySpecies(elements: context.elements))
        }
        return changes
    }

    /// Least-squares projection of `values` onto a new basis (the same function on new knots).
    func projected(_ values: [Double], inner newInner: Double, cutoff newCutoff: Double, size: Int) -> [Double] {
        guard !values.isEmpty else { return [] }
        let coefficients = values
        let oldBasis = CubicBSplineBasis(inner: inner, cutoff: cutoff, size: coefficients.count)
        let newBasis = CubicBSplineBasis(inner: newInner, cutoff: newCutoff, size: size)
        var a = [Double](repeating: 0, count: size * size)
        var b = [Double](repeating: 0, count: size)
        for k in 0..<400 {
            let r = newInner + (newCutoff - newInner) * (Double(k) + 0.5) / 400
            var value = 0.0
            oldBasis.forEachNonZero(r) { i, v, _ in value += coefficients[i] * v }
            var row: [(Int, Double)] = []
            newBasis.forEachNonZero(r) { i, v, _ in row.append((i, v)) }
            for (i, vi) in row {
                b[i] += vi * value
                for (j, vj) in row { a[i * size + j] += vi * vj }
            }
        }
        for i in 0..<size { a[i * size + i] += 1e-10 }
        return LinearAlgebra.solvePositiveDefinite(a, b) ?? Array(repeating: 0, count: size)
    }

    public static func examples(elements: [Element]) -> [PairSplineTerm] {
        let shared = PairSplineTerm(
            inner: 1.8, cutoff: 5.3, coefficients: [0.31, -0.22, 0.17, 0.05, -0.12, 0.08, -0.03, 0.02, -0.01])
        // One set per element pair, each different.
        let blocks = PairBlocks.keys(elements).enumerated().map { k, key in
            (key, shared.coefficients.map { $0 * (1 + 0.3 * Double(k)) })
        }
        let perPair = PairSplineTerm(
            name: "pair-by-species", inner: 1.8, cutoff: 5.3, coefficients: [],
            pairs: Dictionary(uniqueKeysWithValues: blocks))
        return [shared, perPair]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        let offsets = PairBlocks.offsets(elements: elements, blockSize: size, resolved: pairs != nil)
        return Kernel(
            basis: CubicBSplineBasis(inner: inner, cutoff: cutoff, size: size), speciesCount: elements.count,
            offsets: offsets)
    }

    public struct Kernel: LinearBasisKernel {
        let basis: CubicBSplineBasis
        let speciesCount: Int
        let offsets: [Int]

        /// Every block's spline coefficients: the energy is linear in them.
        public var linearParameters: [Int] {
            Set(offsets).sorted().flatMap { offset in (0..<basis.size).map { offset + $0 } }
        }

        /// ½ B_k(r) of each neighbour and non-zero spline function k, one call each.
        public func forEachBasisFunction(
            _ p: UnsafePointer<Double>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Double>>,
            _ scratch: UnsafeMutablePointer<Double>, _ body: (Int, Double, UnsafeBufferPointer<Int>) -> Void
        ) {
            let row = env.species * speciesCount
            let m = env.selectNeighbours(within: basis.cutoff)
            for a in 0..<m {
                let k = env.selection[a]
                let block = offsets[row + Int(env.neighbourSpecies[k])]
                let u = env.u[k]
                basis.forEachNonZero(env.r[k]) { index, b, db in
                    let half = db * 0.5
                    gradient[k] = Vector3(u.x * half, u.y * half, u.z * half)
                    body(block + index, b * 0.5, UnsafeBufferPointer(start: env.selection + a, count: 1))
                }
            }
        }

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            var energy = T(0)
            let row = env.species * speciesCount
            for k in 0..<env.count where env.r[k] < basis.cutoff {
                var e = T(0)
                var slope = T(0)
                let block = p + offsets[row + Int(env.neighbourSpecies[k])]
                basis.forEachNonZero(env.r[k]) { index, b, db in
                    e += block[index] * b
                    slope += block[index] * db
                }
                energy += e
                gradient[k].add(env.u[k], times: slope * 0.5)
            }
            return energy * 0.5
        }
    }
}

extension Term {
    public static func pairSpline(_ term: PairSplineTerm) -> Term { Term(term) }
}
