import Foundation
import MosaicCore
import MosaicModel

extension CompositeModel {
    /// The model with a ZBL core below the training data (`ZBLCoreTerm`): added when the model has
    /// none (outer radius of each pair at the data's shortest distance of that pair), checked when it
    /// has one. Either way no training structure has a pair inside the core, so the fit is unchanged.
    /// Returns the model and a line saying what was done.
    public func withCore(below data: Dataset) throws -> (model: CompositeModel, note: String) {
        try withCore(shortest: data.shortestDistances())
    }

    /// The same, from the data's shortest distances (`Dataset.shortestDistances`) when the caller has them.
    public func withCore(shortest: [String: (distance: Double, source: String)]) throws
        -> (model: CompositeModel, note: String)
    {
        if let index = terms.firstIndex(where: { $0.is(ZBLCoreTerm.self) }) {
            let core = terms[index].as(ZBLCoreTerm.self)!
            for (i, j) in elementPairs(elements) {
                let key = pairKey(elements[i], elements[j])
                let outer = core.radii(between: elements[i], elements[j]).outer
                guard let closest = shortest[key], outer > closest.distance else { continue }
                throw MosaicError(
                    location: "term '\(core.name)' (zbl-core), pair \(key)",
                    String(
                        format:
                            "outer radius %.3f Å exceeds the shortest %@ distance of the training data, %.4f Å in %@",
                        outer, key as NSString, closest.distance, closest.source as NSString),
                    fix: String(
                        format: "set outer at or below %.2f Å (the core must not touch training structures),"
                            + " or remove the term and let mosaic place it",
                        (closest.distance * 100).rounded(.down) / 100))
            }
            return (self, "ZBL core '\(core.name)' as given (" + Self.describe(core, elements) + ")")
        }
        let core = ZBLCoreTerm.below(shortest: shortest.mapValues(\.distance), elements: elements)
        var model = self
        model.terms.append(Term(core))
        return (
            model, "ZBL core added below the training data's shortest distances (" + Self.describe(core, elements) + ")"
        )
    }

    private static func describe(_ core: ZBLCoreTerm, _ elements: [Element]) -> String {
        elementPairs(elements).map { i, j in
            let r = core.radii(between: elements[i], elements[j])
            return String(format: "%@ %.2f–%.2f Å", pairKey(elements[i], elements[j]) as NSString, r.inner, r.outer)
        }.joined(separator: ", ")
    }
}
