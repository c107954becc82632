import MosaicCore
import MosaicModel
import MosaicNumerics

/// Structures ready for repeated evaluation: species indices and neighbour lists computed once.
public struct PreparedDataset: Sendable {
    public let dataset: Dataset
    public let species: [[Int]]
    public let neighbours: [NeighbourList]

    /// Builds neighbour lists at the model cutoff (in parallel).
    public init(_ dataset: Dataset, model: CompositeModel) throws {
        self.dataset = dataset
        species = try dataset.structures.map { try model.speciesIndices(of: $0) }
        let cutoff = model.cutoff
        neighbours = parallelMap(dataset.structures) { NeighbourList($0, cutoff: cutoff) }
    }

    private init(dataset: Dataset, species: [[Int]], neighbours: [NeighbourList]) {
        self.dataset = dataset
        self.species = species
        self.neighbours = neighbours
    }

    /// The structures that satisfy `include`, with their prepared lists (nothing rebuilt).
    public func subset(where include: (Structure) -> Bool) -> PreparedDataset {
        let kept = dataset.structures.indices.filter { include(dataset.structures[$0]) }
        return PreparedDataset(
            dataset: Dataset(kept.map { dataset.structures[$0] }), species: kept.map { species[$0] },
            neighbours: kept.map { neighbours[$0] })
    }

    public var count: Int { species.count }

    /// The model's predictions for every structure (all cores).
    public func predictions(_ model: CompositeModel) -> [Prediction<Double>] {
        parallelMap(contiguousBlocks(count: count)) { block -> [Prediction<Double>] in
            let evaluator = ModelEvaluator<Double>(model: model)
            return block.map { evaluator.evaluate($0, in: self) }
        }.flatMap { $0 }
    }
}

extension ModelEvaluator {
    /// The prediction for structure k of prepared data (its species indices and neighbour list).
    public func evaluate(_ k: Int, in data: PreparedDataset) -> Prediction<T> {
        evaluate(species: data.species[k], neighbours: data.neighbours[k])
    }
}
