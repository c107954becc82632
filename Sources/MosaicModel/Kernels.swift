import MosaicCore

/// The neighbourhood of one atom as the kernels see it: `count` neighbours with distances `r`
/// and unit vectors `u` (from the atom to the neighbour), plus scratch space.
struct AtomEnvironment {
    var count: Int
    var species: Int
    var r: UnsafeMutablePointer<Double>
    var u: UnsafeMutablePointer<SIMD3<Double>>
    var inverseR: UnsafeMutablePointer<Double>
    /// Scratch for neighbour indices (3-body selection).
    var selection: UnsafeMutablePointer<Int>
    /// Scratch for Legendre values, slopes and recurrence constants (4 x (order + 1)).
    var legendre: UnsafeMutablePointer<Double>
}

/// A term prepared for evaluation (shapes precomputed). `atomEnergy` returns E_i and adds
/// dE_i/dd_k to `gradient[k]` (d_k = r_k − r_i) for natural parameters `p`.
enum TermKernel {
    case reference
    case pairSpline(CubicBSplineBasis)
    case morse(SmoothCutoff)
    case bornMayer(SmoothCutoff, r0: Double)
    case embedding(RadialFunction.Shape, sqrt: Bool, coefficientCount: Int)
    case threeBody(ThreeBodyShape)
    case angularEmbedding(AngularEmbeddingShape)

    struct AngularEmbeddingShape {
        let cutoff: Double
        let order: Int
        let density: RadialFunction.Shape
    }

    struct ThreeBodyShape {
        let cutoff: Double
        let order: Int
        let channels: [RadialFunction.Shape]
        /// Offset of channel n's radial parameters; its order+1 coefficients follow them.
        let offsets: [Int]
    }

    /// Scratch values of T the kernel needs for `count` neighbours.
    func scratchCount(neighbours count: Int) -> Int {
        switch self {
        case .embedding: return count
        case .threeBody(let s): return 2 * count * s.channels.count + s.channels.count * (s.order + 1)
        case .angularEmbedding(let s): return 2 * count + 2 * (s.order + 1)
        default: return 0
        }
    }

    init(_ term: Term) {
        switch term {
        case .reference: self = .reference
        case .pairSpline(let t): self = .pairSpline(CubicBSplineBasis(inner: t.inner, cutoff: t.cutoff, size: t.coefficients.count))
        case .morse(let t): self = .morse(SmoothCutoff(cutoff: t.cutoff, width: t.width))
        case .bornMayer(let t): self = .bornMayer(SmoothCutoff(cutoff: t.cutoff, width: t.width), r0: t.r0)
        case .embedding(let t):
            self = .embedding(t.density.shape(cutoff: SmoothCutoff(cutoff: t.cutoff, width: t.width)),
                              sqrt: t.form == .sqrt, coefficientCount: t.coefficients.count)
        case .threeBody(let t):
            let fc = SmoothCutoff(cutoff: t.cutoff, width: t.width)
            var offsets: [Int] = []
            var k = 0
            for g in t.channels { offsets.append(k); k += g.values.count + t.order + 1 }
            self = .threeBody(ThreeBodyShape(cutoff: t.cutoff, order: t.order, channels: t.channels.map { $0.shape(cutoff: fc) }, offsets: offsets))
        case .angularEmbedding(let t):
            self = .angularEmbedding(AngularEmbeddingShape(cutoff: t.cutoff, order: t.order,
                                                           density: t.density.shape(cutoff: SmoothCutoff(cutoff: t.cutoff, width: t.width))))
        }
    }

    @inline(__always)
    func atomEnergy<T: ModelScalar>(_ p: UnsafePointer<T>, _ env: AtomEnvironment,
                                    _ gradient: UnsafeMutablePointer<Vector3<T>>,
                                    _ scratch: UnsafeMutablePointer<T>) -> T {
        switch self {
        case .reference:
            return p[env.species]

        case .pairSpline(let basis):
            var energy = T(0)
            for k in 0..<env.count where env.r[k] < basis.cutoff {
                var e = T(0), slope = T(0)
                basis.forEachNonZero(env.r[k]) { index, b, db in
                    e += p[index] * b
                    slope += p[index] * db
                }
                energy += e
                gradient[k].add(env.u[k], times: slope * 0.5)
            }
            return energy * 0.5

        case .morse(let fc):
            var energy = T(0)
            let depth = p[0], alpha = p[1], r0 = p[2]
            for k in 0..<env.count where env.r[k] < fc.cutoff {
                let r = env.r[k]
                let (f, df) = fc(r)
                let e1 = T.exp(-(alpha * (T(r) - r0)))
                let phi = depth * (e1 * e1 - e1 * 2)
                let dphi = depth * alpha * (e1 * 2 - e1 * e1 * 2)
                energy += phi * f
                gradient[k].add(env.u[k], times: (dphi * f + phi * df) * 0.5)
            }
            return energy * 0.5

        case .bornMayer(let fc, let r0):
            var energy = T(0)
            let amplitude = p[0], inverseRho = T(1) / p[1]
            for k in 0..<env.count where env.r[k] < fc.cutoff {
                let r = env.r[k]
                let (f, df) = fc(r)
                let phi = amplitude * T.exp(-((T(r) - r0) * inverseRho))
                energy += phi * f
                gradient[k].add(env.u[k], times: phi * (T(df) - inverseRho * f) * 0.5)
            }
            return energy * 0.5

        case .embedding(let density, let isSqrt, let coefficientCount):
            var rho = T(0)
            let q = p + coefficientCount
            for k in 0..<env.count {
                if env.r[k] < density.cutoff.cutoff {
                    let (f, df) = density.evaluate(env.r[k], q)
                    rho += f
                    scratch[k] = df
                } else {
                    scratch[k] = T(0)
                }
            }
            var energy: T, slope: T
            if isSqrt {
                let s = T.sqrt(rho + EmbeddingTerm.epsilon)
                energy = -(p[0] * (s - EmbeddingTerm.epsilon.squareRoot()))
                slope = -(p[0] * 0.5 / s)
                if coefficientCount > 1 {
                    // ρ² (b_2 + b_3 ρ + …) by Horner, with its slope.
                    var e = T(0), d = T(0)
                    for k in stride(from: coefficientCount - 1, through: 1, by: -1) {
                        d = d * rho + e
                        e = e * rho + p[k]
                    }
                    energy += rho * rho * e
                    slope += rho * (e * 2 + rho * d)
                }
            } else {
                // Horner for F and F'.
                energy = T(0); slope = T(0)
                for k in stride(from: coefficientCount - 1, through: 0, by: -1) {
                    slope = slope * rho + energy
                    energy = energy * rho + p[k]
                }
                slope = slope * rho + energy
                energy = energy * rho
            }
            for k in 0..<env.count where env.r[k] < density.cutoff.cutoff {
                gradient[k].add(env.u[k], times: slope * scratch[k])
            }
            return energy

        case .threeBody(let shape):
            return threeBodyEnergy(shape, p, env, gradient, scratch)

        case .angularEmbedding(let shape):
            return angularEmbeddingEnergy(shape, p, env, gradient, scratch)
        }
    }

    /// Selects the neighbours within `cutoff` into `env.selection`; returns their number.
    @inline(__always)
    private func selectNeighbours(within cutoff: Double, _ env: AtomEnvironment) -> Int {
        var m = 0
        for k in 0..<env.count where env.r[k] < cutoff { env.selection[m] = k; m += 1 }
        return m
    }

    /// Fills the Legendre recurrence constants (2l+1)/(l+1) and l/(l+1) for l ≤ order.
    @inline(__always)
    private func prepareLegendre(order: Int, _ env: AtomEnvironment) {
        let stride = order + 1
        for l in 0...order {
            env.legendre[2 * stride + l] = Double(2 * l + 1) / Double(l + 1)
            env.legendre[3 * stride + l] = Double(l) / Double(l + 1)
        }
    }

    /// P_l(c) and P_l′(c), l ≤ order, into the first two rows of `env.legendre`.
    @inline(__always)
    private func legendre(_ c: Double, order: Int, _ env: AtomEnvironment) {
        let stride = order + 1
        let values = env.legendre, slopes = env.legendre + stride
        let recurrenceA = env.legendre + 2 * stride, recurrenceB = env.legendre + 3 * stride
        values[0] = 1; slopes[0] = 0
        if order >= 1 { values[1] = c; slopes[1] = 1 }
        if order >= 2 {
            for l in 1..<order {
                values[l + 1] = recurrenceA[l] * c * values[l] - recurrenceB[l] * values[l - 1]
                slopes[l + 1] = slopes[l - 1] + Double(2 * l + 1) * values[l]
            }
        }
    }

    /// MEAM-like angular embedding (see `AngularEmbeddingTerm`). Parameters: A, t_1 … t_L, g's.
    @inline(__always)
    private func angularEmbeddingEnergy<T: ModelScalar>(_ shape: AngularEmbeddingShape, _ p: UnsafePointer<T>, _ env: AtomEnvironment,
                                                        _ gradient: UnsafeMutablePointer<Vector3<T>>,
                                                        _ scratch: UnsafeMutablePointer<T>) -> T {
        let m = selectNeighbours(within: shape.cutoff, env)
        let order = shape.order
        let g = scratch, dg = scratch + m
        let sums = dg + m, coefficients = sums + order + 1
        let density = p + 1 + order
        var diagonal = T(0)
        for a in 0..<m {
            let (value, slope) = shape.density.evaluate(env.r[env.selection[a]], density)
            g[a] = value
            dg[a] = slope
            diagonal += value * value
        }
        // S_l = Σ_j g_j² + 2 Σ_{j<k} g_j g_k P_l(cos θ_jk).
        for l in 0...order { sums[l] = diagonal }
        prepareLegendre(order: order, env)
        for a in 0..<m {
            let ua = env.u[env.selection[a]]
            for b in (a + 1)..<m {
                legendre(dot(ua, env.u[env.selection[b]]), order: order, env)
                let gg = g[a] * g[b] * 2
                for l in 0...order { sums[l] += gg * env.legendre[l] }
            }
        }
        var x = sums[0]
        for l in 1...order { x += p[l] * sums[l] }
        let clamped = x.value < 0
        let rho = T.sqrt((clamped ? T(0) : x) + EmbeddingTerm.epsilon)
        let s = T.sqrt(rho + EmbeddingTerm.epsilon)
        let energy = -(p[0] * (s - AngularEmbeddingTerm.isolatedRoot))
        guard m > 0, !clamped else { return energy }
        // dE/dS_l = dE/dx · t_l (t_0 = 1); the pair sum enters S_l twice.
        let dEdx = -(p[0] * 0.25 / (s * rho))
        var diagonalWeight = dEdx
        coefficients[0] = dEdx * 2
        for l in 1...order {
            coefficients[l] = dEdx * p[l] * 2
            diagonalWeight += dEdx * p[l]
        }
        for a in 0..<m {
            gradient[env.selection[a]].add(env.u[env.selection[a]], times: diagonalWeight * 2 * g[a] * dg[a])
        }
        _ = pairAngularSum(m: m, channelCount: 1, order: order, g: g, dg: dg, coefficients: coefficients, env, gradient)
        return energy
    }

    @inline(__always)
    private func threeBodyEnergy<T: ModelScalar>(_ shape: ThreeBodyShape, _ p: UnsafePointer<T>, _ env: AtomEnvironment,
                                                 _ gradient: UnsafeMutablePointer<Vector3<T>>,
                                                 _ scratch: UnsafeMutablePointer<T>) -> T {
        let m = selectNeighbours(within: shape.cutoff, env)
        guard m >= 2 else { return T(0) }
        let channelCount = shape.channels.count
        let order = shape.order
        // g and g′ of every selected neighbour for every channel.
        let g = scratch, dg = scratch + channelCount * m
        for n in 0..<channelCount {
            let q = p + shape.offsets[n]
            let channel = shape.channels[n]
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
            let source = p + shape.offsets[n] + shape.channels[n].parameterCount
            for l in 0...order { coefficients[n * stride + l] = source[l] }
        }
        prepareLegendre(order: order, env)
        return pairAngularSum(m: m, channelCount: channelCount, order: order, g: g, dg: dg, coefficients: coefficients, env, gradient)
    }

    /// Σ_n Σ_{a<b} g_n(r_a) g_n(r_b) Σ_l c_nl P_l(cos θ_ab) over the selected neighbours, adding its
    /// gradient; g, g′ channel-major (n·m + a), coefficients channel-major (n·(order+1) + l), Legendre
    /// constants prepared.
    @inline(__always)
    private func pairAngularSum<T: ModelScalar>(m: Int, channelCount: Int, order: Int, g: UnsafeMutablePointer<T>, dg: UnsafeMutablePointer<T>,
                                                coefficients: UnsafeMutablePointer<T>, _ env: AtomEnvironment,
                                                _ gradient: UnsafeMutablePointer<Vector3<T>>) -> T {
        let stride = order + 1
        let legendre = env.legendre, dLegendre = env.legendre + stride
        var energy = T(0)
        for a in 0..<m {
            let ja = env.selection[a]
            let ua = env.u[ja], invRa = env.inverseR[ja]
            // Gradient of atom a accumulates in registers: (along u_a, along Σ u_b terms).
            var alongA = T(0)
            var towardB = Vector3<T>.zero
            for b in (a + 1)..<m {
                let jb = env.selection[b]
                let ub = env.u[jb], invRb = env.inverseR[jb]
                let c = dot(ua, ub)
                self.legendre(c, order: order, env)
                // Direction derivatives of c: ∂c/∂d_a = (u_b − c u_a)/r_a, and symmetrically.
                var coefficientA = T(0), coefficientB = T(0), cross = T(0)
                for n in 0..<channelCount {
                    let row = coefficients + n * stride
                    var h = T(0), dh = T(0)
                    for l in 0...order {
                        h += row[l] * legendre[l]
                        dh += row[l] * dLegendre[l]
                    }
                    let ga = g[n * m + a], gb = g[n * m + b]
                    let gg = ga * gb
                    energy += gg * h
                    cross += gg * dh
                    coefficientA += dg[n * m + a] * gb * h
                    coefficientB += ga * dg[n * m + b] * h
                }
                // gradient_a = (g_a′ g_b h) u_a + g_a g_b h′ (u_b − c u_a)/r_a
                alongA += coefficientA - cross * (c * invRa)
                towardB.add(ub, times: cross * invRa)
                gradient[jb].add(ub, times: coefficientB - cross * (c * invRb))
                gradient[jb].add(ua, times: cross * invRb)
            }
            gradient[ja].add(ua, times: alongA)
            gradient[ja].add(towardB)
        }
        return energy
    }
}

extension RadialFunction.Shape {
    var parameterCount: Int {
        switch family {
        case .exponential: return 1
        case .gaussian: return 2
        case .spline: return basis!.size
        }
    }
}
