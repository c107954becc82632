import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// One property: the model's value, the DFT reference (when the data give one) and how it was derived.
public struct PropertyEntry: Codable, Sendable {
    public var name: String
    public var unit: String
    public var model: Double
    public var reference: Double?
    /// How the reference was obtained, or why there is none.
    public var referenceSource: String
    public var absoluteError: Double? { reference.map { model - $0 } }

    public init(name: String, unit: String, model: Double, reference: Double?, referenceSource: String) {
        self.name = name
        self.unit = unit
        self.model = model
        self.reference = reference
        self.referenceSource = referenceSource
    }
    public var relativeError: Double? { reference.flatMap { abs($0) > 0 ? (model - $0) / abs($0) : nil } }
}

/// Computes physical properties of a single-element bcc metal with a Mosaic model, and the DFT
/// references derived from the MVL-style data (strained cells and relaxed slabs of one element).
public struct PropertyCalculator {
    public let model: CompositeModel
    public let element: Element
    public var relaxation = FIRE()

    public init(model: CompositeModel, element: Element? = nil) {
        self.model = model
        self.element = element ?? model.elements[0]
    }

    func predict(_ s: Structure) throws -> Prediction<Double> { try model.predict(s) }

    /// Pressure (GPa) of the perfect bcc crystal at lattice constant a.
    public func pressure(a: Double) throws -> Double {
        let s = Crystal.bcc(element, a: a)
        return -Units.gigapascal(try predict(s).stress(volume: s.volume).trace / 3)
    }

    /// Zero-pressure bcc lattice constant (Å): the first change of sign of the pressure from
    /// compressive to tensile on a scan over 0.8–1.25 × guess, then bisection.
    public func latticeConstant(guess: Double = 3.3) throws -> Double {
        let grid = (0...45).map { guess * (0.8 + 0.01 * Double($0)) }
        var bracket: (Double, Double)? = nil
        var previous = (a: grid[0], p: try pressure(a: grid[0]))
        for a in grid.dropFirst() {
            let p = try pressure(a: a)
            if previous.p > 0 && p <= 0 {
                bracket = (previous.a, a)
                break
            }
            previous = (a, p)
        }
        guard var (low, high) = bracket else {
            throw MosaicError(
                "no zero-pressure bcc lattice constant within 0.8–1.25 × \(guess) Å",
                fix: "check the model, or give a better guess")
        }
        for _ in 0..<60 {
            let mid = 0.5 * (low + high)
            if try pressure(a: mid) > 0 { low = mid } else { high = mid }
        }
        return 0.5 * (low + high)
    }

    /// Energy per atom of bcc at lattice constant a.
    public func bccEnergy(a: Double) throws -> Double { try predict(Crystal.bcc(element, a: a)).energy / 2 }

    /// Equation of state E(V) (eV/atom vs Å³/atom) for volumes V0·(1 + strain), and the
    /// Birch–Murnaghan bulk modulus (GPa) from a cubic fit of E in V^(−2/3).
    public func equationOfState(a0: Double, range: Double = 0.06, points: Int = 13) throws
        -> (volumes: [Double], energies: [Double], bulkModulus: Double, equilibriumVolume: Double)
    {
        let v0 = a0 * a0 * a0 / 2
        let volumes = (0..<points).map { v0 * (1 - range + 2 * range * Double($0) / Double(points - 1)) }
        let energies = try volumes.map { try bccEnergy(a: pow(2 * $0, 1.0 / 3)) }
        let x = volumes.map { pow($0, -2.0 / 3) }
        // Normal equations of E = c0 + c1 x + c2 x² + c3 x³ (scaled x for conditioning).
        let xs = x.map { $0 / x[points / 2] }
        var a = [Double](repeating: 0, count: 16)
        var b = [Double](repeating: 0, count: 4)
        for (xi, e) in zip(xs, energies) {
            let powers = [1, xi, xi * xi, xi * xi * xi]
            for i in 0..<4 {
                b[i] += powers[i] * e
                for j in 0..<4 { a[i * 4 + j] += powers[i] * powers[j] }
            }
        }
        guard let c = LinearAlgebra.solvePositiveDefinite(a, b) else {
            throw MosaicError("equation-of-state fit failed")
        }
        // Minimum of the cubic in scaled x near the middle, by Newton.
        var t = 1.0
        for _ in 0..<50 {
            let d1 = c[1] + 2 * c[2] * t + 3 * c[3] * t * t
            let d2 = 2 * c[2] + 6 * c[3] * t
            t -= d1 / d2
        }
        let scale = x[points / 2]
        let x0 = t * scale
        let volume = pow(x0, -1.5)
        let d2 = (2 * c[2] + 6 * c[3] * t) / (scale * scale)  // d²E/dx²
        let dxdv = -2.0 / 3 * pow(volume, -5.0 / 3)
        let bulk = volume * d2 * dxdv * dxdv
        return (volumes, energies, Units.gigapascal(bulk), volume)
    }

    /// Relaxed vacancy formation energy (eV) in a cells³ bcc supercell at lattice constant a0.
    public func vacancyFormationEnergy(a0: Double, cells: Int = 4) throws -> (
        energy: Double, converged: Bool, relaxed: Structure
    ) {
        let (perfect, defect) = vacancyCells(a0: a0, cells: cells)
        let e0 = try predict(perfect).energy
        let relaxed = try relaxation.relax(defect, model: model)
        let n = Double(perfect.count)
        return (relaxed.energy - (n - 1) / n * e0, relaxed.converged, relaxed.structure)
    }

    /// A cells³ bcc supercell at lattice constant a0 and the same cell with its first atom removed (unrelaxed).
    public func vacancyCells(a0: Double, cells: Int) -> (perfect: Structure, defect: Structure) {
        let perfect = Crystal.bcc(element, a: a0, cells: cells)
        var defect = perfect
        defect.positions.removeFirst()
        defect.elements.removeFirst()
        return (perfect, defect)
    }

    /// Energy per atom of `structure(a)` minimised over a by golden section within ±8% of `guess`.
    func minimumEnergy(guess: Double, _ structure: (Double) -> Structure) throws -> Double {
        func energy(_ a: Double) throws -> Double {
            let s = structure(a)
            return try predict(s).energy / Double(s.count)
        }
        return try energy(GoldenSection.minimum(low: guess * 0.92, high: guess * 1.08, maxSteps: 60, energy))
    }

    /// E(structure) − E(bcc) in eV/atom for fcc, hcp (ideal c/a) and A15, each at its own
    /// energy-minimising volume (guesses from the bcc atomic volume).
    public func phaseDifferences(a0: Double) throws -> [(name: String, energy: Double)] {
        let bcc = try bccEnergy(a: a0)
        let volume = a0 * a0 * a0 / 2
        let fcc = try minimumEnergy(guess: pow(4 * volume, 1.0 / 3)) { Crystal.fcc(element, a: $0) }
        let hcp = try minimumEnergy(guess: pow(2 * volume / (0.5 * 3.0.squareRoot() * (8.0 / 3).squareRoot()), 1.0 / 3))
        { Crystal.hcp(element, a: $0) }
        let a15 = try minimumEnergy(guess: pow(8 * volume, 1.0 / 3)) { Crystal.a15(element, a: $0) }
        return [("fcc", fcc - bcc), ("hcp", hcp - bcc), ("A15", a15 - bcc)]
    }

    /// E_fcc − E_bcc (eV/atom), each at its own minimum.
    public func fccMinusBcc(a0: Double) throws -> Double {
        try phaseDifferences(a0: a0).first { $0.name == "fcc" }!.energy
    }

    /// Surface energy (J/m²) of a slab: (E_slab − N e_bulk) / 2A, with A the cell face normal to the vacuum.
    public static func surfaceEnergy(slab: Structure, energy: Double, bulkEnergyPerAtom: Double) -> Double {
        let area = slabArea(slab)
        return (energy - Double(slab.count) * bulkEnergyPerAtom) / (2 * area)
            / Units.joulePerSquareMetreInEVPerSquareAngstrom
    }

    /// Area (Å²) of the cell face parallel to the surface: the lattice direction with the widest
    /// empty gap (in Å) is the vacuum direction.
    public static func slabArea(_ slab: Structure) -> Double {
        norm(vacuum(of: slab).face)
    }

    /// The slab's vacuum: the lattice direction with the widest empty gap (in Å), the cell face parallel to the
    /// surface (normal to the vacuum), and the fractional coordinate along that direction of the slab's middle.
    static func vacuum(of slab: Structure) -> (direction: Int, face: Vec3, slabMiddle: Double) {
        let inverse = slab.cell.inverse!
        let fractional = slab.positions.map { inverse.leftMultiply($0) }
        let faces = [cross(slab.cell.b, slab.cell.c), cross(slab.cell.c, slab.cell.a), cross(slab.cell.a, slab.cell.b)]
        var best = (gap: -1.0, direction: 0, middle: 0.0)
        for d in 0..<3 {
            let values = fractional.map { $0[d] - $0[d].rounded(.down) }.sorted()
            var gap = (width: 1 - values.last! + values.first!, end: values.first!)
            for (u, v) in zip(values, values.dropFirst()) where v - u > gap.width { gap = (v - u, v) }
            let width = slab.volume / norm(faces[d])
            if gap.width * width > best.gap { best = (gap.width * width, d, gap.end + 0.5 * (1 - gap.width)) }
        }
        return (best.direction, faces[best.direction], best.middle)
    }

    /// The facet of a bcc slab from its geometry, as the data label facets ("210": Miller indices sorted by size),
    /// for data without labels: the cubic axes are the second-neighbour directions (length a) of the atom deepest
    /// inside the slab, the surface normal is that of the cell face parallel to the vacuum. Nil when the
    /// geometry is not bcc-like there or an index would exceed 9.
    public static func bccFacet(_ slab: Structure) -> String? {
        guard slab.count >= 2, let inverse = slab.cell.inverse else { return nil }
        let vacuum = vacuum(of: slab)
        // The deepest atom: the one closest (periodically) to the middle of the slab.
        let offset = slab.positions.map { p -> Double in
            let t = inverse.leftMultiply(p)[vacuum.direction] - vacuum.slabMiddle
            return abs(t - t.rounded())
        }
        let centre = offset.indices.min { offset[$0] < offset[$1] }!
        let neighbours = NeighbourList(slab, cutoff: 4.5)
        let vectors = neighbours.neighbours(of: centre).map { neighbours.delta[$0] }.sorted { norm($0) < norm($1) }
        guard vectors.count >= 14 else { return nil }
        // bcc: 8 first neighbours at a√3/2, 6 second neighbours at a along the cubic axes.
        let lattice = vectors.prefix(8).map(norm).reduce(0, +) / 8 * 2 / 3.0.squareRoot()
        let axes = vectors.filter { abs(norm($0) - lattice) < 0.06 * lattice }.map { $0 / norm($0) }
        guard let x = axes.first, let y = axes.first(where: { abs(dot($0, x)) < 0.1 }) else { return nil }
        let z = cross(x, y)
        // The in-plane cell vectors are lattice vectors: in the (approximate) cubic frame their coordinates in units
        // of a are all integers or all half-integers, so rounding makes them exact; their cross product is the normal.
        var inPlane: [[Int]] = []
        for d in 0..<3 where d != vacuum.direction {
            let v = slab.cell[d]
            let doubled = [dot(v, x), dot(v, y), dot(v, z)].map { 2 * $0 / lattice }
            guard doubled.allSatisfy({ abs($0 - $0.rounded()) < 0.3 }) else { return nil }
            inPlane.append(doubled.map { Int($0.rounded()) })
        }
        let (u, v) = (inPlane[0], inPlane[1])
        var normal = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]].map(abs)
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let divisor = normal.reduce(0, gcd)
        guard divisor > 0 else { return nil }
        normal = normal.map { $0 / divisor }.sorted(by: >)
        guard normal[0] <= 9 else { return nil }
        return normal.map(String.init).joined()
    }

    /// A slab's facet label: the data's own ("Sur" in MVL notes) or, failing that, the bcc facet of its geometry,
    /// or its source.
    public static func facetName(_ slab: Structure) -> String {
        slab.info["Sur"] ?? bccFacet(slab) ?? slab.source
    }
}
