import MosaicCore

/// One basis function of a `moment-tensor` term: the full contraction of one to three moment tensors
/// M_μ^(ν) = Σ_j g_μ(r_ij) u_ij ⊗ … ⊗ u_ij (ν factors of the unit vector to neighbour j, radial channel μ).
/// Written "kind(channels)": the kind lists the ranks ν of its moments, the channels their μ, e.g.
/// "112(0,0,1)" = Σ_ab M_0^(1)_a M_1^(2)_ab M_0^(1)_b. A contraction of k moments is a (k+1)-body function
/// of the neighbourhood: "11", "22", "33" are three-body (Legendre orders ≤ ν), "112", "222", "123", "011",
/// "022" four-body.
public struct MomentInvariant: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The contraction patterns Mosaic evaluates, named by the ranks of their moments.
    public enum Kind: String, Sendable, CaseIterable {
        /// M^(0): a radial density (two-body).
        case m0 = "0"
        /// Products of two moments of equal rank, fully contracted (three-body).
        case m00 = "00"
        case m11 = "11"
        case m22 = "22"
        case m33 = "33"
        /// A^(0) B^(0) C^(0), A^(0) (B^(1)·C^(1)), A^(0) (B^(2):C^(2)) (four-body).
        case m000 = "000"
        case m011 = "011"
        case m022 = "022"
        /// A^(1)·C^(2)·B^(1), tr(A^(2) B^(2) C^(2)), Σ A^(1)_i B^(2)_jk C^(3)_ijk (four-body).
        case m112 = "112"
        case m222 = "222"
        case m123 = "123"

        /// The rank ν of each moment, in the order of the invariant's channels.
        public var ranks: [Int] { rawValue.map { Int(String($0))! } }
        /// Number of atoms the function couples: the centre and one neighbour per moment.
        public var bodyOrder: Int { rawValue.count + 1 }
    }

    public var kind: Kind
    /// The radial channel μ of each moment (as many as the kind has moments).
    public var channels: [Int]

    public init(_ kind: Kind, _ channels: [Int]) {
        self.kind = kind
        self.channels = channels
    }

    public var description: String { "\(kind.rawValue)(\(channels.map(String.init).joined(separator: ",")))" }

    /// The parameter-name form: "112_0_0_1".
    public var code: String { ([kind.rawValue] + channels.map(String.init)).joined(separator: "_") }

    /// Parses "112(0,0,1)"; nil if the text is not an invariant.
    public init?(parsing text: String) {
        let trimmed = text.replacingOccurrences(of: " ", with: "")
        guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")"),
            let kind = Kind(rawValue: String(trimmed[..<open]))
        else { return nil }
        let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        let numbers = inside.split(separator: ",").map { Int($0) }
        guard numbers.count == kind.ranks.count, numbers.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        self.init(kind, numbers.map { $0! })
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = MomentInvariant(parsing: text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "'\(text)' is not a moment invariant: write kind(channels), e.g. \"112(0,0,1)\", kinds "
                        + Kind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Every invariant of the kinds Mosaic knows over `channelCount` channels, with body order in
    /// `bodyOrders` and moments of rank ≤ `maxRank`, each once (channel orders that give the same function
    /// are listed in their canonical, non-decreasing form).
    public static func catalogue(channelCount: Int, bodyOrders: ClosedRange<Int>, maxRank: Int) -> [MomentInvariant] {
        let all = Array(0..<channelCount)
        func tuples(_ n: Int) -> [[Int]] {
            n == 0 ? [[]] : tuples(n - 1).flatMap { head in all.map { head + [$0] } }
        }
        func canonical(_ kind: Kind, _ c: [Int]) -> Bool {
            switch kind {
            case .m0, .m123: return true
            case .m00, .m11, .m22, .m33: return c[0] <= c[1]
            case .m000, .m222: return c[0] <= c[1] && c[1] <= c[2]
            case .m011, .m022: return c[1] <= c[2]
            case .m112: return c[0] <= c[1]
            }
        }
        return Kind.allCases.filter { bodyOrders.contains($0.bodyOrder) && ($0.ranks.max() ?? 0) <= maxRank }
            .flatMap { kind in
                tuples(kind.ranks.count).filter { canonical(kind, $0) }.map { MomentInvariant(kind, $0) }
            }
    }
}

/// Moment-tensor term (after Shapeev's moment tensor potentials): radial channels g_μ(r) build, for each
/// atom, the moments M_μ^(ν) = Σ_j g_μ(r_ij) u_ij^{⊗ν} (ν ≤ 3); the atom's energy is a linear combination
/// E_i = Σ_α ξ_α B_α of invariants B_α, full contractions of one to three moments (`MomentInvariant`).
/// Its cost grows with the number of neighbours, not of neighbour pairs, and its four-body invariants
/// describe what the separable three-body term cannot. The coefficients ξ_α are shared or given per element
/// of the centre atom (`species`); the channels may be weighted per neighbour element (`neighbours`), as in
/// the three-body term.
public struct MomentTensorTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("moments"), .cutoff, .width,
        KeyDoc("channels", "list of radial functions g_μ(r), one per channel; fitted"),
        KeyDoc(
            "invariants", default: "every invariant up to `body-order` and `rank`",
            "list of basis functions \"kind(channels)\", e.g. \"11(0,1)\", \"112(0,0,1)\" (kinds 0, 00, 11, 22, 33,"
                + " 000, 011, 022, 112, 222, 123: the ranks of the contracted moments)"),
        KeyDoc("body-order", default: "4", "without `invariants`: the largest body order generated (2 to 4)"),
        KeyDoc("rank", default: "2", "without `invariants`: the largest moment rank generated (0 to 3)"),
        KeyDoc(
            "coefficients", unit: "eV", default: "zeros",
            "ξ_α, one per invariant, shared by every centre element; fitted (linear)"),
        KeyDoc("species", unit: "eV", default: "shared", "`{El: [ξ…]}`: coefficients per centre element"),
        KeyDoc(
            "neighbours", default: "none (all 1)",
            "`{El: [w_0, …]}`: a positive weight per radial channel for each neighbour element; fitted"),
    ]
    public static let typeName = "moment-tensor"
    public static let summary =
        "Σ_α ξ_α B_α, B_α contractions of moments M_μ^(ν) = Σ_j g_μ(r_ij) u_ij^⊗ν (up to four-body); keys:"
        + " channels, invariants or body-order and rank, coefficients or species {El: [...]}, neighbours, cutoff,"
        + " width"

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var channels: [RadialFunction]
    public var invariants: [MomentInvariant]
    /// ξ_α, one per invariant; empty when `species` is given.
    public var coefficients: [Double]
    /// The coefficients of each centre element, by symbol; nil when shared.
    public var species: [String: [Double]]?
    /// Per neighbour element, one weight per channel; nil when every weight is 1.
    public var neighbours: [String: [Double]]?

    public init(
        name: String = "moments", cutoff: Double, width: Double = 1.0, channels: [RadialFunction],
        invariants: [MomentInvariant], coefficients: [Double]? = nil, species: [String: [Double]]? = nil,
        neighbours: [String: [Double]]? = nil
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.channels = channels
        self.invariants = invariants
        self.species = species
        self.neighbours = neighbours
        self.coefficients = species != nil ? [] : coefficients ?? Array(repeating: 0, count: invariants.count)
    }

    enum CodingKeys: String, SpeciesResolvedCodingKey, CaseIterable {
        case name, cutoff, width, channels, invariants
        case bodyOrder = "body-order"
        case rank, coefficients, species, neighbours
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let species = try c.decodeSpecies([Double].self)
        let channels = try c.decode([RadialFunction].self, forKey: .channels)
        var invariants = try c.decodeIfPresent([MomentInvariant].self, forKey: .invariants)
        if invariants != nil, c.contains(.bodyOrder) || c.contains(.rank) {
            throw DecodingError.dataCorruptedError(
                forKey: .invariants, in: c,
                debugDescription: "give either invariants or body-order/rank (which generate them), not both")
        }
        if invariants == nil {
            let order = try c.decodeIfPresent(Int.self, forKey: .bodyOrder) ?? 4
            let rank = try c.decodeIfPresent(Int.self, forKey: .rank) ?? 2
            guard (2...4).contains(order), (0...3).contains(rank) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .bodyOrder, in: c,
                    debugDescription: "body-order must be 2 to 4 and rank 0 to 3 (got \(order), \(rank))")
            }
            invariants = MomentInvariant.catalogue(
                channelCount: channels.count, bodyOrders: 2...order, maxRank: rank)
        }
        self.init(
            name: try c.decodeIfPresent(String.self, forKey: .name) ?? "moments",
            cutoff: try c.decode(Double.self, forKey: .cutoff),
            width: try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0, channels: channels,
            invariants: invariants!, coefficients: try c.decodeIfPresent([Double].self, forKey: .coefficients),
            species: species, neighbours: try c.decodeNeighbours())
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(cutoff, forKey: .cutoff)
        try c.encode(width, forKey: .width)
        try c.encode(channels, forKey: .channels)
        try c.encode(invariants, forKey: .invariants)
        try c.encodeResolution(species: species, coefficients: coefficients, neighbours: neighbours)
    }

    public var label: String {
        let resolution = NeighbourWeights.resolutionLabel(perElement: species != nil, weighted: neighbours != nil)
        let order = invariants.map(\.kind.bodyOrder).max() ?? 0
        return "\(name)(\(channels.count)ch,\(invariants.count)B,\(order)-body,\(String(format: "%.1f", cutoff))Å"
            + "\(resolution))"
    }

    func coefficientSpecs(_ values: [Double], species: [String]) -> [ParameterSpec] {
        let prefix = species.isEmpty ? "" : species[0] + "."
        return zip(invariants, values).map { invariant, value in
            ParameterSpec("\(prefix)c\(invariant.code)", value, linear: true, species: species)
        }
    }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        var specs = channels.enumerated().flatMap { n, g in g.parameterSpecs(prefix: "g\(n)", channel: n) }
        if let species {
            for element in elements {
                specs += coefficientSpecs(species[element.symbol] ?? [], species: [element.symbol])
            }
        } else {
            specs += coefficientSpecs(coefficients, species: [])
        }
        specs += NeighbourWeights.specs(neighbours, elements: elements)
        return specs
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        var k = values.startIndex
        func take(_ count: Int) -> [Double] {
            defer { k += count }
            return Array(values[k..<k + count])
        }
        for n in channels.indices { channels[n].values = take(channels[n].values.count) }
        if species != nil {
            for element in elements where species![element.symbol] != nil {
                species![element.symbol] = take(invariants.count)
            }
        } else {
            coefficients = take(invariants.count)
        }
        if neighbours != nil {
            for element in elements where neighbours![element.symbol] != nil {
                neighbours![element.symbol] = take(channels.count)
            }
        }
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        guard !channels.isEmpty, channels.count <= 8 else {
            throw MosaicError(
                location: location, "\(channels.count) radial channels: give 1 to 8",
                fix: "add channels: [{family: gaussian, values: [2.86, 0.5]}, ...]")
        }
        guard !invariants.isEmpty else {
            throw MosaicError(
                location: location, "no invariants", fix: "list invariants, e.g. [\"11(0,0)\", \"112(0,0,0)\"]")
        }
        for invariant in invariants where invariant.channels.contains(where: { $0 >= channels.count }) {
            throw MosaicError(
                location: location, "invariant \(invariant) names a channel beyond the \(channels.count) given",
                fix: "use channels 0 to \(channels.count - 1)")
        }
        if Set(invariants).count != invariants.count {
            throw MosaicError(location: location, "an invariant is listed twice", fix: "list each invariant once")
        }
        if let species {
            try PairBlocks.validateKeys(
                species.keys, expected: elements.map(\.symbol), what: "species", entry: "element", location: location,
                fix: "give the coefficients of each element: \(elements.map(\.symbol).joined(separator: ", "))")
            for (symbol, values) in species.sorted(by: { $0.key < $1.key }) where values.count != invariants.count {
                throw MosaicError(
                    location: location + " species \(symbol)",
                    "\(values.count) coefficients for \(invariants.count) invariants", fix: "give one per invariant")
            }
        } else if coefficients.count != invariants.count {
            throw MosaicError(
                location: location, "\(coefficients.count) coefficients for \(invariants.count) invariants",
                fix: "give one per invariant or omit them (zeros)")
        }
        for (n, g) in channels.enumerated() { try g.validate(location: location + " channel \(n)") }
        if let neighbours {
            try NeighbourWeights.validate(
                neighbours, channelCount: channels.count, elements: elements, location: location)
        }
    }

    public func applying(_ change: TermChange) throws -> MomentTensorTerm {
        var result = self
        switch change {
        case .removeInvariant(let text):
            guard let k = invariants.firstIndex(where: { $0.description == text }), invariants.count > 1 else {
                break
            }
            result.invariants.remove(at: k)
            if species != nil {
                result.species = species!.mapValues { values in values.enumerated().filter { $0.offset != k }.map(\.1) }
            } else {
                result.coefficients.remove(at: k)
            }
            return result
        case .cutoff(let value):
            result.cutoff = value
            return result
        case .splitBySpecies(let elements) where species == nil && elements.count > 1:
            result.species = Dictionary(uniqueKeysWithValues: elements.map { ($0.symbol, coefficients) })
            result.coefficients = []
            return result
        case .fuseSpecies where species != nil:
            let all = Array(species!.values)
            result.coefficients = invariants.indices.map { k in all.reduce(0) { $0 + $1[k] } / Double(all.count) }
            result.species = nil
            return result
        case .weighNeighbours(let elements) where neighbours == nil && elements.count > 1:
            result.neighbours = Dictionary(
                uniqueKeysWithValues: elements.map { ($0.symbol, Array(repeating: 1.0, count: channels.count)) })
            return result
        case .unweighNeighbours where neighbours != nil:
            result.neighbours = nil
            return result
        default:
            break
        }
        throw MosaicError(
            location: "term '\(name)' (\(Self.typeName))", "a moment-tensor term does not support \(change)",
            fix: "remove one of several invariants, change its cutoff, split its coefficients by element or fuse"
                + " them, weigh its channels per neighbour element or share them again")
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        if neighbours != nil, let n = parameter.channel, parameter.species.count == 1,
            parameter.local == "\(parameter.species[0]).w\(n)"
        {
            return [.unweighNeighbours]
        }
        let fuse: [TermChange] = species != nil && !parameter.species.isEmpty ? [.fuseSpecies] : []
        let code = parameter.local.split(separator: ".").last.map(String.init) ?? parameter.local
        if let invariant = invariants.first(where: { "c" + $0.code == code }), invariants.count > 1 {
            return fuse + [.removeInvariant(invariant.description)]
        }
        return fuse
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        var changes: [TermChange] = []
        if species == nil, context.elements.count > 1, room >= invariants.count * (context.elements.count - 1) {
            changes.append(.splitBySpecies(elements: context.elements))
        }
        if neighbours == nil, context.elements.count > 1, room >= channels.count * context.elements.count {
            changes.append(.weighNeighbours(elements: context.elements))
        }
        return changes
    }

    public static func examples(elements: [Element]) -> [MomentTensorTerm] {
        let channels: [RadialFunction] = [.gaussian(center: 2.86, width: 0.6), .exponential(beta: 1.5, r0: 3.0)]
        let every = MomentInvariant.catalogue(channelCount: 2, bodyOrders: 2...4, maxRank: 3)
        // Coefficients of alternating sign and decreasing size (the cubic invariants are the largest).
        let values = every.enumerated().map { k, invariant in
            (k % 2 == 0 ? 1.0 : -0.7) * 0.02 / Double(invariant.kind.bodyOrder * invariant.kind.bodyOrder)
        }
        return [
            MomentTensorTerm(cutoff: 4.2, width: 1.1, channels: channels, invariants: every, coefficients: values),
            // Coefficients per centre element and channels weighted per neighbour element.
            MomentTensorTerm(
                name: "moments-by-species", cutoff: 4.2, width: 1.1, channels: channels,
                invariants: MomentInvariant.catalogue(channelCount: 2, bodyOrders: 3...4, maxRank: 2),
                species: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { s, element in
                        let count = MomentInvariant.catalogue(channelCount: 2, bodyOrders: 3...4, maxRank: 2).count
                        return (
                            element.symbol,
                            (0..<count).map { k in (k % 3 == 0 ? -0.01 : 0.008) * (1 + 0.3 * Double(s)) }
                        )
                    }),
                neighbours: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { s, element in
                        (element.symbol, [1 + 0.4 * Double(s), 0.8 - 0.15 * Double(s)])
                    })),
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        let fc = SmoothCutoff(cutoff: cutoff, width: width)
        var offsets: [Int] = []
        var k = 0
        for g in channels {
            offsets.append(k)
            k += g.values.count
        }
        let coefficientOffset = k
        let weightOffset =
            neighbours == nil ? nil : coefficientOffset + invariants.count * (species == nil ? 1 : elements.count)
        return Kernel(
            cutoff: cutoff, channels: channels.map { $0.shape(cutoff: fc) }, offsets: offsets,
            invariants: invariants.map { Kernel.Contraction($0) }, coefficientOffset: coefficientOffset,
            perElement: species != nil, weightOffset: weightOffset, weightCount: elements.count * channels.count,
            maxRank: invariants.flatMap(\.kind.ranks).max() ?? 0,
            coefficientCount: invariants.count * (species == nil ? 1 : elements.count))
    }

    public struct Kernel: LinearBasisKernel {
        /// An invariant as the kernel evaluates it: its kind and the offsets of its moments' blocks.
        struct Contraction: Sendable {
            let kind: MomentInvariant.Kind
            /// Offsets of each moment (channel block + the rank's place in it).
            let a: Int, b: Int, c: Int
            /// Number of components of the first moment (1, 3, 9 or 27).
            let count: Int
            /// The distinct moments the invariant reads (`touchedCount` of them): channel, rank, and offset.
            let touchedChannels: SIMD3<Int>
            let touchedRanks: SIMD3<Int>
            let touchedOffsets: SIMD3<Int>
            let touchedCount: Int

            init(_ invariant: MomentInvariant) {
                kind = invariant.kind
                let ranks = invariant.kind.ranks
                func offset(_ k: Int) -> Int {
                    k < ranks.count ? invariant.channels[k] * Kernel.blockSize + Kernel.rankOffset[ranks[k]] : 0
                }
                a = offset(0)
                b = offset(1)
                c = offset(2)
                count = Kernel.componentCount[ranks[0]]
                var seen: [Int] = []
                var channels = SIMD3<Int>.zero
                var touched = SIMD3<Int>.zero
                var offsets = SIMD3<Int>.zero
                for k in ranks.indices where !seen.contains(offset(k)) {
                    channels[seen.count] = invariant.channels[k]
                    touched[seen.count] = ranks[k]
                    offsets[seen.count] = offset(k)
                    seen.append(offset(k))
                }
                touchedChannels = channels
                touchedRanks = touched
                touchedOffsets = offsets
                touchedCount = seen.count
            }
        }

        /// A channel's moments: M^(0) (1), M^(1) (3), M^(2) (3 × 3), M^(3) (3 × 3 × 3), row-major.
        static let blockSize = 40
        static let rankOffset = [0, 1, 4, 13]
        static let componentCount = [1, 3, 9, 27]

        let cutoff: Double
        let channels: [RadialFunction.Shape]
        let offsets: [Int]
        let invariants: [Contraction]
        let coefficientOffset: Int
        let perElement: Bool
        let weightOffset: Int?
        /// Number of neighbour weights (elements × channels) when the channels are weighted.
        let weightCount: Int
        let maxRank: Int
        /// Number of coefficients ξ (invariants, times elements when given per element).
        let coefficientCount: Int
        /// Components of a moment block that the invariants read (up to the highest rank).
        var usedComponents: Int { Kernel.rankOffset[maxRank] + Kernel.componentCount[maxRank] }

        public func scratchCount(neighbours count: Int) -> Int {
            2 * count * channels.count + 2 * channels.count * Kernel.blockSize
        }

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            let m = env.selectNeighbours(within: cutoff)
            guard m >= 1 else { return T(0) }
            let channelCount = channels.count
            let xi = p + coefficientOffset + (perElement ? env.species * invariants.count : 0)
            // A Jacobian chunk that seeds only other elements' coefficients gives this atom no derivative: skip it
            // (with coefficients per element, all but one element's chunks).
            if T.carriesDerivatives, perElement, !xi.anySeeded(invariants.count), !p.anySeeded(coefficientOffset),
                !(p + (weightOffset ?? 0)).anySeeded(weightOffset == nil ? 0 : weightCount)
            {
                return T(0)
            }
            let work = Workspace(scratch, neighbours: m, channels: channelCount)
            env.evaluateChannels(
                channels, offsets: offsets, p, weightOffset: weightOffset, m: m, g: work.g, dg: work.dg)
            let size = Kernel.blockSize
            // 1, u, u ⊗ u, u ⊗ u ⊗ u of every neighbour, on the stack, for both passes.
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: m * size) { buffer in
                let allPowers = buffer.baseAddress!
                for a in 0..<m { Kernel.tensorPowers(env.u[env.selection[a]], into: allPowers + a * size) }
                return momentsEnergy(env, gradient, work, xi: xi, powers: allPowers)
            }
        }

        /// The coefficients ξ: the energy is linear in them.
        public var linearParameters: [Int] { Array(coefficientOffset..<coefficientOffset + coefficientCount) }

        /// B_α and dB_α/dd of each invariant of the atom's coefficients: the moments once, then one adjoint per
        /// invariant over the moments it reads.
        public func forEachBasisFunction(
            _ p: UnsafePointer<Double>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Double>>,
            _ scratch: UnsafeMutablePointer<Double>, _ body: (Int, Double, UnsafeBufferPointer<Int>) -> Void
        ) {
            let m = env.selectNeighbours(within: cutoff)
            guard m >= 1 else { return }
            let work = Workspace(scratch, neighbours: m, channels: channels.count)
            env.evaluateChannels(
                channels, offsets: offsets, p, weightOffset: weightOffset, m: m, g: work.g, dg: work.dg)
            let size = Kernel.blockSize
            let first = coefficientOffset + (perElement ? env.species * invariants.count : 0)
            withUnsafeTemporaryAllocation(of: Double.self, capacity: m * size) { buffer in
                let allPowers = buffer.baseAddress!
                for a in 0..<m { Kernel.tensorPowers(env.u[env.selection[a]], into: allPowers + a * size) }
                accumulateMoments(work, powers: allPowers)
                let adjoints = work.adjoints
                for (k, invariant) in invariants.enumerated() {
                    let value = Kernel.contract(invariant, work.moments, 1.0, adjoints: adjoints)
                    for b in 0..<invariant.touchedCount where invariant.touchedRanks[b] >= 2 {
                        Kernel.symmetrise(adjoints + invariant.touchedOffsets[b], rank: invariant.touchedRanks[b])
                    }
                    for a in 0..<m { gradient[env.selection[a]] = .zero }
                    for a in 0..<m {
                        let j = env.selection[a]
                        let u = env.u[j]
                        var along = 0.0
                        var toward = Vector3<Double>.zero
                        for b in 0..<invariant.touchedCount {
                            let rank = invariant.touchedRanks[b]
                            let adjoint = UnsafePointer(adjoints + invariant.touchedOffsets[b])
                            var s = rank == 0 ? adjoint[0] : 0.0
                            var weightedS = 0.0
                            var t = Vector3<Double>.zero
                            if rank > 0 {
                                Kernel.addAdjointTerms(
                                    adjoint, rank: rank, u: u, powers: allPowers + a * size, s: &s,
                                    weightedS: &weightedS, t: &t)
                            }
                            let n = invariant.touchedChannels[b]
                            Kernel.addNeighbourGradient(
                                value: work.g[n * m + a], slope: work.dg[n * m + a], inverseR: env.inverseR[j], s: s,
                                weightedS: weightedS, t: t, along: &along, toward: &toward)
                        }
                        gradient[j].add(u, times: along)
                        gradient[j].add(toward)
                    }
                    body(first + k, value, UnsafeBufferPointer(start: env.selection, count: m))
                    // Clear what this invariant wrote, for the next.
                    for b in 0..<invariant.touchedCount {
                        let rank = invariant.touchedRanks[b]
                        let count = rank == 0 ? 1 : rank == 1 ? 3 : rank == 2 ? 9 : 27
                        for c in 0..<count { adjoints[invariant.touchedOffsets[b] + c] = 0 }
                    }
                }
            }
        }

        /// The kernel's scratch for one atom with m selected neighbours: g and g′ of every neighbour for every
        /// channel (channel-major), then every channel's moments and their adjoints dE/dM (zeroed).
        struct Workspace<T: ModelScalar> {
            let m: Int
            let g: UnsafeMutablePointer<T>
            let dg: UnsafeMutablePointer<T>
            let moments: UnsafeMutablePointer<T>
            let adjoints: UnsafeMutablePointer<T>

            @inline(__always)
            init(_ scratch: UnsafeMutablePointer<T>, neighbours m: Int, channels: Int) {
                self.m = m
                g = scratch
                dg = scratch + channels * m
                moments = dg + channels * m
                adjoints = moments + channels * Kernel.blockSize
                for k in 0..<(2 * channels * Kernel.blockSize) { moments[k] = T(0) }
            }
        }

        /// M_μ^(ν) += g_μ(r) u^⊗ν over the selected neighbours, into the workspace's (zeroed) moments.
        @inline(__always)
        func accumulateMoments<T: ModelScalar>(_ work: Workspace<T>, powers allPowers: UnsafePointer<Double>) {
            let size = Kernel.blockSize
            let used = usedComponents
            for a in 0..<work.m {
                let powers = allPowers + a * size
                for n in 0..<channels.count {
                    let block = work.moments + n * size
                    let value = work.g[n * work.m + a]
                    for k in 0..<used { block[k] += value * powers[k] }
                }
            }
        }

        /// The energy of moments accumulated from g and the neighbours' tensor powers, and its gradient.
        @inline(__always)
        func momentsEnergy<T: ModelScalar>(
            _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>, _ work: Workspace<T>,
            xi: UnsafePointer<T>, powers allPowers: UnsafePointer<Double>
        ) -> T {
            let m = work.m
            let g = work.g
            let dg = work.dg
            let moments = work.moments
            let adjoints = work.adjoints
            let size = Kernel.blockSize
            let channelCount = channels.count
            accumulateMoments(work, powers: allPowers)
            var energy = T(0)
            let wantsGradient = !env.energyOnly
            for (k, invariant) in invariants.enumerated() {
                energy += Kernel.contract(
                    invariant, moments, xi[k], adjoints: wantsGradient ? adjoints : nil)
            }
            guard wantsGradient else { return energy }
            // The adjoints dE/dM enter contractions with the symmetric u^⊗ν: symmetrise them.
            for n in 0..<channelCount { Kernel.symmetrise(adjoints + n * size, maxRank: maxRank) }
            for a in 0..<m {
                let j = env.selection[a]
                let u = env.u[j]
                let powers = allPowers + a * size
                var along = T(0)
                var toward = Vector3<T>.zero
                for n in 0..<channelCount {
                    let adjoint = UnsafePointer(adjoints + n * size)
                    var s = adjoint[0]
                    var weightedS = T(0)
                    var t = Vector3<T>.zero
                    for rank in 1...max(maxRank, 1) where rank <= maxRank {
                        Kernel.addAdjointTerms(
                            adjoint + Kernel.offset(ofRank: rank), rank: rank, u: u, powers: powers, s: &s,
                            weightedS: &weightedS, t: &t)
                    }
                    Kernel.addNeighbourGradient(
                        value: g[n * m + a], slope: dg[n * m + a], inverseR: env.inverseR[j], s: s,
                        weightedS: weightedS, t: t, along: &along, toward: &toward)
                }
                gradient[j].add(u, times: along)
                gradient[j].add(toward)
            }
            return energy
        }

        /// The offset of rank ν's components in a moment block (0, 1, 4, 13).
        @inline(__always)
        static func offset(ofRank rank: Int) -> Int { rank == 0 ? 0 : rank == 1 ? 1 : rank == 2 ? 4 : 13 }

        /// One moment's share of dB/dd for a neighbour at unit vector u, from the (symmetric) adjoint G
        /// of rank ν ≥ 1 at `adjoint`: s += G ⋮ u^⊗ν, weightedS += ν s_ν, t += ν G ⋮ u^⊗(ν−1).
        /// `powers` holds u's tensor powers.
        @inline(__always)
        static func addAdjointTerms<T: ModelScalar>(
            _ adjoint: UnsafePointer<T>, rank: Int, u: SIMD3<Double>, powers: UnsafePointer<Double>, s: inout T,
            weightedS: inout T, t: inout Vector3<T>
        ) {
            switch rank {
            case 1:
                let s1 = adjoint[0] * u.x + adjoint[1] * u.y + adjoint[2] * u.z
                s += s1
                weightedS += s1
                t.add(Vector3(adjoint[0], adjoint[1], adjoint[2]))
            case 2:
                let r0 = adjoint[0] * u.x + adjoint[1] * u.y + adjoint[2] * u.z
                let r1 = adjoint[3] * u.x + adjoint[4] * u.y + adjoint[5] * u.z
                let r2 = adjoint[6] * u.x + adjoint[7] * u.y + adjoint[8] * u.z
                let s2 = r0 * u.x + r1 * u.y + r2 * u.z
                s += s2
                weightedS += s2 * 2
                t.add(Vector3(r0 * 2, r1 * 2, r2 * 2))
            default:
                var t3x = T(0)
                var t3y = T(0)
                var t3z = T(0)
                for jk in 0..<9 {
                    let ujk = powers[4 + jk]
                    t3x += adjoint[jk] * ujk
                    t3y += adjoint[9 + jk] * ujk
                    t3z += adjoint[18 + jk] * ujk
                }
                let s3 = t3x * u.x + t3y * u.y + t3z * u.z
                s += s3
                weightedS += s3 * 3
                t.add(Vector3(t3x * 3, t3y * 3, t3z * 3))
            }
        }

        /// d/dd [g(r) u^⊗ν] ⋮ G = (g′ s − g Σ_ν ν s_ν / r) u + g t / r, split into its part along u
        /// and the rest.
        @inline(__always)
        static func addNeighbourGradient<T: ModelScalar>(
            value: T, slope: T, inverseR: Double, s: T, weightedS: T, t: Vector3<T>, along: inout T,
            toward: inout Vector3<T>
        ) {
            let scaled = value * inverseR
            along += slope * s - scaled * weightedS
            toward.x += scaled * t.x
            toward.y += scaled * t.y
            toward.z += scaled * t.z
        }

        /// The invariant's value times ξ; with `adjoints`, adds ξ ∂B/∂M to them.
        @inline(__always)
        static func contract<T: ModelScalar>(
            _ c: Contraction, _ moments: UnsafeMutablePointer<T>, _ xi: T, adjoints: UnsafeMutablePointer<T>?
        ) -> T {
            let a = moments + c.a
            let b = moments + c.b
            let cc = moments + c.c
            switch c.kind {
            case .m0:
                if let adjoints { adjoints[c.a] += xi }
                return xi * a[0]
            case .m00, .m11, .m22, .m33:
                let count = c.count
                var sum = T(0)
                for k in 0..<count { sum += a[k] * b[k] }
                if let adjoints {
                    for k in 0..<count {
                        adjoints[c.a + k] += xi * b[k]
                        adjoints[c.b + k] += xi * a[k]
                    }
                }
                return xi * sum
            case .m000:
                if let adjoints {
                    adjoints[c.a] += xi * b[0] * cc[0]
                    adjoints[c.b] += xi * a[0] * cc[0]
                    adjoints[c.c] += xi * a[0] * b[0]
                }
                return xi * a[0] * b[0] * cc[0]
            case .m011, .m022:
                let count = c.kind == .m011 ? 3 : 9
                var dot = T(0)
                for k in 0..<count { dot += b[k] * cc[k] }
                if let adjoints {
                    adjoints[c.a] += xi * dot
                    let scaled = xi * a[0]
                    for k in 0..<count {
                        adjoints[c.b + k] += scaled * cc[k]
                        adjoints[c.c + k] += scaled * b[k]
                    }
                }
                return xi * a[0] * dot
            case .m112:
                // a, b: vectors; cc: matrix. B = a · (C b).
                var cb = (T(0), T(0), T(0))
                var ca = (T(0), T(0), T(0))
                cb.0 = cc[0] * b[0] + cc[1] * b[1] + cc[2] * b[2]
                cb.1 = cc[3] * b[0] + cc[4] * b[1] + cc[5] * b[2]
                cb.2 = cc[6] * b[0] + cc[7] * b[1] + cc[8] * b[2]
                let value = a[0] * cb.0 + a[1] * cb.1 + a[2] * cb.2
                if let adjoints {
                    // C is symmetric: ∂B/∂b = C a.
                    ca.0 = cc[0] * a[0] + cc[3] * a[1] + cc[6] * a[2]
                    ca.1 = cc[1] * a[0] + cc[4] * a[1] + cc[7] * a[2]
                    ca.2 = cc[2] * a[0] + cc[5] * a[1] + cc[8] * a[2]
                    adjoints[c.a] += xi * cb.0
                    adjoints[c.a + 1] += xi * cb.1
                    adjoints[c.a + 2] += xi * cb.2
                    adjoints[c.b] += xi * ca.0
                    adjoints[c.b + 1] += xi * ca.1
                    adjoints[c.b + 2] += xi * ca.2
                    for i in 0..<3 {
                        for j in 0..<3 { adjoints[c.c + 3 * i + j] += xi * a[i] * b[j] }
                    }
                }
                return xi * value
            case .m222:
                // tr(A B C) = Σ_ij A_ij (B C)_ji.
                var value = T(0)
                for i in 0..<3 {
                    for j in 0..<3 {
                        var bc = T(0)
                        for k in 0..<3 { bc += b[3 * j + k] * cc[3 * k + i] }
                        value += a[3 * i + j] * bc
                        if let adjoints { adjoints[c.a + 3 * i + j] += xi * bc }
                    }
                }
                if let adjoints {
                    for i in 0..<3 {
                        for j in 0..<3 {
                            var ca = T(0)
                            var ab = T(0)
                            for k in 0..<3 {
                                ca += cc[3 * j + k] * a[3 * k + i]
                                ab += a[3 * j + k] * b[3 * k + i]
                            }
                            adjoints[c.b + 3 * i + j] += xi * ca
                            adjoints[c.c + 3 * i + j] += xi * ab
                        }
                    }
                }
                return xi * value
            case .m123:
                // Σ_ijk a_i B_jk C_ijk.
                var value = T(0)
                for i in 0..<3 {
                    var contracted = T(0)
                    for jk in 0..<9 { contracted += b[jk] * cc[9 * i + jk] }
                    value += a[i] * contracted
                    if let adjoints { adjoints[c.a + i] += xi * contracted }
                }
                if let adjoints {
                    for jk in 0..<9 {
                        var sum = T(0)
                        for i in 0..<3 { sum += a[i] * cc[9 * i + jk] }
                        adjoints[c.b + jk] += xi * sum
                    }
                    for i in 0..<3 {
                        let scaled = xi * a[i]
                        for jk in 0..<9 { adjoints[c.c + 9 * i + jk] += scaled * b[jk] }
                    }
                }
                return xi * value
            }
        }

        /// 1, u, u ⊗ u and u ⊗ u ⊗ u of a unit vector into `powers`, in the layout of a moment block.
        @inline(__always)
        static func tensorPowers(_ u: SIMD3<Double>, into powers: UnsafeMutablePointer<Double>) {
            powers[0] = 1
            for i in 0..<3 {
                powers[1 + i] = u[i]
                for j in 0..<3 {
                    let uij = u[i] * u[j]
                    powers[4 + 3 * i + j] = uij
                    for k in 0..<3 { powers[13 + 9 * i + 3 * j + k] = uij * u[k] }
                }
            }
        }

        /// Replaces the rank-2 and rank-3 adjoints of one channel block by their symmetric parts.
        @inline(__always)
        static func symmetrise<T: ModelScalar>(_ block: UnsafeMutablePointer<T>, maxRank: Int) {
            if maxRank >= 2 { symmetrise(block + 4, rank: 2) }
            if maxRank >= 3 { symmetrise(block + 13, rank: 3) }
        }

        /// Replaces one moment's adjoint (rank 2 or 3, at `adjoint`) by its symmetric part.
        @inline(__always)
        static func symmetrise<T: ModelScalar>(_ adjoint: UnsafeMutablePointer<T>, rank: Int) {
            if rank == 2 {
                for i in 0..<3 {
                    for j in (i + 1)..<3 {
                        let mean = (adjoint[3 * i + j] + adjoint[3 * j + i]) * 0.5
                        adjoint[3 * i + j] = mean
                        adjoint[3 * j + i] = mean
                    }
                }
                return
            }
            guard rank == 3 else { return }
            for i in 0..<3 {
                for j in i..<3 {
                    for k in j..<3 {
                        let p1 = 9 * i + 3 * j + k
                        let p2 = 9 * i + 3 * k + j
                        let p3 = 9 * j + 3 * i + k
                        let p4 = 9 * j + 3 * k + i
                        let p5 = 9 * k + 3 * i + j
                        let p6 = 9 * k + 3 * j + i
                        let mean =
                            (adjoint[p1] + adjoint[p2] + adjoint[p3] + adjoint[p4] + adjoint[p5] + adjoint[p6])
                            * (1.0 / 6.0)
                        adjoint[p1] = mean
                        adjoint[p2] = mean
                        adjoint[p3] = mean
                        adjoint[p4] = mean
                        adjoint[p5] = mean
                        adjoint[p6] = mean
                    }
                }
            }
        }
    }
}

extension Term {
    public static func momentTensor(_ term: MomentTensorTerm) -> Term { Term(term) }
}
