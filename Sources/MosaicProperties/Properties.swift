import Foundation
import MosaicCore
import MosaicModel

/// Physical properties of a model, and the DFT references the shipped data allow.
public enum Crystal {
    /// A cubic bcc cell of `cells`³ conventional cells (2 atoms each) with lattice constant a.
    public static func bcc(_ element: Element, a: Double, cells n: Int = 1) -> Structure {
        var positions: [Vec3] = []
        for i in 0..<n {
            for j in 0..<n {
                for k in 0..<n {
                    let corner = Vec3(Double(i), Double(j), Double(k)) * a
                    positions += [corner, corner + Vec3(0.5, 0.5, 0.5) * a]
                }
            }
        }
        return Structure(
            cell: Matrix3.diagonal(Vec3(1, 1, 1) * (a * Double(n))), positions: positions,
            elements: Array(repeating: element, count: positions.count), source: "bcc a=\(a)")
    }

    /// An hcp cell (2 atoms) with lattice constant a and ratio c/a.
    public static func hcp(_ element: Element, a: Double, covera: Double = (8.0 / 3).squareRoot()) -> Structure {
        let c = covera * a
        let cell = Matrix3(Vec3(a, 0, 0), Vec3(-0.5 * a, 0.5 * 3.0.squareRoot() * a, 0), Vec3(0, 0, c))
        let fractional = [Vec3(1.0 / 3, 2.0 / 3, 0.25), Vec3(2.0 / 3, 1.0 / 3, 0.75)]
        return Structure(
            cell: cell, positions: fractional.map { cell.leftMultiply($0) },
            elements: [element, element], source: "hcp a=\(a)")
    }

    /// The A15 (Cr3Si-type) cubic cell (8 atoms) with lattice constant a.
    public static func a15(_ element: Element, a: Double) -> Structure {
        let fractional = [
            Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5), Vec3(0.25, 0, 0.5), Vec3(0.75, 0, 0.5),
            Vec3(0.5, 0.25, 0), Vec3(0.5, 0.75, 0), Vec3(0, 0.5, 0.25), Vec3(0, 0.5, 0.75),
        ]
        return Structure(
            cell: Matrix3.diagonal(Vec3(a, a, a)), positions: fractional.map { $0 * a },
            elements: Array(repeating: element, count: 8), source: "A15 a=\(a)")
    }

    /// A cubic fcc cell (4 atoms) with lattice constant a.
    public static func fcc(_ element: Element, a: Double) -> Structure {
        let basis = [Vec3(0, 0, 0), Vec3(0.5, 0.5, 0), Vec3(0.5, 0, 0.5), Vec3(0, 0.5, 0.5)]
        return Structure(
            cell: Matrix3.diagonal(Vec3(a, a, a)), positions: basis.map { $0 * a },
            elements: Array(repeating: element, count: 4), source: "fcc a=\(a)")
    }
}

/// Linear least squares y = a + b x; returns (intercept, slope).
public func linearFit(_ x: [Double], _ y: [Double]) -> (intercept: Double, slope: Double) {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n
    let my = y.reduce(0, +) / n
    var sxy = 0.0
    var sxx = 0.0
    for (a, b) in zip(x, y) {
        sxy += (a - mx) * (b - my)
        sxx += (a - mx) * (a - mx)
    }
    let slope = sxy / sxx
    return (my - slope * mx, slope)
}

/// Cubic elastic constants (GPa) from stress–strain pairs of strained cells.
public struct CubicElasticConstants: Codable, Sendable, Equatable {
    public var c11: Double
    public var c12: Double
    public var c44: Double
    /// Hydrostatic pressure of the unstrained reference cell (GPa, from the fits' intercepts).
    public var referencePressure: Double
    public var bulkModulus: Double { (c11 + 2 * c12) / 3 }

    /// Fits C11, C12 (normal strains) and C44 (shear strains) by linear regression of
    /// σ (GPa, tensile positive) against the small strain ε = sym(A0⁻¹A) − I of each cell
    /// with |ε| ≤ maxStrain. `stress(s)` gives the stress of a cell (DFT label or model).
    public static func fit(
        cells: [Structure], reference: Matrix3, maxStrain: Double,
        stress: (Structure) throws -> SymmetricTensor
    ) throws -> CubicElasticConstants {
        guard let inverse = reference.inverse else { throw MosaicError("singular reference cell") }
        var normal: [[(Double, Double)]] = [[], []]  // (ε_aa, σ_aa), (ε_aa, σ_bb)
        var shear: [(Double, Double)] = []  // (γ = 2ε_ab, σ_ab)
        var intercepts: [Double] = []
        for s in cells {
            let mode = StrainMode(of: s, referenceInverse: inverse, maxStrain: maxStrain)
            if case .other = mode { continue }
            let sigma = try stress(s).matrix.map { $0.map(Units.gigapascal) }
            switch mode {
            case .normal(let a, let strain):
                normal[0].append((strain, sigma[a][a]))
                for b in 0..<3 where b != a { normal[1].append((strain, sigma[b][b])) }
            case .shear(let a, let b, let gamma):
                shear.append((gamma, sigma[a][b]))
            case .unstrained:
                intercepts.append(sigma.enumerated().reduce(0) { $0 + $1.element[$1.offset] } / 3)
            case .other:
                break
            }
        }
        guard normal[0].count >= 2, shear.count >= 2 else {
            throw MosaicError(
                "not enough strained cells with |ε| ≤ \(maxStrain) (normal: \(normal[0].count),"
                    + " shear: \(shear.count))",
                fix: "use a data set with uniaxial and shear strains, such as the *_Elastic sets")
        }
        let c11 = linearFit(normal[0].map(\.0), normal[0].map(\.1))
        let c12 = linearFit(normal[1].map(\.0), normal[1].map(\.1))
        let c44 = linearFit(shear.map(\.0), shear.map(\.1))
        let pressure =
            intercepts.isEmpty
            ? -(c11.intercept + 2 * c12.intercept) / 3 : -intercepts.reduce(0, +) / Double(intercepts.count)
        return CubicElasticConstants(c11: c11.slope, c12: c12.slope, c44: c44.slope, referencePressure: pressure)
    }

    /// C44 (GPa) from the curvature of the energy per atom against the shear strain γ = 2ε_ab:
    /// E/N = E₀ + ½ (V₀/N) C44 γ², fitted over the unstrained cells and the cells strained by one shear
    /// with |γ| ≤ maxStrain; V₀/N is the reference cell's volume per atom. For a conservative model this
    /// equals the stress–strain slope of `fit` (the stress is the energy's strain derivative); DFT stresses
    /// need not agree with DFT energies (Nb in the shipped data: 2.4 GPa from stresses, 14.7 from energies).
    public static func shearModulusFromEnergies(
        cells: [Structure], reference: Structure, maxStrain: Double,
        energyPerAtom: (Structure) throws -> Double
    ) throws -> Double {
        guard let inverse = reference.cell.inverse else { throw MosaicError("singular reference cell") }
        var gammaSquared: [Double] = []
        var energies: [Double] = []
        var sheared = 0
        for s in cells {
            let gamma: Double
            switch StrainMode(of: s, referenceInverse: inverse, maxStrain: maxStrain) {
            case .shear(_, _, let g): gamma = g
            case .unstrained: gamma = 0
            case .normal, .other: continue
            }
            sheared += gamma == 0 ? 0 : 1
            gammaSquared.append(gamma * gamma)
            energies.append(try energyPerAtom(s))
        }
        guard sheared >= 2, gammaSquared.count > sheared else {
            throw MosaicError(
                "not enough sheared cells with |γ| ≤ \(maxStrain) and an unstrained cell (sheared: \(sheared),"
                    + " unstrained: \(gammaSquared.count - sheared))",
                fix: "use a data set with shear strains and the unstrained cell, such as the *_Elastic sets")
        }
        let volumePerAtom = reference.volume / Double(reference.count)
        return Units.gigapascal(2 * linearFit(gammaSquared, energies).slope / volumePerAtom)
    }
}

/// How a cell is strained against the reference cell, with ε = sym(A₀⁻¹A) − I: not at all, along one axis
/// (|ε_aa| ≤ maxStrain), by one shear (|γ| = |2ε_ab| ≤ maxStrain; normal strains of second order in γ, which
/// some data sets' shears carry, are allowed), or otherwise (including strains beyond maxStrain).
private enum StrainMode {
    case unstrained
    case normal(axis: Int, strain: Double)
    case shear(Int, Int, gamma: Double)
    case other

    init(of s: Structure, referenceInverse inverse: Matrix3, maxStrain: Double) {
        let f = inverse * s.cell
        var e = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 { e[i][j] = 0.5 * (f[i, j] + f[j, i]) - (i == j ? 1 : 0) } }
        let window = maxStrain * (1 + 1e-3)  // cells set at maxStrain belong inside despite the files' rounding
        let diagonal = (0..<3).filter { abs(e[$0][$0]) > 1e-6 }
        let offDiagonal = [(1, 2), (0, 2), (0, 1)].filter { abs(e[$0.0][$0.1]) > 1e-6 }
        if diagonal.isEmpty && offDiagonal.isEmpty {
            self = .unstrained
        } else if offDiagonal.isEmpty, diagonal.count == 1, let a = diagonal.first, abs(e[a][a]) <= window {
            self = .normal(axis: a, strain: e[a][a])
        } else if offDiagonal.count == 1, let (a, b) = offDiagonal.first, abs(2 * e[a][b]) <= window,
            diagonal.allSatisfy({ abs(e[$0][$0]) <= 4 * e[a][b] * e[a][b] })
        {
            self = .shear(a, b, gamma: 2 * e[a][b])
        } else {
            self = .other
        }
    }
}
