import MosaicCore
import MosaicModel
import MosaicTestSupport
import XCTest

/// Every analytic derivative against central finite differences.
final class DerivativeTests: XCTestCase {
    /// Structures covering bulk MD, a strained cell, a surface slab and a random triclinic cell.
    var samples: [Structure] {
        [
            niobium["Nb_AIMD"]![150], niobium["Nb_Elastic"]![5], niobium["Nb_Surface"]![3],
            randomTriclinic(atoms: 12, seed: 3),
        ]
    }

    func assertClose(
        _ a: Double, _ b: Double, relative: Double, absolute: Double, _ message: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertLessThanOrEqual(
            abs(a - b), absolute + relative * max(abs(a), abs(b)), "\(message): \(a) vs \(b)", file: file, line: line)
    }

    func testForcesAreMinusEnergyGradient() throws {
        for model in [testModel(), testModel(polynomial: true, splineDensity: true)] {
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
                            "\(s.source) atom \(atom) axis \(axis)")
                    }
                }
            }
        }
    }

    func testStressIsStrainDerivative() throws {
        let model = testModel()
        for s in samples where s.isPeriodic {
            let stress = try model.predict(s).stress(volume: s.volume)
            let h = 1e-6
            let pairs = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
            for (v, (a, b)) in pairs.enumerated() {
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
                assertClose(stress.voigt[v], numeric, relative: 1e-6, absolute: 1e-9, "\(s.source) Voigt \(v)")
            }
        }
    }

    func testParameterJacobianMatchesFiniteDifferences() throws {
        for model in [testModel(), testModel(polynomial: true, splineDensity: true)] {
            for s in [samples[0], samples[2], samples[3]] {
                let species = try model.speciesIndices(of: s)
                let list = NeighbourList(s, cutoff: model.cutoff)
                let jacobian = JacobianEvaluator(model: model)
                let j = jacobian.jacobian(species: species, neighbours: list)
                let theta = model.internalParameters
                let p = theta.count
                let evaluator = ModelEvaluator<Double>(model: model)
                for q in 0..<p {
                    // Fourth-order central differences: truncation O(h⁴), round-off of the ~500 eV totals ~1e-9.
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
                    let name = "\(s.source) \(model.parameterNames[q])"
                    assertClose(j.energy[q], derivative { $0.energy }, relative: 1e-6, absolute: 1e-7, name + " dE")
                    for atom in [0, s.count - 1] {
                        assertClose(
                            j.forces[(3 * atom + 1) * p + q], derivative { $0.forces[atom].y.value },
                            relative: 1e-5, absolute: 1e-7, name + " dF atom \(atom)")
                    }
                    for v in [0, 3] {
                        assertClose(
                            j.virial[v * p + q], derivative { $0.virial[v] }, relative: 1e-5, absolute: 1e-7,
                            name + " dW \(v)")
                    }
                }
                // The Jacobian's own prediction is the plain evaluation.
                XCTAssertEqual(j.prediction.energy, try model.predict(s).energy, accuracy: 1e-9)
            }
        }
    }
}
