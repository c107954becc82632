import Foundation
import MosaicCore
import MosaicModel
import MosaicTestSupport
import XCTest
import Yams

/// One generic checker run over every registered term type (`TermRegistry`), on a niobium cell and
/// on cells mixing two elements: a new term type is under every check as soon as it is registered.
/// Each case is a model of reference energies (per element, so species matter) plus one example term.
final class TermCheckerTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let mo = Element(symbol: "Mo")!
    var elements: [Element] { [nb, mo] }

    /// Every example of every registered type, each with per-element reference energies.
    var cases: [(label: String, model: CompositeModel)] {
        let reference = Term(ReferenceEnergyTerm.examples(elements: elements)[0])
        let single = TermRegistry.examples(elements: elements).map { term in
            let terms = term.is(ReferenceEnergyTerm.self) ? [term] : [reference, term]
            return ("\(term.typeName) '\(term.name)'", CompositeModel(elements: elements, terms: terms))
        }
        // Composites of every kind of term (parameter chunks across term boundaries, several terms at once).
        let composites = [testModel(), testModel(polynomial: true, splineDensity: true)].enumerated().map {
            k, model -> (String, CompositeModel) in
            var composite = model
            composite.elements = elements
            composite.terms = [reference] + model.terms.filter { !$0.is(ReferenceEnergyTerm.self) }
            return ("composite \(k)", composite)
        }
        // Every kind of term under a ZBL core whose switch reaches into the first shell, so the
        // screening of the other terms (S_i = Π_j s(r_ij)) enters every check.
        // It holds a moment term, whose linear coefficients take the basis-function path of the Jacobian.
        var screened = composites[1].1
        screened.terms.append(Term(MomentTensorTerm.examples(elements: elements)[1]))
        screened.terms.append(Term(ZBLCoreTerm.examples(elements: elements)[1]))
        return single + composites + [("composite under a ZBL core", screened)]
    }

    /// A niobium AIMD frame, a niobium slab, and two cells mixing Nb and Mo (an AIMD frame with every
    /// third atom Mo, and a random triclinic cell).
    var samples: [Structure] {
        var mixed = niobium["Nb_AIMD"]![150]
        for i in stride(from: 0, to: mixed.count, by: 3) { mixed.elements[i] = mo }
        mixed.source = "Nb_AIMD frame 150, every third atom Mo"
        var triclinic = randomTriclinic(atoms: 12, seed: 3)
        for i in stride(from: 1, to: triclinic.count, by: 2) { triclinic.elements[i] = mo }
        return [niobium["Nb_AIMD"]![40], niobium["Nb_Surface"]![3], mixed, triclinic]
    }

    func assertClose(
        _ a: Double, _ b: Double, relative: Double, absolute: Double, _ message: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertLessThanOrEqual(
            abs(a - b), absolute + relative * max(abs(a), abs(b)), "\(message): \(a) vs \(b)", file: file, line: line)
    }

    func testEveryRegisteredTypeHasAnExample() {
        let covered = Set(TermRegistry.examples(elements: elements).map(\.typeName))
        XCTAssertEqual(covered, Set(TermRegistry.typeNames))
        XCTAssertEqual(Set(TermRegistry.typeNames).count, TermRegistry.types.count, "type names are unique")
    }

    func testForcesAreMinusEnergyGradient() throws {
        for (label, model) in cases {
            for s in samples {
                let forces = try model.predict(s).forceVectors
                let h = 1e-5
                for atom in [0, s.count / 2, s.count - 1] {
                    for axis in 0..<3 {
                        var plus = s
                        var minus = s
                        plus.positions[atom][axis] += h
                        minus.positions[atom][axis] -= h
                        let numeric = -(energy(model, plus) - energy(model, minus)) / (2 * h)
                        assertClose(
                            forces[atom][axis], numeric, relative: 1e-6, absolute: 1e-8,
                            "\(label), \(s.source) atom \(atom) axis \(axis)")
                    }
                }
            }
        }
    }

    func testStressIsStrainDerivative() throws {
        for (label, model) in cases {
            for s in samples where s.isPeriodic {
                let stress = try model.predict(s).stress(volume: s.volume)
                let h = 1e-6
                for (v, (a, b)) in [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)].enumerated() {
                    func strained(_ delta: Double) -> Structure {
                        var m = Matrix3.identity
                        if a == b {
                            m[a, a] += delta
                        } else {
                            m[a, b] += delta / 2
                            m[b, a] += delta / 2
                        }
                        return s.deformed(by: m)
                    }
                    let numeric = (energy(model, strained(h)) - energy(model, strained(-h))) / (2 * h) / s.volume
                    assertClose(
                        stress.voigt[v], numeric, relative: 1e-6, absolute: 1e-9, "\(label), \(s.source) Voigt \(v)")
                }
            }
        }
    }

    /// dE/dθ, dF/dθ and dW/dθ (dual numbers) against fourth-order central differences.
    func testParameterJacobianMatchesFiniteDifferences() throws {
        for (label, model) in cases {
            for s in [samples[2], samples[3]] {
                let species = try model.speciesIndices(of: s)
                let list = NeighbourList(s, cutoff: model.cutoff)
                let j = JacobianEvaluator(model: model).jacobian(species: species, neighbours: list)
                let theta = model.internalParameters
                let p = theta.count
                let evaluator = ModelEvaluator<Double>(model: model)
                for q in 0..<p {
                    let h = 1e-4 * max(1, abs(theta[q]))
                    let shifted = [-2.0, -1, 1, 2].map { k -> Prediction<Double> in
                        var moved = theta
                        moved[q] += k * h
                        evaluator.setParameters(internal: moved)
                        return evaluator.evaluate(species: species, neighbours: list)
                    }
                    func derivative(_ value: (Prediction<Double>) -> Double) -> Double {
                        (8 * (value(shifted[2]) - value(shifted[1])) - (value(shifted[3]) - value(shifted[0])))
                            / (12 * h)
                    }
                    let name = "\(label), \(s.source) \(model.parameterNames[q])"
                    assertClose(j.energy[q], derivative { $0.energy }, relative: 1e-6, absolute: 1e-7, name + " dE")
                    for atom in [0, 1, s.count - 1] {
                        for axis in 0..<3 {
                            assertClose(
                                j.forces[(3 * atom + axis) * p + q],
                                derivative { [$0.forces[atom].x, $0.forces[atom].y, $0.forces[atom].z][axis].value },
                                relative: 1e-5, absolute: 1e-7, name + " dF atom \(atom) axis \(axis)")
                        }
                    }
                    for v in 0..<6 {
                        assertClose(
                            j.virial[v * p + q], derivative { $0.virial[v] }, relative: 1e-5, absolute: 1e-7,
                            name + " dW \(v)")
                    }
                }
            }
        }
    }

    /// The Jacobian columns of linear parameters taken from the kernels' basis functions (`LinearBasisKernel`) equal
    /// the dual-number columns to round-off, on every case and the mixed cells.
    func testLinearBasisColumnsEqualDualColumns() throws {
        var linearColumns = 0
        for (label, model) in cases {
            let linear = model.basisParameterIndices
            linearColumns += linear.count
            for s in [samples[2], samples[3]] {
                let species = try model.speciesIndices(of: s)
                let list = NeighbourList(s, cutoff: model.cutoff)
                let evaluator = JacobianEvaluator(model: model)
                let basis = evaluator.jacobian(species: species, neighbours: list)
                evaluator.usesLinearBasis = false
                let dual = evaluator.jacobian(species: species, neighbours: list)
                let p = model.parameterCount
                for q in linear {
                    let name = "\(label), \(s.source) \(model.parameterNames[q])"
                    assertClose(basis.energy[q], dual.energy[q], relative: 1e-12, absolute: 1e-13, name + " dE")
                    for row in 0..<(3 * s.count) {
                        assertClose(
                            basis.forces[row * p + q], dual.forces[row * p + q], relative: 1e-11, absolute: 1e-13,
                            name + " dF row \(row)")
                    }
                    for v in 0..<6 {
                        assertClose(
                            basis.virial[v * p + q], dual.virial[v * p + q], relative: 1e-11, absolute: 1e-12,
                            name + " dW \(v)")
                    }
                }
                XCTAssertEqual(basis.energy.count, dual.energy.count)
                for q in 0..<p where !linear.contains(q) {
                    XCTAssertEqual(
                        basis.energy[q], dual.energy[q], "\(label) \(model.parameterNames[q]): dual as before")
                }
            }
        }
        XCTAssertGreaterThan(linearColumns, 100, "the cases exercise the basis path")
    }

    func testTranslationRotationAndPermutationInvariance() throws {
        let axis = Vec3(1, 2, -0.5) / norm(Vec3(1, 2, -0.5))
        let angle = 0.77
        let k = Matrix3(Vec3(0, -axis.z, axis.y), Vec3(axis.z, 0, -axis.x), Vec3(-axis.y, axis.x, 0))
        var r = Matrix3.identity
        for i in 0..<3 {
            for j in 0..<3 { r[i, j] += sin(angle) * k[i, j] + (1 - cos(angle)) * (k * k)[i, j] }
        }
        let rotation = r.transposed  // row-vector convention: x' = x · Rᵀ
        var rng = SeededGenerator(seed: 11)
        for (label, model) in cases {
            for s in samples {
                let reference = try model.predict(s)
                var moved = s
                moved.positions = s.positions.map { $0 + Vec3(0.731, -2.9, 13.4) }
                var rotated = s
                rotated.cell = s.cell * rotation
                rotated.positions = s.positions.map { rotation.leftMultiply($0) }
                let order = Array(0..<s.count).shuffled(using: &rng)
                var permuted = s
                permuted.positions = order.map { s.positions[$0] }
                permuted.elements = order.map { s.elements[$0] }
                let translatedPrediction = try model.predict(moved)
                let rotatedPrediction = try model.predict(rotated)
                let permutedPrediction = try model.predict(permuted)
                let tolerance = 1e-11 * max(1, abs(reference.energy))
                XCTAssertEqual(
                    translatedPrediction.energy, reference.energy, accuracy: tolerance, "\(label) translation")
                XCTAssertEqual(rotatedPrediction.energy, reference.energy, accuracy: tolerance, "\(label) rotation")
                XCTAssertEqual(permutedPrediction.energy, reference.energy, accuracy: tolerance, "\(label) permutation")
                for i in 0..<s.count {
                    let f = reference.forceVectors[i]
                    XCTAssertLessThan(norm(translatedPrediction.forceVectors[i] - f), 1e-9, "\(label) translation")
                    XCTAssertLessThan(
                        norm(rotatedPrediction.forceVectors[i] - rotation.leftMultiply(f)), 1e-9, "\(label) rotation")
                }
                for (new, old) in order.enumerated() {
                    XCTAssertLessThan(
                        norm(permutedPrediction.forceVectors[new] - reference.forceVectors[old]), 1e-9,
                        "\(label) permutation")
                }
            }
        }
    }

    /// The element order of a model file is a label, not physics: every case with its elements listed in the
    /// other order (species-resolved blocks are keyed by symbol) predicts the same energies and forces.
    func testElementOrderOfTheModelDoesNotChangePredictions() throws {
        for (label, model) in cases {
            var swapped = model
            swapped.elements = model.elements.reversed()
            try swapped.validate()
            for s in samples {
                let a = try model.predict(s)
                let b = try swapped.predict(s)
                assertClose(a.energy, b.energy, relative: 1e-12, absolute: 1e-12, "\(label), \(s.source)")
                for i in 0..<s.count {
                    XCTAssertLessThan(norm(a.forceVectors[i] - b.forceVectors[i]), 1e-10, "\(label), \(s.source)")
                }
            }
        }
    }

    func testPeriodicImagesEqualExplicitSupercell() throws {
        var mixed = randomTriclinic(atoms: 5, seed: 9, scale: 4.5)
        mixed.elements[1] = mo
        mixed.elements[4] = mo
        for (label, model) in cases {
            for s in [niobium["Nb_Elastic"]![40], mixed] {
                let big = s.supercell(2, 3, 1)
                let a = try model.predict(s)
                let b = try model.predict(big)
                XCTAssertEqual(b.energy, 6 * a.energy, accuracy: 1e-9 * abs(b.energy), label)
                for v in 0..<6 {
                    XCTAssertEqual(
                        b.stress(volume: big.volume).voigt[v], a.stress(volume: s.volume).voigt[v], accuracy: 1e-10,
                        label)
                }
                for i in 0..<big.count {
                    XCTAssertLessThan(norm(b.forceVectors[i] - a.forceVectors[i % s.count]), 1e-9, label)
                }
            }
        }
    }

    /// An atom without neighbours has exactly its element's reference energy.
    func testIsolatedAtomHasOnlyItsReferenceEnergy() throws {
        let energies = ReferenceEnergyTerm.examples(elements: elements)[0].energies
        for (label, model) in cases {
            for element in elements {
                let atom = Structure(
                    cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0)], elements: [element])
                XCTAssertEqual(try model.predict(atom).energy, energies[element.symbol]!, "\(label), \(element.symbol)")
            }
        }
    }

    /// Energy and forces are continuous where a neighbour crosses any cutoff, for every species pair.
    func testEnergyAndForceVanishContinuouslyAtEveryCutoff() throws {
        for (label, model) in cases where model.cutoff > 0 {
            for pair in [(nb, nb), (nb, mo), (mo, mo)] {
                let rc = model.cutoff(between: pair.0, pair.1)
                func trimer(_ r: Double) -> Structure {
                    Structure(
                        cell: Matrix3.identity, pbc: [false, false, false],
                        positions: [Vec3(0, 0, 0), Vec3(r, 0, 0), Vec3(0.5 * r, 0.9 * r, 0)],
                        elements: [pair.0, pair.1, pair.0])
                }
                let inside = try model.predict(trimer(rc - 1e-6))
                let outside = try model.predict(trimer(rc + 1e-6))
                XCTAssertEqual(inside.energy, outside.energy, accuracy: 1e-9, label)
                XCTAssertLessThan(norm(inside.forceVectors[1] - outside.forceVectors[1]), 1e-6, label)
            }
        }
    }

    /// JSON (potential files) gives back the same model bit for bit; YAML (hand-written model files;
    /// Yams does not print every double exactly) the same hyper-parameters and values to 1e-14.
    func testFileRoundTrip() throws {
        let s = samples[2]
        for (label, model) in cases {
            let json = try JSONEncoder.mosaic.encode(model)
            let fromJSON = try JSONDecoder.mosaic.decode(CompositeModel.self, from: json)
            XCTAssertEqual(fromJSON, model, label)
            XCTAssertEqual(try fromJSON.predict(s).energy, try model.predict(s).energy, label)
            let yaml = try YAMLEncoder().encode(model)
            let fromYAML = try YAMLDecoder().decode(CompositeModel.self, from: yaml)
            XCTAssertEqual(fromYAML.parameterNames, model.parameterNames, label)
            XCTAssertEqual(fromYAML.terms.map(\.typeName), model.terms.map(\.typeName), label)
            for (a, b) in zip(fromYAML.naturalParameters, model.naturalParameters) {
                XCTAssertEqual(a, b, accuracy: 1e-14 * max(1, abs(b)), label)
            }
            let energy = try model.predict(s).energy
            XCTAssertEqual(try fromYAML.predict(s).energy, energy, accuracy: 1e-12 * abs(energy), label)
        }
    }

    /// Parameter identities are structured and agree with the names files use.
    func testParameterIdentities() {
        for (label, model) in cases {
            let ids = model.parameterIDs
            XCTAssertEqual(ids.count, model.parameterCount, label)
            XCTAssertEqual(Set(ids.map(\.description)).count, ids.count, "\(label): names are unique")
            for (id, range) in zip(model.terms, model.parameterRanges).flatMap({ term, range in
                range.map { (ids[$0], term.name) }
            }).map({ ($0.0, $0.1) }) {
                XCTAssertEqual(id.term, range, label)
            }
        }
    }
}
