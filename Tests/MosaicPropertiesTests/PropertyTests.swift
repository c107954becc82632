import MosaicCore
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

final class PropertyTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    var morse: CompositeModel {
        CompositeModel(
            elements: [nb], terms: [.morse(MorseTerm(cutoff: 6.0, width: 1.0, depth: 0.2, alpha: 1.3, r0: 3.0))])
    }

    /// Independent lattice sum of the Morse pair energy per bcc atom.
    func morseLatticeSum(a: Double) -> Double {
        var sum = 0.0
        let term = MorseTerm(cutoff: 6.0, width: 1.0, depth: 0.2, alpha: 1.3, r0: 3.0)
        for i in -4...4 {
            for j in -4...4 {
                for k in -4...4 {
                    for shift in [Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5)] {
                        let r = norm((Vec3(Double(i), Double(j), Double(k)) + shift) * a)
                        guard r > 0, r < term.cutoff else { continue }
                        let t = (r - (term.cutoff - term.width)) / term.width
                        let fc = t <= 0 ? 1 : 1 - t * t * t * (10 - 15 * t + 6 * t * t)
                        let e = exp(-term.alpha * (r - term.r0))
                        sum += 0.5 * term.depth * (e * e - 2 * e) * fc
                    }
                }
            }
        }
        return sum
    }

    /// Cells strained by ±ε in every normal and shear mode around a bcc cell of lattice constant a.
    func strainedCells(a: Double, strains: [Double]) -> [Structure] {
        let base = Crystal.bcc(nb, a: a)
        var cells = [base]
        for e in strains {
            for mode in 0..<6 {
                var m = Matrix3.identity
                if mode < 3 {
                    m[mode, mode] += e
                } else {
                    let (p, q) = [(1, 2), (0, 2), (0, 1)][mode - 3]
                    m[p, q] += e / 2
                    m[q, p] += e / 2
                }
                cells.append(base.deformed(by: m))
            }
        }
        return cells
    }

    func testPairPotentialLatticeConstantAndBulkModulusMatchLatticeSums() throws {
        let calculator = PropertyCalculator(model: morse)
        let a0 = try calculator.latticeConstant(guess: 3.4)
        // Independent minimum of the lattice sum (golden section).
        var low = a0 - 0.2
        var high = a0 + 0.2
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
            let m1 = high - ratio * (high - low)
            let m2 = low + ratio * (high - low)
            if morseLatticeSum(a: m1) < morseLatticeSum(a: m2) { high = m2 } else { low = m1 }
        }
        XCTAssertEqual(a0, 0.5 * (low + high), accuracy: 1e-5)
        XCTAssertEqual(try calculator.bccEnergy(a: a0), morseLatticeSum(a: a0), accuracy: 1e-10)
        // Bulk modulus B = V d²E/dV² by finite differences of the lattice sum.
        let v0 = a0 * a0 * a0 / 2
        let h = 1e-3 * v0
        func e(_ v: Double) -> Double { morseLatticeSum(a: pow(2 * v, 1.0 / 3)) }
        let bulk = Units.gigapascal(v0 * (e(v0 + h) - 2 * e(v0) + e(v0 - h)) / (h * h))
        let eos = try calculator.equationOfState(a0: a0, range: 0.02)
        XCTAssertEqual(eos.bulkModulus, bulk, accuracy: 0.01 * bulk)
        XCTAssertEqual(eos.equilibriumVolume, v0, accuracy: 1e-3 * v0)
    }

    /// The random equiatomic alloy of four elements that one shared Morse potential treats alike is plain bcc:
    /// its relaxed lattice constant is the Morse lattice-sum minimum, and the cell holds the elements equally.
    func testRandomAlloyOfIdenticalElementsIsTheirBccLattice() throws {
        let elements = ["Nb", "Mo", "Ta", "W"].map { Element(symbol: $0)! }
        var model = morse
        model.elements = elements
        let alloy = RandomAlloy(model: model, elements: elements)
        let cell = alloy.cell(a: 3.3)
        XCTAssertEqual(cell.count, 128)
        for e in elements { XCTAssertEqual(cell.elements.filter { $0 == e }.count, 32, e.symbol) }
        XCTAssertEqual(alloy.cell(a: 3.3).elements, cell.elements, "the same cell every time")
        XCTAssertNotEqual(Array(cell.elements.prefix(8)), Array(elements + elements), "shuffled, not in order")
        var low = 2.9
        var high = 3.5
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
            let m1 = high - ratio * (high - low)
            let m2 = low + ratio * (high - low)
            if morseLatticeSum(a: m1) < morseLatticeSum(a: m2) { high = m2 } else { low = m1 }
        }
        XCTAssertEqual(try alloy.latticeConstant(guess: 3.2), 0.5 * (low + high), accuracy: 2e-4)
        XCTAssertEqual(RandomAlloy.vegard([3.0, 3.2, 3.4, 3.6]), 3.3, accuracy: 1e-12)
    }

    /// Central pair potentials obey the Cauchy relation C12 = C44 at zero pressure, B = (C11 + 2C12)/3
    /// agrees with the EOS, and the constants do not depend on the strain magnitude.
    func testElasticConstantsOfPairPotential() throws {
        let calculator = PropertyCalculator(model: morse)
        let a0 = try calculator.latticeConstant(guess: 3.4)
        func constants(_ strain: Double) throws -> CubicElasticConstants {
            let cells = strainedCells(a: a0, strains: [-strain, -strain / 2, strain / 2, strain])
            return try CubicElasticConstants.fit(cells: cells, reference: cells[0].cell, maxStrain: 2 * strain) { s in
                try self.morse.predict(s).stress(volume: s.volume)
            }
        }
        let small = try constants(0.002)
        let large = try constants(0.005)
        XCTAssertEqual(small.c12, small.c44, accuracy: 0.005 * small.c44, "Cauchy relation")
        XCTAssertEqual(small.referencePressure, 0, accuracy: 1e-6)
        XCTAssertEqual(large.c11, small.c11, accuracy: 0.01 * small.c11)
        XCTAssertEqual(large.c12, small.c12, accuracy: 0.01 * small.c12)
        XCTAssertEqual(large.c44, small.c44, accuracy: 0.01 * small.c44)
        let eos = try calculator.equationOfState(a0: a0, range: 0.02)
        XCTAssertEqual(small.bulkModulus, eos.bulkModulus, accuracy: 0.01 * eos.bulkModulus)
    }

    /// For a conservative model the stress is the energy's strain derivative, so C44 from the curvature of the
    /// energy against the shear equals the stress–strain slope.
    func testShearModulusFromEnergiesEqualsStressSlopeForAModel() throws {
        let calculator = PropertyCalculator(model: morse)
        let a0 = try calculator.latticeConstant(guess: 3.4)
        let cells = strainedCells(a: a0, strains: [-0.004, -0.002, 0.002, 0.004])
        let fromStress = try CubicElasticConstants.fit(cells: cells, reference: cells[0].cell, maxStrain: 0.01) {
            try self.morse.predict($0).stress(volume: $0.volume)
        }
        let fromEnergy = try CubicElasticConstants.shearModulusFromEnergies(
            cells: cells, reference: cells[0], maxStrain: 0.01
        ) { try self.morse.predict($0).energy / Double($0.count) }
        XCTAssertGreaterThan(fromStress.c44, 1)
        XCTAssertEqual(fromEnergy, fromStress.c44, accuracy: 0.01 * fromStress.c44)
        XCTAssertThrowsError(
            try CubicElasticConstants.shearModulusFromEnergies(cells: [cells[0]], reference: cells[0], maxStrain: 0.01)
            {
                $0.energy ?? 0
            })
    }

    /// The DFT C44 reference comes from the energies of the sheared cells: for Nb the data's shear stresses
    /// disagree with its energies by a factor of six, for Mo, Ta and W they agree within 12%. Expected values
    /// computed independently (numpy: E/atom against γ² over |γ| ≤ 2% with the unstrained cell; stress slope; the
    /// same cells: one shear, normal strains at most of second order, the window widened by 0.1% for rounding).
    func testDFTShearModulusFromEnergiesAndStresses() throws {
        for (element, energyC44, stressC44) in [
            ("nb/Nb", 14.690, 2.396), ("mo/Mo", 108.873, 105.810), ("ta/Ta", 75.708, 66.693),
            ("w/W", 134.576, 141.066),
        ] {
            let elastic = try MVLReader.read(path: repositoryRoot + "/data/\(element)_Elastic.json")
            let unstrained = try PropertyReport.unstrainedCell(elastic)
            let fromEnergy = try CubicElasticConstants.shearModulusFromEnergies(
                cells: elastic, reference: unstrained, maxStrain: 0.02
            ) { $0.energy! / Double($0.count) }
            let fromStress = try CubicElasticConstants.fit(
                cells: elastic, reference: unstrained.cell, maxStrain: 0.02
            ) { $0.stress! }
            XCTAssertEqual(fromEnergy, energyC44, accuracy: 0.002, element)
            XCTAssertEqual(fromStress.c44, stressC44, accuracy: 0.002, element)
        }
    }

    /// The DFT reference derivation: the fitted stress–strain law reproduces the data's stresses.
    func testDFTElasticConstantsReproduceTheData() throws {
        let elastic = niobium["Nb_Elastic"]!
        let reference = Crystal.bcc(nb, a: 3.322565).cell
        let c = try CubicElasticConstants.fit(cells: elastic, reference: reference, maxStrain: 0.02) { $0.stress! }
        // As measured independently in data/nb/SOURCE.md: C11 ≈ 240, C12 ≈ 142 GPa.
        XCTAssertEqual(c.c11, 240, accuracy: 12)
        XCTAssertEqual(c.c12, 142, accuracy: 7)
        var checked = 0
        for s in elastic {
            let f = reference.inverse! * s.cell
            let e = (0..<3).map { f[$0, $0] - 1 }
            guard abs(f[0, 1]) + abs(f[1, 0]) + abs(f[0, 2]) + abs(f[2, 0]) + abs(f[1, 2]) + abs(f[2, 1]) < 1e-9,
                let axis = e.indices.first(where: { abs(e[$0]) > 1e-6 }), abs(e[axis]) <= 0.0101
            else { continue }
            let sigma = Units.gigapascal(s.stress!.voigt[axis])
            XCTAssertEqual(sigma, -c.referencePressure + c.c11 * e[axis], accuracy: 0.3, s.source)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 6)
    }

    func testRelaxationConvergesAndLowersEnergy() throws {
        let model = testModel()
        var s = Crystal.bcc(nb, a: 3.32, cells: 2)
        s.positions[3] += Vec3(0.15, -0.1, 0.05)
        let start = try model.predict(s).energy
        var fire = FIRE()
        fire.forceTolerance = 1e-5
        let result = try fire.relax(s, model: model)
        XCTAssertTrue(result.converged)
        XCTAssertLessThan(result.maxForce, 1e-5)
        XCTAssertLessThan(result.energy, start)
    }

    func testSlabAreaFindsVacuumDirection() {
        let slab = niobium["Nb_Surface"]!.first { $0.info["Sur"] == "100" }!
        XCTAssertEqual(PropertyCalculator.slabArea(slab), norm(cross(slab.cell.a, slab.cell.b)), accuracy: 1e-9)
    }
}

final class CrystalTests: XCTestCase {
    let nb = Element(symbol: "Nb")!

    func firstShell(_ s: Structure, atom: Int) -> (count: Int, distance: Double) {
        let list = NeighbourList(s, cutoff: 1.2 * s.cell.a.x)
        let distances = list.neighbours(of: atom).map { norm(list.delta[$0]) }
        let nearest = distances.min()!
        return (distances.filter { $0 < nearest + 1e-6 }.count, nearest)
    }

    /// The reference structures have their textbook first shells.
    func testStructuresHaveTheirCoordination() {
        let a = 4.0
        XCTAssertEqual(firstShell(Crystal.fcc(nb, a: a), atom: 0).count, 12)
        XCTAssertEqual(firstShell(Crystal.fcc(nb, a: a), atom: 0).distance, a / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(firstShell(Crystal.hcp(nb, a: a), atom: 0).count, 12)
        XCTAssertEqual(firstShell(Crystal.hcp(nb, a: a), atom: 1).distance, a, accuracy: 1e-12)
        XCTAssertEqual(firstShell(Crystal.bcc(nb, a: a), atom: 0).count, 8)
        // A15: chain sites (6c) have 2 neighbours at a/2 along the chain.
        let a15 = Crystal.a15(nb, a: a)
        XCTAssertEqual(firstShell(a15, atom: 2).count, 2)
        XCTAssertEqual(firstShell(a15, atom: 2).distance, a / 2, accuracy: 1e-12)
        // 2a sites: 12 neighbours at a √5 / 4.
        XCTAssertEqual(firstShell(a15, atom: 0).count, 12)
        XCTAssertEqual(firstShell(a15, atom: 0).distance, a * 5.0.squareRoot() / 4, accuracy: 1e-12)
    }
}

extension PropertyTests {
    /// The facet found from a slab's geometry is the label the data give it (Nb, Ta, W: every slab); the Mo
    /// file has no labels and gets a distinct low-index name for each of its slabs.
    func testBccFacetFromGeometryMatchesTheDataLabels() throws {
        var checked = 0
        for element in ["nb/Nb", "ta/Ta", "w/W"] {
            for slab in try MVLReader.read(path: repositoryRoot + "/data/\(element)_Surface.json") {
                let label = try XCTUnwrap(slab.info["Sur"], slab.source)
                XCTAssertEqual(PropertyCalculator.bccFacet(slab), label, slab.source)
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
        let molybdenum = try MVLReader.read(path: repositoryRoot + "/data/mo/Mo_Surface.json")
        let names = molybdenum.map(PropertyCalculator.facetName)
        XCTAssertEqual(Set(names).count, molybdenum.count, "\(names)")
        XCTAssertTrue(["100", "110", "111"].allSatisfy(names.contains), "\(names)")
        XCTAssertNil(PropertyCalculator.bccFacet(Crystal.fcc(nb, a: 4.2)), "not a slab of bcc")
    }
}
