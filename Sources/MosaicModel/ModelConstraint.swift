/// A condition every accepted step of a fit keeps (`Trainer.constraint`, e.g. the repulsion check).
/// `failing` names the places where a model breaks it (none: the model keeps it). `slack`, when given,
/// measures one such place on any model, positive where the condition holds there: with it the fit bends a
/// step the condition refuses along the condition instead of only shrinking it by more damping, which stalls a
/// fit whose best directions all point across the condition.
public struct ModelConstraint {
    public var failing: (CompositeModel) -> [AnyHashable]
    public var slack: ((AnyHashable, CompositeModel) -> Double)?
    /// The least slack a bent step aims to keep at a place (a place at the edge has none to spare).
    public var margin: Double

    public init(
        failing: @escaping (CompositeModel) -> [AnyHashable], slack: ((AnyHashable, CompositeModel) -> Double)? = nil,
        margin: Double = 0
    ) {
        self.failing = failing
        self.slack = slack
        self.margin = margin
    }

    /// A bare condition, with no slack to measure: steps that break it are refused.
    public init(_ holds: @escaping (CompositeModel) -> Bool) {
        self.init(failing: { holds($0) ? [] : ["condition"] })
    }

    /// Whether the model keeps the condition.
    public func holds(_ model: CompositeModel) -> Bool { failing(model).isEmpty }
}
