import MosaicCore

/// Angular 3-body term: E_i = Σ_n Σ_{j<k} g_n(r_ij) g_n(r_ik) Σ_{l=0}^{L} c_{nl} P_l(cos θ_jik),
/// one radial channel g_n per entry of `channels`, Legendre polynomials P_l. The angular coefficients
/// c_nl are shared by all species, or given per element of the centre atom (`species: {Nb: [[...]],
/// Mo: [[...]]}`, one row per channel each). The radial channels are shared, or weighted per neighbour
/// element (`neighbours: {Nb: [w_0, ...], Mo: [...]}`: a neighbour of element s enters channel n as
/// w_sn g_n(r), so the radial channels, and with them each triplet's weight, depend on the neighbours'
/// species).
public struct ThreeBodyTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("angular"), .cutoff, .width,
        KeyDoc("order", "highest Legendre order L (≤ 7)"),
        KeyDoc("channels", "list of radial functions g_n(r), one per channel; fitted"),
        KeyDoc(
            "coefficients", unit: "eV", default: "zeros",
            "c_nl: one row of L + 1 numbers per channel, shared by every centre element; fitted (linear)"),
        KeyDoc(
            "species", unit: "eV", default: "shared",
            "`{El: rows}`: the rows of each centre element (channels stay shared); instead of coefficients"),
        KeyDoc(
            "neighbours", default: "none (all 1)",
            "`{El: [w_0, …]}`: a positive weight per radial channel for each neighbour element (g_n of an El"
                + " neighbour is w_n g_n); fitted"),
    ]
    public static let typeName = "three-body"
    public static let summary =
        "Σ_n Σ_{j<k} g_n(r_ij) g_n(r_ik) Σ_l c_nl P_l(cos θ_jik); keys: order (≤ 7), channels, coefficients"
        + " (shared) or species {El: rows} (per centre element), neighbours {El: [w_n]} (per neighbour element),"
        + " cutoff, width"

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var order: Int
    public var channels: [RadialFunction]
    /// c_{nl}: one row of order+1 numbers per channel (zeros when omitted); empty when `species` is given.
    public var coefficients: [[Double]]
    /// The rows of each centre element, by symbol; nil when shared.
    public var species: [String: [[Double]]]?
    /// Per neighbour element, one weight per radial channel; nil when the channels do not depend on the
    /// neighbours' species (every weight 1).
    public var neighbours: [String: [Double]]?

    public init(
        name: String = "angular", cutoff: Double, width: Double = 1.0, order: Int, channels: [RadialFunction],
        coefficients: [[Double]]? = nil, species: [String: [[Double]]]? = nil, neighbours: [String: [Double]]? = nil
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.order = order
        self.channels = channels
        self.species = species
        self.neighbours = neighbours
        self.coefficients =
            species != nil
            ? [] : coefficients ?? Array(repeating: Array(repeating: 0, count: order + 1), count: channels.count)
    }

    enum CodingKeys: String, SpeciesResolvedCodingKey, CaseIterable {
        case name, cutoff, width, order, channels, coefficients, species, neighbours
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let species = try c.decodeSpecies([[Double]].self)
        self.init(
            name: try c.decodeIfPresent(String.self, forKey: .name) ?? "angular",
            cutoff: try c.decode(Double.self, forKey: .cutoff),
            width: try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0,
            order: try c.decode(Int.self, forKey: .order),
            channels: try c.decode([RadialFunction].self, forKey: .channels),
            coefficients: try c.decodeIfPresent([[Double]].self, forKey: .coefficients), species: species,
            neighbours: try c.decodeNeighbours())
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(cutoff, forKey: .cutoff)
        try c.encode(width, forKey: .width)
        try c.encode(order, forKey: .order)
        try c.encode(channels, forKey: .channels)
        try c.encodeResolution(species: species, coefficients: coefficients, neighbours: neighbours)
    }

    public var label: String {
        let resolution = NeighbourWeights.resolutionLabel(perElement: species != nil, weighted: neighbours != nil)
        return "\(name)(\(channels.count)ch,L\(order),\(String(format: "%.1f", cutoff))Å\(resolution))"
    }

    /// The coefficient rows' parameters, named with `prefix`.
    func coefficientSpecs(_ rows: [[Double]], prefix: String, species: [String]) -> [ParameterSpec] {
        rows.enumerated().flatMap { n, row in
            row.enumerated().map { l, value in
                ParameterSpec("\(prefix)c\(n)_\(l)", value, linear: true, channel: n, species: species)
            }
        }
    }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        channelAndCoefficientSpecs(elements: elements) + neighbourWeightSpecs(elements: elements)
    }

    /// The neighbour weights' parameters, after every other parameter of the term: per element, one per channel.
    func neighbourWeightSpecs(elements: [Element]) -> [ParameterSpec] {
        NeighbourWeights.specs(neighbours, elements: elements)
    }

    func channelAndCoefficientSpecs(elements: [Element]) -> [ParameterSpec] {
        guard let species else {
            return zip(channels, coefficients).enumerated().flatMap { n, channel in
                channel.0.parameterSpecs(prefix: "g\(n)", channel: n)
                    + coefficientSpecs([channel.1], prefix: "", species: []).map {
                        var spec = $0
                        spec.local = "c\(n)_" + spec.local.split(separator: "_").last!
                        spec.channel = n
                        return spec
                    }
            }
        }
        // Radial channels first (shared), then each element's rows.
        return channels.enumerated().flatMap { n, g in g.parameterSpecs(prefix: "g\(n)", channel: n) }
            + elements.flatMap { element in
                coefficientSpecs(species[element.symbol] ?? [], prefix: "\(element.symbol).", species: [element.symbol])
            }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let weightCount = neighbours == nil ? 0 : elements.count * channels.count
        let weightStart = values.endIndex - weightCount
        if neighbours != nil {
            for (e, element) in elements.enumerated() {
                let start = weightStart + e * channels.count
                neighbours![element.symbol] = Array(values[start..<start + channels.count])
            }
        }
        setChannelsAndCoefficients(values[values.startIndex..<weightStart], elements: elements)
    }

    mutating func setChannelsAndCoefficients(_ values: ArraySlice<Double>, elements: [Element]) {
        var k = values.startIndex
        guard species != nil else {
            for n in channels.indices {
                let m = channels[n].values.count
                channels[n].values = Array(values[k..<k + m])
                k += m
                coefficients[n] = Array(values[k..<k + order + 1])
                k += order + 1
            }
            return
        }
        for n in channels.indices {
            let m = channels[n].values.count
            channels[n].values = Array(values[k..<k + m])
            k += m
        }
        for element in elements where species![element.symbol] != nil {
            species![element.symbol] = channels.indices.map { _ in
                defer { k += order + 1 }
                return Array(values[k..<k + order + 1])
            }
        }
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        guard order >= 0, order <= 7 else {
            throw MosaicError(
                location: location, "order \(order) must be in 0...7", fix: "use a Legendre order of a few")
        }
        guard !channels.isEmpty else {
            throw MosaicError(location: location, "no radial channels", fix: "add channels: [...]")
        }
        func checkRows(_ rows: [[Double]], _ place: String) throws {
            guard rows.count == channels.count, rows.allSatisfy({ $0.count == order + 1 }) else {
                throw MosaicError(
                    location: location + place,
                    "coefficients must be one row of order+1 = \(order + 1) numbers per channel",
                    fix: "fix coefficients or omit them")
            }
        }
        if let species {
            try PairBlocks.validateKeys(
                species.keys, expected: elements.map(\.symbol), what: "species", entry: "element", location: location,
                fix: "give the rows of each element: \(elements.map(\.symbol).joined(separator: ", "))")
            for (symbol, rows) in species.sorted(by: { $0.key < $1.key }) { try checkRows(rows, " species \(symbol)") }
        } else {
            try checkRows(coefficients, "")
        }
        for (n, g) in channels.enumerated() { try g.validate(location: location + " channel \(n)") }
        if let neighbours {
            try NeighbourWeights.validate(
                neighbours, channelCount: channels.count, elements: elements, location: location)
        }
    }

    public func applying(_ change: TermChange) throws -> ThreeBodyTerm {
        var result = self
        /// Applies a change of the rows to the shared rows or to every element's.
        func eachRows(_ change: ([[Double]]) -> [[Double]]) {
            if let species {
                result.species = species.mapValues(change)
            } else {
                result.coefficients = change(coefficients)
            }
        }
        switch change {
        case .resize(let size):
            eachRows { rows in rows.map { row in (0...size).map { $0 < row.count ? row[$0] : 0 } } }
            result.order = size
        case .addChannel(let channel):
            result.channels.append(channel)
            eachRows { $0 + [Array(repeating: 0, count: order + 1)] }
            result.neighbours = neighbours?.mapValues { $0 + [1] }
        case .removeChannel(let n) where channels.indices.contains(n) && channels.count > 1:
            result.channels.remove(at: n)
            eachRows { rows in rows.enumerated().filter { $0.offset != n }.map(\.element) }
            result.neighbours = neighbours?.mapValues { weights in
                weights.enumerated().filter { $0.offset != n }.map(\.element)
            }
        case .weighNeighbours(let elements) where neighbours == nil && elements.count > 1:
            result.neighbours = Dictionary(
                uniqueKeysWithValues: elements.map { ($0.symbol, Array(repeating: 1.0, count: channels.count)) })
        case .unweighNeighbours where neighbours != nil:
            let all = neighbours!.values
            let meanSquare = channels.indices.map { n in all.reduce(0) { $0 + $1[n] * $1[n] } / Double(all.count) }
            eachRows { rows in rows.enumerated().map { n, row in row.map { $0 * meanSquare[n] } } }
            result.neighbours = nil
        case .cutoff(let value):
            result.cutoff = value
        case .splitBySpecies(let elements) where species == nil && elements.count > 1:
            result.species = Dictionary(uniqueKeysWithValues: elements.map { ($0.symbol, coefficients) })
            result.coefficients = []
        case .fuseSpecies where species != nil:
            let all = Array(species!.values)
            result.coefficients = channels.indices.map { n in
                (0...order).map { l in all.reduce(0) { $0 + $1[n][l] } / Double(all.count) }
            }
            result.species = nil
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a three-body term does not support \(change)",
                fix: "resize it, add or remove one of several channels, change its cutoff, split its coefficients"
                    + " by element or fuse them, weigh its channels per neighbour element or share them again")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        if neighbours != nil, let n = parameter.channel, parameter.species.count == 1,
            parameter.local == "\(parameter.species[0]).w\(n)"
        {
            return [.unweighNeighbours]
        }
        let fuse: [TermChange] = species != nil && !parameter.species.isEmpty ? [.fuseSpecies] : []
        if channels.count > 1, let n = parameter.channel { return fuse + [.removeChannel(n)] }
        return fuse + (order > 2 ? [.resize(order - 1)] : [])
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        var changes: [TermChange] = []
        if room >= order + 3 {
            // A narrow Gaussian channel just beyond the outermost one.
            let centres = channels.compactMap { $0.family == .gaussian ? $0.values[0] : nil }
            let outermost = centres.max() ?? channels.compactMap(\.r0).max() ?? context.nearestNeighbour
            changes.append(.addChannel(.gaussian(center: min(outermost + 0.45, cutoff - 0.3), width: 0.4)))
        }
        if room >= channels.count, order < 7 { changes.append(.resize(order + 1)) }
        // Longer reach, up to 1.68 nearest-neighbour distances (past the second shell of bcc and fcc).
        if cutoff < 1.68 * context.nearestNeighbour { changes.append(.cutoff(cutoff + 0.3)) }
        let rows = channels.count * (order + 1)
        if species == nil, context.elements.count > 1, room >= rows * (context.elements.count - 1) {
            changes.append(.splitBySpecies(elements: context.elements))
        }
        if neighbours == nil, context.elements.count > 1, room >= channels.count * context.elements.count {
            changes.append(.weighNeighbours(elements: context.elements))
        }
        return changes
    }

    public static func examples(elements: [Element]) -> [ThreeBodyTerm] {
        [
            ThreeBodyTerm(
                cutoff: 4.1, width: 1.1, order: 4,
                channels: [.gaussian(center: 2.86, width: 0.45), .exponential(beta: 1.5, r0: 3.0)],
                coefficients: [[0.12, -0.08, 0.15, 0.04, -0.06], [-0.05, 0.11, -0.02, 0.07, 0.03]]),
            ThreeBodyTerm(
                name: "angular-spline", cutoff: 4.5, width: 1.0, order: 2,
                channels: [.spline(inner: 2.0, weights: [0.3, -0.2, 0.25, 0.1])],
                coefficients: [[0.05, -0.1, 0.08]]),
            // Coefficients per centre element, each different.
            ThreeBodyTerm(
                name: "angular-by-species", cutoff: 4.1, width: 1.1, order: 3,
                channels: [.gaussian(center: 2.86, width: 0.45), .exponential(beta: 1.5, r0: 3.0)],
                species: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { k, element in
                        let scale = 1 + 0.5 * Double(k)
                        return (
                            element.symbol,
                            [[0.12, -0.08, 0.15, 0.04], [-0.05, 0.11, -0.02, 0.07]].map {
                                $0.map { $0 * scale }
                            }
                        )
                    })),
            // Channels weighted per neighbour element, coefficients per centre element.
            ThreeBodyTerm(
                name: "angular-weighted", cutoff: 4.1, width: 1.1, order: 3,
                channels: [.gaussian(center: 2.86, width: 0.45), .exponential(beta: 1.5, r0: 3.0)],
                species: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { k, element in
                        (element.symbol, [[0.12, -0.08, 0.15, 0.04], [-0.05, 0.11, -0.02, 0.07 + 0.03 * Double(k)]])
                    }),
                neighbours: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { k, element in
                        (element.symbol, [1 + 0.4 * Double(k), 0.8 - 0.15 * Double(k)])
                    })),
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        let fc = SmoothCutoff(cutoff: cutoff, width: width)
        let stride = order + 1
        var radial: [Int] = []
        var coefficientOffsets = [Int](repeating: 0, count: elements.count * channels.count)
        var k = 0
        if species == nil {
            for (n, g) in channels.enumerated() {
                radial.append(k)
                for s in elements.indices { coefficientOffsets[s * channels.count + n] = k + g.values.count }
                k += g.values.count + stride
            }
        } else {
            for g in channels {
                radial.append(k)
                k += g.values.count
            }
            for s in elements.indices {
                for n in channels.indices {
                    coefficientOffsets[s * channels.count + n] = k + (s * channels.count + n) * stride
                }
            }
        }
        // The neighbour weights follow every other parameter (`neighbourWeightSpecs`).
        let weightOffset = neighbours == nil ? nil : channelAndCoefficientSpecs(elements: elements).count
        return Kernel(
            cutoff: cutoff, order: order, channels: channels.map { $0.shape(cutoff: fc) }, offsets: radial,
            radialCounts: channels.map(\.values.count), coefficientOffsets: coefficientOffsets,
            weightOffset: weightOffset)
    }

    public struct Kernel: LinearBasisKernel {
        let cutoff: Double
        let order: Int
        let channels: [RadialFunction.Shape]
        /// Offset of channel n's radial parameters.
        let offsets: [Int]
        /// Number of channel n's radial parameters.
        let radialCounts: [Int]
        /// Offset of the coefficient row of channel n for a centre of species s, at s · channels + n.
        let coefficientOffsets: [Int]
        /// Offset of the neighbour weights w_sn (at + s · channels + n); nil when the channels are unweighted.
        let weightOffset: Int?

        public var legendreOrder: Int { order }

        public func scratchCount(neighbours count: Int) -> Int {
            2 * count * channels.count + channels.count * (order + 1)
        }

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            let m = env.selectNeighbours(within: cutoff)
            guard m >= 2 else { return T(0) }
            let row = env.species * channels.count
            // The energy is a sum over channels: a Jacobian chunk needs only the channels whose parameters it seeds
            // (none: the chunk seeds another element's coefficients), the others add no derivative.
            let subset = T.carriesDerivatives ? seededChannels(p, row: row) : .all
            let channelCount = subset.count(of: channels.count)
            guard channelCount > 0 else { return T(0) }
            // g and g′ of every selected neighbour for every channel (a neighbour of species s enters channel n
            // as w_sn g_n when the channels are weighted).
            let g = scratch
            let dg = scratch + channelCount * m
            env.evaluateChannels(
                channels, offsets: offsets, p, weightOffset: weightOffset, m: m, g: g, dg: dg, subset: subset)
            // Coefficients c_nl of those channels for the centre's species, contiguous (channel-major).
            let stride = order + 1
            let coefficients = dg + channelCount * m
            var i = 0
            for n in channels.indices where subset.contains(n) {
                let source = p + coefficientOffsets[row + n]
                for l in 0...order { coefficients[i * stride + l] = source[l] }
                i += 1
            }
            env.prepareLegendre(order: order)
            if env.energyOnly {
                return env.pairAngularEnergy(
                    m: m, channelCount: channelCount, order: order, g: g, coefficients: coefficients)
            }
            return env.pairAngularSum(
                m: m, channelCount: channelCount, order: order, g: g, dg: dg, coefficients: coefficients, gradient)
        }

        /// Every element's coefficients c_nl: the energy is linear in them.
        public var linearParameters: [Int] {
            Set(coefficientOffsets).sorted().flatMap { offset in (0...order).map { offset + $0 } }
        }

        /// B_nl = Σ_{a<b} g_n(r_a) g_n(r_b) P_l(cos θ_ab) of the centre's coefficient rows, all in one pass over the
        /// neighbour pairs.
        public func forEachBasisFunction(
            _ p: UnsafePointer<Double>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Double>>,
            _ scratch: UnsafeMutablePointer<Double>, _ body: (Int, Double, UnsafeBufferPointer<Int>) -> Void
        ) {
            let m = env.selectNeighbours(within: cutoff)
            guard m >= 2 else { return }
            let channelCount = channels.count
            let stride = order + 1
            let g = scratch
            let dg = scratch + channelCount * m
            env.evaluateChannels(channels, offsets: offsets, p, weightOffset: weightOffset, m: m, g: g, dg: dg)
            env.prepareLegendre(order: order)
            let legendre = UnsafePointer(env.legendre)
            let slopes = legendre + stride
            let basisCount = channelCount * stride
            withUnsafeTemporaryAllocation(of: Double.self, capacity: basisCount * (1 + 3 * m)) { buffer in
                // B_nl at values[nl], dB_nl/dd_a at gradients[nl · m + a].
                let values = buffer.baseAddress!
                let gradients = UnsafeMutableRawPointer(values + basisCount).assumingMemoryBound(
                    to: Vector3<Double>.self)
                for k in 0..<(basisCount * (1 + 3 * m)) { values[k] = 0 }
                for a in 0..<m {
                    let ua = env.u[env.selection[a]]
                    let invRa = env.inverseR[env.selection[a]]
                    for b in (a + 1)..<m {
                        let ub = env.u[env.selection[b]]
                        let invRb = env.inverseR[env.selection[b]]
                        let c = dot(ua, ub)
                        env.computeLegendre(c, order: order)
                        // ∂c/∂d_a = (u_b − c u_a)/r_a, and symmetrically.
                        let towardA = (ub - c * ua) * invRa
                        let towardB = (ua - c * ub) * invRb
                        for n in 0..<channelCount {
                            let ga = g[n * m + a]
                            let gb = g[n * m + b]
                            let gg = ga * gb
                            let alongA = dg[n * m + a] * gb
                            let alongB = ga * dg[n * m + b]
                            for l in 0...order {
                                let nl = n * stride + l
                                values[nl] += gg * legendre[l]
                                gradients[nl * m + a].add(ua, times: alongA * legendre[l])
                                gradients[nl * m + a].add(towardA, times: gg * slopes[l])
                                gradients[nl * m + b].add(ub, times: alongB * legendre[l])
                                gradients[nl * m + b].add(towardB, times: gg * slopes[l])
                            }
                        }
                    }
                }
                let row = env.species * channelCount
                let support = UnsafeBufferPointer(start: UnsafePointer(env.selection), count: m)
                for n in 0..<channelCount {
                    for l in 0...order {
                        let nl = n * stride + l
                        for a in 0..<m { gradient[env.selection[a]] = gradients[nl * m + a] }
                        body(coefficientOffsets[row + n] + l, values[nl], support)
                    }
                }
            }
        }

        /// The channels with a seeded parameter: radial, in the coefficient row of the centre's species (at
        /// `row` + n), or a neighbour weight.
        @inline(__always)
        func seededChannels<T: ModelScalar>(_ p: UnsafePointer<T>, row: Int) -> ChannelSubset {
            let channelCount = channels.count
            guard channelCount < 64 else { return .all }
            let elementCount = coefficientOffsets.count / channelCount
            var bits: UInt64 = 0
            for n in 0..<channelCount {
                var seeded =
                    (p + offsets[n]).anySeeded(radialCounts[n])
                    || (p + coefficientOffsets[row + n]).anySeeded(order + 1)
                if !seeded, let weightOffset {
                    for s in 0..<elementCount where p[weightOffset + s * channelCount + n].hasTangent { seeded = true }
                }
                if seeded { bits |= 1 << UInt64(n) }
            }
            return ChannelSubset(bits: bits)
        }
    }
}

extension Term {
    public static func threeBody(_ term: ThreeBodyTerm) -> Term { Term(term) }
}
