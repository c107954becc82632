import Foundation
import MosaicCore

/// A screened-Coulomb (Ziegler–Biersack–Littmark) core that makes every potential repulsive at short
/// range by construction. For a pair closer than `outer`, the switch s(r) (1 at `outer`, 0 at `inner`,
/// C² smootherstep) blends the pair's ZBL energy in and the other terms of both atoms out, except
/// on-site terms and terms repulsive by construction (Born–Mayer, `isKeptInsideCore`):
///
///     E_i = S_i Σ_t E_i^(t)  +  E_i^(kept)  +  ½ Σ_j (1 − s(r_ij)) φ_ZBL(r_ij),   S_i = Π_j s(r_ij).
///
/// `outer` is at most the shortest distance of the training data for that pair, so on every training
/// structure S_i = 1, the core adds nothing and the fit is unchanged. No fitted parameters.
public struct ZBLCoreTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("core"),
        KeyDoc("inner", unit: "Å", default: "required unless `pairs`", "pure ZBL below this distance"),
        KeyDoc(
            "outer", unit: "Å", default: "required unless `pairs`",
            "the fitted terms alone above it; at most the data's shortest distance (refused otherwise)"),
        KeyDoc(
            "pairs", unit: "Å", default: "shared",
            "`{A-B: {inner, outer}}` per unordered element pair, keys alphabetical"),
    ]
    public static let typeName = "zbl-core"
    public static let summary =
        "screened-Coulomb (ZBL) core below the data, other terms switched off there; keys: inner, outer (Å)"
        + " (shared) or pairs {A-B: {inner, outer}}; no fitted parameters"
    public static let isBaseline = true
    public static let isKeptInsideCore = true

    /// Where the switch runs from 0 (`inner`, pure ZBL) to 1 (`outer`, the fitted terms alone), Å.
    public struct Radii: Codable, Sendable, Equatable {
        public var inner: Double
        public var outer: Double

        public init(inner: Double, outer: Double) {
            self.inner = inner
            self.outer = outer
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case inner, outer }

        public init(from decoder: Decoder) throws {
            try KeyCheck.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a zbl-core pair")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            inner = try c.decode(Double.self, forKey: .inner)
            outer = try c.decode(Double.self, forKey: .outer)
        }
    }

    public var name: String
    /// Shared radii (ignored when `pairs` is given).
    public var radii: Radii
    /// Radii per unordered element pair, keyed by `pairKey`; nil when shared.
    public var pairs: [String: Radii]?

    public init(name: String = "core", inner: Double, outer: Double, pairs: [String: Radii]? = nil) {
        self.name = name
        radii = Radii(inner: inner, outer: outer)
        self.pairs = pairs
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, inner, outer, pairs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "core"
        pairs = try c.decodeIfPresent([String: Radii].self, forKey: .pairs)
        if pairs == nil {
            radii = Radii(
                inner: try c.decode(Double.self, forKey: .inner), outer: try c.decode(Double.self, forKey: .outer))
        } else {
            guard !c.contains(.inner), !c.contains(.outer) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .inner, in: c, debugDescription: "give either inner and outer (shared) or pairs, not both")
            }
            radii = Radii(inner: 0, outer: 0)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if let pairs {
            try c.encode(pairs, forKey: .pairs)
        } else {
            try c.encode(radii.inner, forKey: .inner)
            try c.encode(radii.outer, forKey: .outer)
        }
    }

    /// The radii for elements a and b.
    public func radii(between a: Element, _ b: Element) -> Radii { pairs?[pairKey(a, b)] ?? radii }

    public var cutoff: Double { pairs.map { $0.values.map(\.outer).max() ?? 0 } ?? radii.outer }
    public func cutoff(between a: Element, _ b: Element) -> Double { radii(between: a, b).outer }
    public var label: String { name }

    public func parameters(elements: [Element]) -> [ParameterSpec] { [] }
    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {}

    public func validate(elements: [Element], location: String) throws {
        if let pairs { try PairBlocks.validate(keys: pairs.keys, elements: elements, location: location) }
        for (a, b) in elementPairs(elements) {
            let r = radii(between: elements[a], elements[b])
            guard r.inner.isFinite, r.outer.isFinite, r.inner >= 0, r.outer > r.inner, r.outer < 10 else {
                throw MosaicError(
                    location: location,
                    "\(pairKey(elements[a], elements[b])): inner \(r.inner) Å and outer \(r.outer) Å must satisfy"
                        + " 0 ≤ inner < outer < 10",
                    fix: "put outer at or below the shortest distance of the training data and inner about 1 Å below")
            }
        }
    }

    /// A core for `elements` whose outer radius for each pair is `shortest[pairKey]` (the training
    /// data's shortest distance of that pair, Å) and whose switch is `width` wide (never reaching below
    /// half the outer radius). A pair of two elements takes at most the mean of its elements' own radii:
    /// the mean when the data never show the pair, and the mean when the pair's own data stop farther out
    /// (alloy cells of an ideal lattice put Mo–Nb no closer than 2.74 Å while the Nb and Mo AIMD frames
    /// reach 2.1 Å; a core at 2.74 Å would switch the fitted pair off where the elements' own data still
    /// hold and make a binding dimer fail the repulsion check). With neither, the smallest radius of all.
    public static func below(shortest: [String: Double], elements: [Element], width: Double = 1.0) -> ZBLCoreTerm {
        let smallest = shortest.values.min() ?? 2.0
        func outer(_ a: Element, _ b: Element) -> Double {
            let own = shortest[pairKey(a, b)]
            guard a != b, let da = shortest[pairKey(a, a)], let db = shortest[pairKey(b, b)] else {
                return own ?? smallest
            }
            return min(own ?? .infinity, 0.5 * (da + db))
        }
        func radii(_ a: Element, _ b: Element) -> Radii {
            // Rounded down to 0.01 Å so the file reads cleanly and stays at or below the data.
            let o = (outer(a, b) * 100).rounded(.down) / 100
            return Radii(inner: ((o - min(width, 0.5 * o)) * 100).rounded(.down) / 100, outer: o)
        }
        guard elements.count > 1 else {
            let r = radii(elements[0], elements[0])
            return ZBLCoreTerm(inner: r.inner, outer: r.outer)
        }
        let pairs = Dictionary(
            uniqueKeysWithValues: elementPairs(elements).map { i, j in
                (pairKey(elements[i], elements[j]), radii(elements[i], elements[j]))
            })
        return ZBLCoreTerm(inner: 0, outer: 0, pairs: pairs)
    }

    public static func examples(elements: [Element]) -> [ZBLCoreTerm] {
        // Outer radii above the nearest-neighbour distance of the test cells, so the switch and the
        // screening of the other terms are exercised (a real core sits below the data).
        let perPair = Dictionary(
            uniqueKeysWithValues: PairBlocks.keys(elements).enumerated().map { k, key in
                (key, Radii(inner: 2.1 + 0.1 * Double(k), outer: 3.0 - 0.05 * Double(k)))
            })
        return [
            ZBLCoreTerm(inner: 2.2, outer: 3.0),
            ZBLCoreTerm(name: "core-by-pair", inner: 0, outer: 0, pairs: perPair),
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel { Kernel(screening: screening(elements: elements)) }

    /// The switch and ZBL constants of every (centre, neighbour) species pair.
    public func screening(elements: [Element]) -> CoreScreening {
        let n = elements.count
        var pairs: [CoreScreening.Pair] = []
        for a in elements {
            for b in elements {
                let r = radii(between: a, b)
                pairs.append(CoreScreening.Pair(za: a.atomicNumber, zb: b.atomicNumber, inner: r.inner, outer: r.outer))
            }
        }
        return CoreScreening(speciesCount: n, pairs: pairs)
    }

    /// ½ Σ_j (1 − s(r_j)) φ_ZBL(r_j); the screening of the other terms is the evaluator's.
    public struct Kernel: TermKernel {
        let screening: CoreScreening

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            var energy = 0.0
            let row = env.species * screening.speciesCount
            for k in 0..<env.count where env.r[k] < screening.largestOuter {
                let pair = screening.pairs[row + Int(env.neighbourSpecies[k])]
                guard env.r[k] < pair.outer else { continue }
                let (s, ds) = pair.switch(env.r[k])
                let (phi, dphi) = pair.zbl(env.r[k])
                energy += 0.5 * (1 - s) * phi
                gradient[k].add(env.u[k], times: T(0.5 * ((1 - s) * dphi - ds * phi)))
            }
            return T(energy)
        }
    }
}

/// The core's switch and screened-Coulomb pair energies, per (centre, neighbour) species pair.
public struct CoreScreening: Sendable {
    public struct Pair: Sendable {
        public let inner: Double
        public let outer: Double
        /// Z_a Z_b e²/(4πε₀) in eV Å.
        let coulomb: Double
        /// The ZBL screening length 0.46850 Å / (Z_a^0.23 + Z_b^0.23).
        let length: Double

        init(za: Int, zb: Int, inner: Double, outer: Double) {
            self.inner = inner
            self.outer = outer
            coulomb = Double(za * zb) * 14.399645
            length = 0.46850 / (Foundation.pow(Double(za), 0.23) + Foundation.pow(Double(zb), 0.23))
        }

        /// s(r) and ds/dr: 0 below `inner`, 1 above `outer`, smootherstep between.
        @inline(__always) public func `switch`(_ r: Double) -> (Double, Double) {
            let width = outer - inner
            let t = (r - inner) / width
            if t <= 0 { return (0, 0) }
            if t >= 1 { return (1, 0) }
            let t2 = t * t
            return (t2 * t * (10 - 15 * t + 6 * t2), 30 * t2 * (1 - t) * (1 - t) / width)
        }

        /// The ZBL universal screened-Coulomb energy φ(r) = (Z_a Z_b e²/r) Σ c_k e^{−d_k r/a} and dφ/dr.
        @inline(__always) public func zbl(_ r: Double) -> (Double, Double) {
            let x = r / length
            let e1 = 0.18175 * Foundation.exp(-3.19980 * x)
            let e2 = 0.50986 * Foundation.exp(-0.94229 * x)
            let e3 = 0.28022 * Foundation.exp(-0.40290 * x)
            let e4 = 0.02817 * Foundation.exp(-0.20162 * x)
            let screen = e1 + e2 + e3 + e4
            let dscreen = -(3.19980 * e1 + 0.94229 * e2 + 0.40290 * e3 + 0.20162 * e4) / length
            let inverse = 1 / r
            let phi = coulomb * inverse * screen
            return (phi, coulomb * inverse * (dscreen - screen * inverse))
        }
    }

    let speciesCount: Int
    /// Row-major by (centre, neighbour) species.
    let pairs: [Pair]
    /// The largest outer radius: neighbours beyond it are never screened.
    let largestOuter: Double

    init(speciesCount: Int, pairs: [Pair]) {
        self.speciesCount = speciesCount
        self.pairs = pairs
        largestOuter = pairs.map(\.outer).max() ?? 0
    }

    /// The pair data of a centre of species a and a neighbour of species b.
    public func pair(_ a: Int, _ b: Int) -> Pair { pairs[a * speciesCount + b] }
}

extension Term {
    public static func zblCore(_ term: ZBLCoreTerm) -> Term { Term(term) }
}
