import Foundation
import MosaicCore

/// Born–Mayer short-range repulsion: E_i = ½ Σ_j A e^{−(r−r0)/ρ} fc(r), A, ρ > 0, r0 fixed; one A, ρ
/// for all element pairs, or one per unordered pair (`pairs: {Mo-Nb: {amplitude: 0.5, rho: 0.3}}`).
public struct BornMayerTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("repulsion"), .cutoff, .width,
        KeyDoc("r0", unit: "Å", "reference distance (fixed): A is the pair energy there"),
        KeyDoc("amplitude", unit: "eV", default: "required unless `pairs`", "A > 0, shared by every pair; fitted"),
        KeyDoc("rho", unit: "Å", default: "required unless `pairs`", "decay length ρ > 0, shared; fitted"),
        KeyDoc(
            "pairs", unit: "eV, Å", default: "shared",
            "`{A-B: {amplitude, rho}}` per unordered element pair, keys alphabetical; instead of amplitude and rho"),
    ]
    public static let typeName = "born-mayer"
    public static let summary =
        "short-range repulsion ½ Σ_j A e^{−(r−r0)/ρ} fc(r); keys: amplitude (eV), rho (Å) (shared) or pairs"
        + " {A-B: {amplitude, rho}}, r0, cutoff, width (Å)"
    public static let isBaseline = true
    /// A > 0 and ρ > 0 make it repulsive at every distance, so the ZBL core keeps it.
    public static let isKeptInsideCore = true
    public static let isPairwise = true

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var r0: Double
    /// The shared A and ρ (0 when `pairs` is given).
    public var amplitude: Double
    public var rho: Double
    /// A and ρ of one element pair.
    public struct Pair: Codable, Sendable, Equatable {
        public var amplitude: Double
        public var rho: Double

        public init(amplitude: Double, rho: Double) {
            self.amplitude = amplitude
            self.rho = rho
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case amplitude, rho }

        public init(from decoder: Decoder) throws {
            try KeyCheck.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a Born–Mayer pair")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            amplitude = try c.decode(Double.self, forKey: .amplitude)
            rho = try c.decode(Double.self, forKey: .rho)
        }
    }
    /// One A, ρ per unordered element pair, keyed by `pairKey`; nil when shared.
    public var pairs: [String: Pair]?

    public init(
        name: String = "repulsion", cutoff: Double, width: Double = 1.0, r0: Double, amplitude: Double, rho: Double,
        pairs: [String: Pair]? = nil
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.r0 = r0
        self.amplitude = pairs == nil ? amplitude : 0
        self.rho = pairs == nil ? rho : 0
        self.pairs = pairs
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, r0, amplitude, rho, pairs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "repulsion"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        r0 = try c.decode(Double.self, forKey: .r0)
        pairs = try c.decodeIfPresent([String: Pair].self, forKey: .pairs)
        if pairs == nil {
            amplitude = try c.decode(Double.self, forKey: .amplitude)
            rho = try c.decode(Double.self, forKey: .rho)
        } else {
            // Per-pair values only; shared ones alongside them would be ignored, so refuse them.
            guard !c.contains(.amplitude), !c.contains(.rho) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .amplitude, in: c,
                    debugDescription: "give either amplitude and rho (shared) or pairs, not both")
            }
            amplitude = 0
            rho = 0
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(cutoff, forKey: .cutoff)
        try c.encode(width, forKey: .width)
        try c.encode(r0, forKey: .r0)
        if let pairs {
            try c.encode(pairs, forKey: .pairs)
        } else {
            try c.encode(amplitude, forKey: .amplitude)
            try c.encode(rho, forKey: .rho)
        }
    }

    public var label: String { pairs == nil ? name : "\(name)(\(pairs!.count) pairs)" }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        guard let pairs else {
            return [ParameterSpec("amplitude", amplitude, transform: .log), ParameterSpec("rho", rho, transform: .log)]
        }
        return PairBlocks.keys(elements).flatMap { key -> [ParameterSpec] in
            let species = key.split(separator: "-").map(String.init)
            let pair = pairs[key] ?? Pair(amplitude: 0, rho: 0)
            return [
                ParameterSpec("\(key).amplitude", pair.amplitude, transform: .log, species: species),
                ParameterSpec("\(key).rho", pair.rho, transform: .log, species: species),
            ]
        }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let v = Array(values)
        guard pairs != nil else {
            amplitude = v[0]
            rho = v[1]
            return
        }
        for (block, key) in PairBlocks.keys(elements).enumerated() {
            pairs![key] = Pair(amplitude: v[2 * block], rho: v[2 * block + 1])
        }
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        if let pairs { try PairBlocks.validate(keys: pairs.keys, elements: elements, location: location) }
    }

    public func applying(_ change: TermChange) throws -> BornMayerTerm {
        var result = self
        switch change {
        case .cutoff(let value):
            result.cutoff = value
        case .splitBySpecies(let elements) where pairs == nil && elements.count > 1:
            result.pairs = Dictionary(
                uniqueKeysWithValues: PairBlocks.keys(elements).map { ($0, Pair(amplitude: amplitude, rho: rho)) })
            result.amplitude = 0
            result.rho = 0
        case .fuseSpecies where pairs != nil:
            // Geometric means: the mean in the fit's (log) coordinates.
            let blocks = Array(pairs!.values)
            func geometricMean(_ values: [Double]) -> Double {
                Foundation.exp(values.reduce(0) { $0 + Foundation.log($1) } / Double(values.count))
            }
            result.amplitude = geometricMean(blocks.map(\.amplitude))
            result.rho = geometricMean(blocks.map(\.rho))
            result.pairs = nil
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a Born–Mayer term does not support \(change)",
                fix: "change its cutoff, split a shared one by element pair or fuse a split one")
        }
        return result
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        let pairCount = context.elements.count * (context.elements.count + 1) / 2
        guard pairs == nil, pairCount > 1, room >= 2 * (pairCount - 1) else { return [] }
        return [.splitBySpecies(elements: context.elements)]
    }

    public static func examples(elements: [Element]) -> [BornMayerTerm] {
        let perPair = Dictionary(
            uniqueKeysWithValues: PairBlocks.keys(elements).enumerated().map { k, key in
                (key, Pair(amplitude: 0.7 + 0.2 * Double(k), rho: 0.35 - 0.03 * Double(k)))
            })
        return [
            BornMayerTerm(cutoff: 4.0, width: 1.0, r0: 2.5, amplitude: 0.7, rho: 0.35),
            BornMayerTerm(
                name: "repulsion-by-species", cutoff: 4.0, width: 1.0, r0: 2.5, amplitude: 0, rho: 0, pairs: perPair),
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        Kernel(
            fc: SmoothCutoff(cutoff: cutoff, width: width), r0: r0, speciesCount: elements.count,
            offsets: PairBlocks.offsets(elements: elements, blockSize: 2, resolved: pairs != nil),
            isResolved: pairs != nil && elements.count > 1)
    }

    public struct Kernel: TermKernel {
        let fc: SmoothCutoff
        let r0: Double
        let speciesCount: Int
        /// Offset of (A, ρ) for each (centre, neighbour) species pair; all zero when shared.
        let offsets: [Int]
        /// One (A, ρ) per pair (else the shared values, hoisted out of the neighbour loop).
        let isResolved: Bool

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            guard isResolved else {
                let amplitude = p[0]
                let inverseRho = T(1) / p[1]
                return env.pairSum(fc, gradient) { _, r in
                    let phi = amplitude * T.exp(-((T(r) - r0) * inverseRho))
                    return (phi, -(phi * inverseRho))
                }
            }
            let row = env.species * speciesCount
            return env.pairSum(fc, gradient) { k, r in
                let block = p + offsets[row + Int(env.neighbourSpecies[k])]
                let inverseRho = T(1) / block[1]
                let phi = block[0] * T.exp(-((T(r) - r0) * inverseRho))
                return (phi, -(phi * inverseRho))
            }
        }
    }
}

extension Term {
    public static func bornMayer(_ term: BornMayerTerm) -> Term { Term(term) }
}
