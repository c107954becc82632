import MosaicCore

/// Angular 3-body term: E_i = Σ_n Σ_{j<k} g_n(r_ij) g_n(r_ik) Σ_{l=0}^{L} c_{nl} P_l(cos θ_jik),
/// one radial channel g_n per entry of `channels`, Legendre polynomials P_l.
public struct ThreeBodyTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let typeName = "three-body"
    public static let summary =
        "Σ_n Σ_{j<k} g_n(r_ij) g_n(r_ik) Σ_l c_nl P_l(cos θ_jik); keys: order (≤ 7), channels, coefficients,"
        + " cutoff, width"

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var order: Int
    public var channels: [RadialFunction]
    /// c_{nl}: one row of order+1 numbers per channel (zeros when omitted).
    public var coefficients: [[Double]]

    public init(
        name: String = "angular", cutoff: Double, width: Double = 1.0, order: Int, channels: [RadialFunction],
        coefficients: [[Double]]? = nil
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.order = order
        self.channels = channels
        self.coefficients =
            coefficients ?? Array(repeating: Array(repeating: 0, count: order + 1), count: channels.count)
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, order, channels, coefficients }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decodeIfPresent(String.self, forKey: .name) ?? "angular",
            cutoff: try c.decode(Double.self, forKey: .cutoff),
            width: try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0,
            order: try c.decode(Int.self, forKey: .order),
            channels: try c.decode([RadialFunction].self, forKey: .channels),
            coefficients: try c.decodeIfPresent([[Double]].self, forKey: .coefficients))
    }

    public var label: String { "\(name)(\(channels.count)ch,L\(order),\(String(format: "%.1f", cutoff))Å)" }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        zip(channels, coefficients).enumerated().flatMap { n, channel in
            channel.0.parameterSpecs(prefix: "g\(n)", channel: n)
                + channel.1.enumerated().map { l, value in ParameterSpec("c\(n)_\(l)", value, linear: true, channel: n)
                }
        }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        var k = values.startIndex
        for n in channels.indices {
            let m = channels[n].values.count
            channels[n].values = Array(values[k..<k + m])
            k += m
            coefficients[n] = Array(values[k..<k + order + 1])
            k += order + 1
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
        guard coefficients.count == channels.count, coefficients.allSatisfy({ $0.count == order + 1 }) else {
            throw MosaicError(
                location: location, "coefficients must be one row of order+1 = \(order + 1) numbers per channel",
                fix: "fix coefficients or omit them")
        }
        for (n, g) in channels.enumerated() { try g.validate(location: location + " channel \(n)") }
    }

    public func applying(_ change: TermChange) throws -> ThreeBodyTerm {
        var result = self
        switch change {
        case .resize(let size):
            result.coefficients = coefficients.map { row in (0...size).map { $0 < row.count ? row[$0] : 0 } }
            result.order = size
        case .addChannel(let channel):
            result.channels.append(channel)
            result.coefficients.append(Array(repeating: 0, count: order + 1))
        case .removeChannel(let n) where channels.indices.contains(n) && channels.count > 1:
            result.channels.remove(at: n)
            result.coefficients.remove(at: n)
        case .cutoff(let value):
            result.cutoff = value
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a three-body term does not support \(change)",
                fix: "resize it, add or remove one of several channels, or change its cutoff")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        if channels.count > 1, let n = parameter.channel { return [.removeChannel(n)] }
        return order > 2 ? [.resize(order - 1)] : []
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
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        let fc = SmoothCutoff(cutoff: cutoff, width: width)
        var offsets: [Int] = []
        var k = 0
        for g in channels {
            offsets.append(k)
            k += g.values.count + order + 1
        }
        return Kernel(cutoff: cutoff, order: order, channels: channels.map { $0.shape(cutoff: fc) }, offsets: offsets)
    }

    public struct Kernel: TermKernel {
        let cutoff: Double
        let order: Int
        let channels: [RadialFunction.Shape]
        /// Offset of channel n's radial parameters; its order+1 coefficients follow them.
        let offsets: [Int]

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
            let channelCount = channels.count
            // g and g′ of every selected neighbour for every channel.
            let g = scratch
            let dg = scratch + channelCount * m
            for n in 0..<channelCount {
                let q = p + offsets[n]
                let channel = channels[n]
                for a in 0..<m {
                    let (value, slope) = channel.evaluate(env.r[env.selection[a]], q)
                    g[n * m + a] = value
                    dg[n * m + a] = slope
                }
            }
            // Coefficients c_nl of all channels, contiguous (channel-major).
            let stride = order + 1
            let coefficients = dg + channelCount * m
            for n in 0..<channelCount {
                let source = p + offsets[n] + channels[n].parameterCount
                for l in 0...order { coefficients[n * stride + l] = source[l] }
            }
            env.prepareLegendre(order: order)
            return env.pairAngularSum(
                m: m, channelCount: channelCount, order: order, g: g, dg: dg, coefficients: coefficients, gradient)
        }
    }
}

extension Term {
    public static func threeBody(_ term: ThreeBodyTerm) -> Term { Term(term) }
}
