import MosaicCore

/// One parameter of a term, as the term declares it.
public struct ParameterSpec: Sendable, Equatable {
    /// Name inside the term; files write "term.local" (e.g. "c3", "g0.center", "density.beta").
    public var local: String
    /// Natural value (eV, Å, ...).
    public var value: Double
    /// How the optimiser sees it (log keeps positive scales positive).
    public var transform: ParameterTransform
    /// Whether it enters the energy linearly (a coefficient of fixed functions).
    public var isLinear: Bool
    /// The sub-function it belongs to (a three-body radial channel), if any.
    public var channel: Int?
    /// The element symbols it belongs to (e.g. a reference energy); empty when shared by all species.
    public var species: [String]
    /// The B-spline function it is a coefficient of, if any: parameters of one term with the same label are
    /// that function's coefficients in order along r (the smoothness penalty takes their second differences).
    public var spline: String?
    /// Whether the term's energy (of its species block) is proportional to it: a scale such as an embedding's A,
    /// at zero the term contributes nothing (`TermEvidence` tests it against zero).
    public var isAmplitude: Bool

    public init(
        _ local: String, _ value: Double, transform: ParameterTransform = .identity, linear: Bool = false,
        channel: Int? = nil, species: [String] = [], spline: String? = nil, amplitude: Bool = false
    ) {
        self.local = local
        self.value = value
        self.transform = transform
        self.isLinear = linear
        self.channel = channel
        self.species = species
        self.spline = spline
        self.isAmplitude = amplitude
    }

    /// The species block it belongs to ("Mo-Nb" for a pair block, "W" for a centre block; nil when shared by all).
    public var block: String? { species.isEmpty ? nil : species.joined(separator: "-") }

    /// Its name within its species block ("Mo-Nb.c3" → "c3"); the local name itself when shared by all species.
    public var localInBlock: String {
        guard let block else { return local }
        return String(local.dropFirst(block.count + 1))
    }
}

/// A parameter's identity in a composite model: its term and its place in that term. Code asks
/// these fields; the string form "term.local" is only for files and people.
public struct ParameterID: Hashable, Sendable, CustomStringConvertible {
    public var term: String
    public var local: String
    public var channel: Int?
    public var species: [String]
    public var description: String { "\(term).\(local)" }
}

/// What the design loop knows of the data when terms propose changes: distances come from here,
/// never from constants of one element.
public struct DesignContext: Sendable {
    /// The typical nearest-neighbour distance of the training data (Å).
    public var nearestNeighbour: Double
    /// The model's elements.
    public var elements: [Element]

    public init(nearestNeighbour: Double, elements: [Element]) {
        self.nearestNeighbour = nearestNeighbour
        self.elements = elements
    }
}

/// A change of one term's shape, proposed and applied by the design loop.
public enum TermChange: Codable, Sendable, Equatable {
    /// Drop the term from the model.
    case remove
    /// Basis size: pair-spline coefficients, three-body or angular-embedding Legendre order, embedding
    /// coefficient count.
    case resize(Int)
    case addChannel(RadialFunction)
    case removeChannel(Int)
    /// Drop one basis function of a term with an explicit list of them (a moment-tensor invariant, named as
    /// the model file writes it, e.g. "112(0,0,1)").
    case removeInvariant(String)
    case cutoff(Double)
    /// Give every species combination its own copy of the shared parameters (each pair of `elements`
    /// for pair terms): predictions are unchanged at the moment of the split.
    case splitBySpecies(elements: [Element])
    /// The inverse: one shared set, the mean of the species blocks.
    case fuseSpecies
    /// Weight a three-body term's radial channels per neighbour element (every weight 1 at the split, so
    /// predictions are unchanged).
    case weighNeighbours(elements: [Element])
    /// The inverse: channels shared by every neighbour element again (each channel's coefficients scaled by
    /// the mean squared weight, so the energy scale is kept).
    case unweighNeighbours
}

/// The canonical name of an unordered element pair, symbols in alphabetical order: "Mo-Nb".
public func pairKey(_ a: Element, _ b: Element) -> String {
    a.symbol <= b.symbol ? "\(a.symbol)-\(b.symbol)" : "\(b.symbol)-\(a.symbol)"
}

/// The unordered pairs of `elements` (i ≤ j in their order): the block order of per-pair parameters.
public func elementPairs(_ elements: [Element]) -> [(Int, Int)] {
    elements.indices.flatMap { i in (i..<elements.count).map { (i, $0) } }
}

/// A single-term model: its description (hyper-parameters and natural parameter values, as model
/// and potential files write it), its parameters, its checks, its kernel and its design hooks.
///
/// Adding a term type: write one file with a type conforming to this protocol and its kernel, and
/// add the type to `TermRegistry.types`. Decoding, encoding, help, the design loop and the generic
/// term checks in the tests all come from there.
public protocol TermType: Codable, Sendable, Equatable {
    associatedtype Kernel: TermKernel
    /// The `type:` of model files, e.g. "pair-spline".
    static var typeName: String { get }
    /// One line for `mosaic --help` and the model-file reference.
    static var summary: String { get }
    /// The keys a model file may give for a term of this type (besides `type`); others are refused.
    static var keys: [String] { get }
    /// Unit, default and meaning of each of `keys`, for the generated model-file reference.
    static var keyDocs: [KeyDoc] { get }
    /// Kept in every candidate of the design loop and never removed by it (reference energies,
    /// short-range repulsion).
    static var isBaseline: Bool { get }
    /// Depends on the centre atom only (reference energies): staged training keeps such terms free in
    /// every stage, since they absorb each stage's energy offset.
    static var isOnSite: Bool { get }
    /// Whether the ridge penalty applies to its linear parameters (not to reference energies, whose
    /// value is whatever the data say).
    static var isRegularised: Bool { get }
    /// Stays on inside a ZBL core (`ZBLCoreTerm`): on-site terms and terms repulsive by construction
    /// (Born–Mayer). Every other term is switched off where the core takes over.
    static var isKeptInsideCore: Bool { get }
    /// A sum of pair functions ½ Σ_j φ(r_ij) (pair splines, Morse, Born–Mayer): tabulated as the pair
    /// part of an EAM export.
    static var isPairwise: Bool { get }

    /// Unique within a model; prefixes the parameter names.
    var name: String { get set }
    /// The largest distance at which this term sees a neighbour (Å); 0 for on-site terms.
    var cutoff: Double { get }
    /// The cutoff for a centre of element `a` and a neighbour of element `b` (Å).
    func cutoff(between a: Element, _ b: Element) -> Double

    /// The parameters in vector order.
    func parameters(elements: [Element]) -> [ParameterSpec]
    /// Sets natural values, in the order of `parameters(elements:)`.
    mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element])
    /// Checks specific to the type; `location` names the term. Finite values and positive
    /// log-transformed parameters are checked for every term by `Term.validate`.
    func validate(elements: [Element], location: String) throws
    /// The kernel for these hyper-parameters (parameter values are passed at evaluation).
    func makeKernel(elements: [Element]) -> Kernel

    /// A short label for design summaries, e.g. "pair(12)".
    var label: String { get }
    /// The term after a shape change; throws for changes this type does not support.
    func applying(_ change: TermChange) throws -> Self
    /// Changes that remove capacity when the sloppiest Fisher directions are dominated by `parameter`.
    func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange]
    /// Changes that add capacity using at most `room` more parameters, with distances scaled by the
    /// data (`context`).
    func growProposals(room: Int, context: DesignContext) -> [TermChange]
    /// Instances with non-trivial parameter values that exercise every code path of the type (each
    /// form and radial family it supports): the generic term checks of the tests run on them.
    static func examples(elements: [Element]) -> [Self]
    /// A term of this type that the design loop may add to a model that has none, with distances
    /// taken from the data's nearest-neighbour distance `r1` (Å); nil if the loop should not.
    static func starter(nearestNeighbour r1: Double, cutoff: Double) -> Self?
}

extension TermType {
    public static var isBaseline: Bool { false }
    public static var isRegularised: Bool { true }
    public static var isOnSite: Bool { false }
    public static var isKeptInsideCore: Bool { isOnSite }
    public static var isPairwise: Bool { false }
    public func cutoff(between a: Element, _ b: Element) -> Double { cutoff }
    public func validate(elements: [Element], location: String) throws {}
    public var label: String { name }
    public func applying(_ change: TermChange) throws -> Self {
        throw MosaicError(
            location: "term '\(name)' (\(Self.typeName))", "a \(Self.typeName) term does not support \(change)",
            fix: "apply this change to another kind of term")
    }
    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] { [] }
    public func growProposals(room: Int, context: DesignContext) -> [TermChange] { [] }
    public static func starter(nearestNeighbour r1: Double, cutoff: Double) -> Self? { nil }

    /// Checks shared by every term with a neighbour cutoff.
    func validateCutoff(location: String) throws {
        guard cutoff > 0, cutoff < 20 else {
            throw MosaicError(
                location: location, "cutoff \(cutoff) Å is outside (0, 20)", fix: "use a cutoff of a few Å")
        }
    }
}
