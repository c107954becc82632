import MosaicCore

/// Radial channels weighted per neighbour element (`neighbours: {El: [w_0, …]}` of the three-body and
/// moment-tensor terms): a neighbour of element s enters channel n as w_sn g_n(r). One place for their
/// parameters, their checks and the kernels' channel evaluation.
enum NeighbourWeights {
    /// The weights' parameters (log-scaled), per element in model order, one per channel.
    static func specs(_ neighbours: [String: [Double]]?, elements: [Element]) -> [ParameterSpec] {
        guard let neighbours else { return [] }
        return elements.flatMap { element in
            (neighbours[element.symbol] ?? []).enumerated().map { n, w in
                ParameterSpec("\(element.symbol).w\(n)", w, transform: .log, channel: n, species: [element.symbol])
            }
        }
    }

    /// The label suffix of a term's species resolution: ",per element" (coefficients per centre element) and
    /// ",weighted neighbours" (channels weighted per neighbour element).
    static func resolutionLabel(perElement: Bool, weighted: Bool) -> String {
        (perElement ? ",per element" : "") + (weighted ? ",weighted neighbours" : "")
    }

    /// Every element has one positive, finite weight per channel.
    static func validate(
        _ neighbours: [String: [Double]], channelCount: Int, elements: [Element], location: String
    ) throws {
        try PairBlocks.validateKeys(
            neighbours.keys, expected: elements.map(\.symbol), what: "neighbours", entry: "element",
            location: location,
            fix: "give a weight per channel for each element: \(elements.map(\.symbol).joined(separator: ", "))")
        for (symbol, weights) in neighbours.sorted(by: { $0.key < $1.key }) {
            guard weights.count == channelCount, weights.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw MosaicError(
                    location: location + " neighbours \(symbol)",
                    "needs one positive weight per radial channel (\(channelCount)), got \(weights)",
                    fix: "give \(channelCount) positive numbers (1: the shared channel)")
            }
        }
    }
}

extension AtomEnvironment {
    /// g_n(r) and g_n′(r) of the `m` selected neighbours for the channels in `subset` (all by default), channel-major
    /// (i·m + a for the subset's i-th channel), each multiplied by its element's weight w_sn when `weightOffset` is
    /// given (the weights at p + weightOffset + s · channels + n); channel n's parameters at p + offsets[n].
    @inline(__always)
    func evaluateChannels<T: ModelScalar>(
        _ channels: [RadialFunction.Shape], offsets: [Int], _ p: UnsafePointer<T>, weightOffset: Int?, m: Int,
        g: UnsafeMutablePointer<T>, dg: UnsafeMutablePointer<T>, subset: ChannelSubset = .all
    ) {
        let channelCount = channels.count
        var i = 0
        for n in 0..<channelCount where subset.contains(n) {
            let q = p + offsets[n]
            let channel = channels[n]
            for a in 0..<m {
                let (value, slope) = channel.evaluate(r[selection[a]], q)
                g[i * m + a] = value
                dg[i * m + a] = slope
            }
            i += 1
        }
        guard let weightOffset else { return }
        for a in 0..<m {
            let weights = p + weightOffset + Int(neighbourSpecies[selection[a]]) * channelCount
            var i = 0
            for n in 0..<channelCount where subset.contains(n) {
                g[i * m + a] = g[i * m + a] * weights[n]
                dg[i * m + a] = dg[i * m + a] * weights[n]
                i += 1
            }
        }
    }
}

/// A set of radial channels (the first 64 by bit; every channel from the 64th on is always in it): those a
/// Jacobian chunk's derivatives reach, which a kernel evaluates alone.
struct ChannelSubset {
    let bits: UInt64
    static let all = ChannelSubset(bits: .max)

    @inline(__always)
    func contains(_ n: Int) -> Bool { n >= 64 || bits & (1 << UInt64(n)) != 0 }

    /// How many of `channelCount` channels are in the set.
    @inline(__always)
    func count(of channelCount: Int) -> Int {
        channelCount >= 64 ? channelCount : (bits & ((1 << UInt64(channelCount)) - 1)).nonzeroBitCount
    }
}

/// The coding keys of a term whose coefficients are shared (`coefficients`) or given per centre element
/// (`species`), with channels optionally weighted per neighbour element (`neighbours`): the three-body and
/// moment-tensor terms.
protocol SpeciesResolvedCodingKey: CodingKey {
    static var coefficients: Self { get }
    static var species: Self { get }
    static var neighbours: Self { get }
}

extension KeyedDecodingContainer where K: SpeciesResolvedCodingKey {
    /// The coefficients per centre element, or nil when shared; a file that gives both is refused.
    func decodeSpecies<Rows: Decodable>(_ type: Rows.Type) throws -> [String: Rows]? {
        let species = try decodeIfPresent([String: Rows].self, forKey: .species)
        if species != nil, contains(.coefficients) {
            throw DecodingError.dataCorruptedError(
                forKey: .species, in: self,
                debugDescription: "give either coefficients (shared) or species, not both")
        }
        return species
    }

    /// The per-neighbour-element channel weights, or nil when every weight is 1.
    func decodeNeighbours() throws -> [String: [Double]]? {
        try decodeIfPresent([String: [Double]].self, forKey: .neighbours)
    }
}

extension KeyedEncodingContainer where K: SpeciesResolvedCodingKey {
    /// Writes the coefficients per centre element when there are any, the shared ones otherwise, then the
    /// neighbour weights when given.
    mutating func encodeResolution<Rows: Encodable, Shared: Encodable>(
        species: [String: Rows]?, coefficients: Shared, neighbours: [String: [Double]]?
    ) throws {
        if let species {
            try encode(species, forKey: .species)
        } else {
            try encode(coefficients, forKey: .coefficients)
        }
        try encodeIfPresent(neighbours, forKey: .neighbours)
    }
}
