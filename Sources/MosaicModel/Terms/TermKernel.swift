import MosaicCore

/// The neighbourhood of one atom as the kernels see it: the centre's species, and `count`
/// neighbours with their species, distances `r` and unit vectors `u` (from the atom to the
/// neighbour), plus scratch space. Species are indices into the model's elements.
public struct AtomEnvironment {
    public var count: Int
    /// Species of the centre atom.
    public var species: Int
    /// Species of each neighbour.
    public var neighbourSpecies: UnsafeMutablePointer<Int32>
    public var r: UnsafeMutablePointer<Double>
    public var u: UnsafeMutablePointer<SIMD3<Double>>
    public var inverseR: UnsafeMutablePointer<Double>
    /// Scratch for neighbour indices (3-body selection).
    public var selection: UnsafeMutablePointer<Int>
    /// Scratch for Legendre values, slopes and recurrence constants (4 × (order + 1)).
    public var legendre: UnsafeMutablePointer<Double>
    /// Only E_i is wanted (per-atom parameter gradients without the virial): kernels may leave `gradient`
    /// untouched (`ModelEvaluator.energyOnly`).
    public var energyOnly = false
}

/// A term prepared for evaluation (shapes precomputed). `atomEnergy` returns E_i and adds
/// dE_i/dd_k to `gradient[k]` (d_k = r_k − r_i) for natural parameters `p` (the term's own block).
/// It is written once, generic over the scalar: `Double` for energies and forces, `Dual` for
/// their parameter derivatives.
public protocol TermKernel: Sendable {
    /// Scratch values of the scalar type the kernel needs for an atom with `count` neighbours.
    func scratchCount(neighbours count: Int) -> Int
    /// The highest Legendre order the kernel uses (sizes `AtomEnvironment.legendre`).
    var legendreOrder: Int { get }
    func atomEnergy<T: ModelScalar>(
        _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
        _ scratch: UnsafeMutablePointer<T>
    ) -> T

    // Entry points of the evaluator's term loop, one per scalar: the defaults below call the
    // generic kernel, so each is compiled specialised for the concrete kernel.
    func energy(
        _ p: UnsafePointer<Double>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Double>>,
        _ scratch: UnsafeMutablePointer<Double>
    ) -> Double
    func energy(
        _ p: UnsafePointer<Dual>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Dual>>,
        _ scratch: UnsafeMutablePointer<Dual>
    ) -> Dual
}

/// A kernel whose atom energy is linear in some of its parameters: E_i = Σ_q ξ_q B_q(neighbourhood) + parts free
/// of them. The Jacobian takes those columns from the basis functions B_q and their gradients in one pass
/// (`JacobianEvaluator`) instead of a dual-number pass per chunk of `Dual.width` parameters.
public protocol LinearBasisKernel: TermKernel {
    /// The term-local indices of the parameters the energy is linear in.
    var linearParameters: [Int] { get }
    /// Calls `body(q, B, support)` for the linear parameters q (term-local) the atom's energy depends on: at each
    /// call `gradient[k]` holds dB/dd_k for the neighbours k listed in `support` (every other neighbour's is zero).
    /// A parameter may come in several calls whose parts add up (a pair term calls once per neighbour).
    /// `p` as in `atomEnergy`.
    func forEachBasisFunction(
        _ p: UnsafePointer<Double>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Double>>,
        _ scratch: UnsafeMutablePointer<Double>, _ body: (Int, Double, UnsafeBufferPointer<Int>) -> Void)
}

extension TermKernel {
    public func scratchCount(neighbours count: Int) -> Int { 0 }
    public var legendreOrder: Int { 0 }

    @inline(__always)
    public func energy(
        _ p: UnsafePointer<Double>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Double>>,
        _ scratch: UnsafeMutablePointer<Double>
    ) -> Double {
        atomEnergy(p, env, gradient, scratch)
    }

    @inline(__always)
    public func energy(
        _ p: UnsafePointer<Dual>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<Dual>>,
        _ scratch: UnsafeMutablePointer<Dual>
    ) -> Dual {
        atomEnergy(p, env, gradient, scratch)
    }
}

extension UnsafePointer where Pointee: ModelScalar {
    /// Whether any of the `count` parameters from here carries a derivative (a seeded `Dual`): a kernel evaluated
    /// for a Jacobian chunk skips the parts that read none (`ModelScalar.carriesDerivatives`).
    @inline(__always)
    func anySeeded(_ count: Int) -> Bool {
        for k in 0..<count where self[k].hasTangent { return true }
        return false
    }
}

extension AtomEnvironment {
    /// ½ Σ_j φ(r_j) fc(r_j) over the neighbours within the cutoff of `fc`, adding its gradient;
    /// `phi(k, r)` returns φ and dφ/dr for neighbour k at distance r. Shared by the smooth-cutoff pair
    /// terms.
    @inline(__always)
    func pairSum<T: ModelScalar>(
        _ fc: SmoothCutoff, _ gradient: UnsafeMutablePointer<Vector3<T>>, _ phi: (Int, Double) -> (T, T)
    ) -> T {
        var energy = T(0)
        for k in 0..<count where r[k] < fc.cutoff {
            let (f, df) = fc(r[k])
            let (value, slope) = phi(k, r[k])
            energy += value * f
            gradient[k].add(u[k], times: (slope * f + value * df) * 0.5)
        }
        return energy * 0.5
    }

    /// Selects the neighbours within `cutoff` into `selection`; returns their number.
    @inline(__always)
    func selectNeighbours(within cutoff: Double) -> Int {
        var m = 0
        for k in 0..<count where r[k] < cutoff {
            selection[m] = k
            m += 1
        }
        return m
    }

    /// Fills the Legendre recurrence constants (2l+1)/(l+1) and l/(l+1) for l ≤ order.
    @inline(__always)
    func prepareLegendre(order: Int) {
        let stride = order + 1
        for l in 0...order {
            legendre[2 * stride + l] = Double(2 * l + 1) / Double(l + 1)
            legendre[3 * stride + l] = Double(l) / Double(l + 1)
        }
    }

    /// P_l(c) and P_l′(c), l ≤ order, into the first two rows of `legendre`.
    @inline(__always)
    func computeLegendre(_ c: Double, order: Int) {
        let stride = order + 1
        let values = legendre
        let slopes = legendre + stride
        let recurrenceA = legendre + 2 * stride
        let recurrenceB = legendre + 3 * stride
        values[0] = 1
        slopes[0] = 0
        if order >= 1 {
            values[1] = c
            slopes[1] = 1
        }
        if order >= 2 {
            for l in 1..<order {
                values[l + 1] = recurrenceA[l] * c * values[l] - recurrenceB[l] * values[l - 1]
                slopes[l + 1] = slopes[l - 1] + Double(2 * l + 1) * values[l]
            }
        }
    }

    /// Σ_n Σ_{a<b} g_n(r_a) g_n(r_b) Σ_l c_nl P_l(cos θ_ab) over the selected neighbours, without its gradient
    /// (`energyOnly`); arguments as in `pairAngularSum`.
    @inline(__always)
    func pairAngularEnergy<T: ModelScalar>(
        m: Int, channelCount: Int, order: Int, g: UnsafeMutablePointer<T>, coefficients: UnsafeMutablePointer<T>
    ) -> T {
        let stride = order + 1
        let values = legendre
        var energy = T(0)
        for a in 0..<m {
            let ua = u[selection[a]]
            for b in (a + 1)..<m {
                computeLegendre(dot(ua, u[selection[b]]), order: order)
                for n in 0..<channelCount {
                    let row = coefficients + n * stride
                    var h = T(0)
                    for l in 0...order { h += row[l] * values[l] }
                    energy += g[n * m + a] * g[n * m + b] * h
                }
            }
        }
        return energy
    }

    /// Σ_n Σ_{a<b} g_n(r_a) g_n(r_b) Σ_l c_nl P_l(cos θ_ab) over the selected neighbours, adding its
    /// gradient; g, g′ channel-major (n·m + a), coefficients channel-major (n·(order+1) + l), Legendre
    /// constants prepared. Shared by the three-body and angular-embedding kernels.
    @inline(__always)
    func pairAngularSum<T: ModelScalar>(
        m: Int, channelCount: Int, order: Int, g: UnsafeMutablePointer<T>, dg: UnsafeMutablePointer<T>,
        coefficients: UnsafeMutablePointer<T>, _ gradient: UnsafeMutablePointer<Vector3<T>>
    ) -> T {
        let stride = order + 1
        let values = legendre
        let slopes = legendre + stride
        var energy = T(0)
        for a in 0..<m {
            let ja = selection[a]
            let ua = u[ja]
            let invRa = inverseR[ja]
            // Gradient of atom a accumulates in registers: (along u_a, along Σ u_b terms).
            var alongA = T(0)
            var towardB = Vector3<T>.zero
            for b in (a + 1)..<m {
                let jb = selection[b]
                let ub = u[jb]
                let invRb = inverseR[jb]
                let c = dot(ua, ub)
                computeLegendre(c, order: order)
                // Direction derivatives of c: ∂c/∂d_a = (u_b − c u_a)/r_a, and symmetrically.
                var coefficientA = T(0)
                var coefficientB = T(0)
                var cross = T(0)
                for n in 0..<channelCount {
                    let row = coefficients + n * stride
                    var h = T(0)
                    var dh = T(0)
                    for l in 0...order {
                        h += row[l] * values[l]
                        dh += row[l] * slopes[l]
                    }
                    let ga = g[n * m + a]
                    let gb = g[n * m + b]
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
