import MosaicCore

/// Every term type Mosaic knows, in the order help texts list them. Model files name a type by its
/// `typeName`; decoding, encoding, `mosaic --help` and the generic term tests all read this list.
public enum TermRegistry {
    public static let types: [any TermType.Type] = [
        ReferenceEnergyTerm.self,
        PairSplineTerm.self,
        MorseTerm.self,
        BornMayerTerm.self,
        EmbeddingTerm.self,
        ThreeBodyTerm.self,
        AngularEmbeddingTerm.self,
        MomentTensorTerm.self,
        ZBLCoreTerm.self,
    ]

    public static var typeNames: [String] { types.map { $0.typeName } }

    public static func type(named name: String) -> (any TermType.Type)? {
        types.first { $0.typeName == name }
    }

    /// Every registered type's examples (see `TermType.examples`), in registry order.
    public static func examples(elements: [Element]) -> [Term] {
        types.flatMap { kind in kind.examples(elements: elements).map { Term(erased: $0) } }
    }

    /// "type: summary" lines for help texts.
    public static var help: String {
        types.map { "  \($0.typeName): \($0.summary)" }.joined(separator: "\n")
    }
}

/// One single-term model of a composite, of any registered type. In files: a mapping with
/// `type:` and the term's own keys.
public struct Term: Codable, Sendable, Equatable {
    /// The term itself.
    public private(set) var base: any TermType

    public init(_ base: some TermType) { self.base = base }

    init(erased base: any TermType) { self.base = base }

    enum TypeKey: String, CodingKey { case type }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        let name = try container.decode(String.self, forKey: .type)
        guard let type = TermRegistry.type(named: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription:
                    "unknown term type '\(name)' (known: \(TermRegistry.typeNames.joined(separator: ", ")))")
        }
        try KeyCheck.rejectUnknownKeys(in: decoder, known: ["type"] + type.keys, what: "a \(name) term")
        base = try type.init(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(typeName, forKey: .type)
        try base.encode(to: encoder)
    }

    public static func == (a: Term, b: Term) -> Bool { a.base.isEqual(to: b.base) }

    /// The term as a concrete type, or nil if it is another type.
    public func `as`<T: TermType>(_ type: T.Type) -> T? { base as? T }

    /// Whether the term is of type `type`.
    public func `is`<T: TermType>(_ type: T.Type) -> Bool { base is T }

    public var typeName: String { type(of: base).typeName }
    public var name: String {
        get { base.name }
        set { base.name = newValue }
    }
    public var cutoff: Double { base.cutoff }
    public var isBaseline: Bool { type(of: base).isBaseline }
    public var isRegularised: Bool { type(of: base).isRegularised }
    public var isOnSite: Bool { type(of: base).isOnSite }
    public var isKeptInsideCore: Bool { type(of: base).isKeptInsideCore }
    public var isPairwise: Bool { type(of: base).isPairwise }
    public var label: String { base.label }
    public func cutoff(between a: Element, _ b: Element) -> Double { base.cutoff(between: a, b) }
    public func parameters(elements: [Element]) -> [ParameterSpec] { base.parameters(elements: elements) }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        base.setParameters(values, elements: elements)
    }

    public func applying(_ change: TermChange) throws -> Term { Term(erased: try base.applying(change)) }
    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        base.shrinkProposals(sloppy: parameter)
    }
    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        base.growProposals(room: room, context: context)
    }

    /// The kernel, type-erased for the evaluator's term loop.
    func makeKernel(elements: [Element]) -> any TermKernel { base.makeKernel(elements: elements) }

    /// Checks hyper-parameters and values; errors name the term.
    public func validate(elements: [Element]) throws {
        let location = "term '\(name)' (\(typeName))"
        for parameter in parameters(elements: elements) {
            guard parameter.value.isFinite else {
                throw MosaicError(
                    location: location, "parameter \(parameter.local) is not finite",
                    fix: "give a finite starting value")
            }
            if parameter.transform == .log, parameter.value <= 0 {
                throw MosaicError(
                    location: location, "parameter \(parameter.local) must be positive, found \(parameter.value)",
                    fix: "use a positive value")
            }
        }
        try base.validate(elements: elements, location: location)
    }
}

extension TermType {
    fileprivate func isEqual(to other: any TermType) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}
