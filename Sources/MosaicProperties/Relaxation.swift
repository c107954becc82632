import Foundation
import MosaicCore
import MosaicModel

/// FIRE relaxation of atomic positions at fixed cell (Bitzek et al., PRL 97, 170201 (2006)).
public struct FIRE {
    public var forceTolerance = 1e-4  // eV/Å, largest force component at convergence
    public var maxSteps = 5000
    public var timeStep = 0.05
    public var maxTimeStep = 0.2
    public init() {}

    public struct Result {
        public var structure: Structure
        public var energy: Double
        public var maxForce: Double
        public var steps: Int
        public var converged: Bool
    }

    public func relax(_ start: Structure, model: CompositeModel) throws -> Result {
        let species = try model.speciesIndices(of: start)
        let evaluator = ModelEvaluator<Double>(model: model)
        var s = start
        var velocity = [Vec3](repeating: .zero, count: s.count)
        var dt = timeStep
        var alpha = 0.1
        var positiveSteps = 0
        var p = evaluator.evaluate(species: species, neighbours: NeighbourList(s, cutoff: model.cutoff))
        func maxForce(_ p: Prediction<Double>) -> Double {
            p.forceVectors.map { max(abs($0.x), abs($0.y), abs($0.z)) }.max() ?? 0
        }
        for step in 0..<maxSteps {
            let forces = p.forceVectors
            let fmax = maxForce(p)
            if fmax < forceTolerance {
                return Result(structure: s, energy: p.energy, maxForce: fmax, steps: step, converged: true)
            }
            let power = zip(forces, velocity).reduce(0) { $0 + dot($1.0, $1.1) }
            let vNorm = velocity.reduce(0) { $0 + dot($1, $1) }.squareRoot()
            let fNorm = forces.reduce(0) { $0 + dot($1, $1) }.squareRoot()
            if power > 0 {
                for i in velocity.indices {
                    velocity[i] = (1 - alpha) * velocity[i] + alpha * vNorm / max(fNorm, 1e-300) * forces[i]
                }
                positiveSteps += 1
                if positiveSteps > 5 {
                    dt = min(dt * 1.1, maxTimeStep)
                    alpha *= 0.99
                }
            } else {
                velocity = velocity.map { _ in .zero }
                positiveSteps = 0
                dt *= 0.5
                alpha = 0.1
            }
            // Semi-implicit Euler with unit masses.
            for i in velocity.indices {
                velocity[i] += dt * forces[i]
                s.positions[i] += dt * velocity[i]
            }
            p = evaluator.evaluate(species: species, neighbours: NeighbourList(s, cutoff: model.cutoff))
        }
        return Result(structure: s, energy: p.energy, maxForce: maxForce(p), steps: maxSteps, converged: false)
    }
}
