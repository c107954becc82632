import ArgumentParser
import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicNumerics

extension MosaicCommand {
    struct Benchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure evaluation and Jacobian speed of a model on DFT data.",
            discussion: prose(
                """
                Prints: neighbour-list time, energy+force throughput on one core (atoms/s), and the time of
                the full training-set Jacobian on all cores, with the columns of linear parameters from the
                terms' basis functions (as fits do) and, for reference in the same run, from dual numbers
                alone, with their ratio. benchmarks/core.sh runs this on the shipped Nb models,
                benchmarks/jacobian.sh on the alloy potential.
                """))
        @Option(help: "A potential file or a model description.")
        var model: String
        @OptionGroup var dataOptions: DataOptions
        @Option(help: "Repetitions of the energy+force pass.")
        var repeats = 3

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let model = try loadModel(model)
                let data = try dataOptions.load()
                var clock = Date()
                let prepared = try PreparedDataset(data, model: model)
                let listTime = Date().timeIntervalSince(clock)
                let neighbours = prepared.neighbours.reduce(0) { $0 + $1.index.count }
                print(
                    "model: \(model.describedParameterCount), "
                        + String(
                            format: "cutoff %.2f Å; data: %d structures, %d atoms, %.1f neighbours/atom",
                            model.cutoff, prepared.count, data.atomCount,
                            Double(neighbours) / Double(data.atomCount)))
                print(String(format: "neighbour lists (all cores):      %8.3f s", listTime))
                let evaluator = ModelEvaluator<Double>(model: model)
                var best = Double.infinity
                var checksum = 0.0
                for _ in 0..<repeats {
                    clock = Date()
                    for k in 0..<prepared.count {
                        checksum +=
                            evaluator.evaluate(species: prepared.species[k], neighbours: prepared.neighbours[k]).energy
                    }
                    best = min(best, Date().timeIntervalSince(clock))
                }
                print(
                    String(
                        format: "energy+forces (one core):         %8.3f s  = %.3g atoms/s", best,
                        Double(data.atomCount) / best))
                let problem = LeastSquaresProblem(model: model, data: prepared, weights: FitWeights())
                clock = Date()
                let (a, _, cost) = problem.normalEquations(model.internalParameters)
                let jacobianTime = Date().timeIntervalSince(clock)
                print(
                    String(
                        format: "full Jacobian + JᵀJ (all cores):  %8.3f s  (%d residual rows x %d fitted params)",
                        jacobianTime, problem.residualCount, model.freeParameterCount))
                problem.usesLinearBasis = false
                clock = Date()
                let (reference, _, _) = problem.normalEquations(model.internalParameters)
                let dualTime = Date().timeIntervalSince(clock)
                let difference = zip(a, reference).map { abs($0 - $1) }.max() ?? 0
                let scale = reference.map(abs).max() ?? 0
                print(
                    String(
                        format: "  same, dual numbers only:        %8.3f s  (ratio %.2f; relative difference %.1e)",
                        dualTime, dualTime / jacobianTime, difference / max(scale, 1e-300)))
                if difference > 1e-9 * scale {
                    throw MosaicError("the two Jacobians differ: \(difference) of \(scale)")
                }
                clock = Date()
                let cost2 = problem.cost(model.internalParameters)
                print(String(format: "cost only (all cores):            %8.3f s", Date().timeIntervalSince(clock)))
                if abs(cost - cost2) > 1e-8 * abs(cost) || !checksum.isFinite {
                    throw MosaicError("inconsistent costs \(cost) vs \(cost2)")
                }
            }
        }
    }
}
