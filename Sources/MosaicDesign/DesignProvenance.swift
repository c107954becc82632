import MosaicFisher
import MosaicFit
import MosaicModel

/// How `mosaic design` made a potential: the provenance it stores in the potential file (without timings, so the
/// file is reproducible), and what tests and tools read back from it.
public struct DesignProvenance: Codable, Sendable {
    /// One candidate of the design history.
    public struct Step: Codable, Sendable, Equatable {
        public var id: Int
        public var parent: Int?
        public var change: String
        public var terms: String
        public var parameters: Int
        public var score: Double
        public var validationForceRMSE: Double
        public var validationEnergyRMSE: Double
        public var conditionNumber: Double
        public var sloppyModes: Int
        public var accepted: Bool
        /// false for a candidate that does not repel (absent otherwise: files of designs without one are as before).
        public var repels: Bool?

        /// The history line of a candidate.
        public init(_ candidate: CandidateRecord) {
            id = candidate.id
            parent = candidate.parent
            change = candidate.change
            terms = candidate.terms
            parameters = candidate.parameters
            score = candidate.score
            validationForceRMSE = candidate.validation.forceRMSE
            validationEnergyRMSE = candidate.validation.energyRMSE
            conditionNumber = candidate.conditionNumber
            sloppyModes = candidate.sloppyModes
            accepted = candidate.accepted
            repels = candidate.repels == false ? false : nil
        }
    }

    /// A candidate of the design other than the written one, with its model as screened: the loop's best when another
    /// one is written (it did not repel), or the candidate the last round proposed from.
    public struct Candidate: Codable, Sendable {
        public var id: Int
        public var model: CompositeModel
        public init(id: Int, model: CompositeModel) {
            self.id = id
            self.model = model
        }
    }

    public var mosaicVersion: String
    public var design: [Step]
    /// The written candidate.
    public var chosen: Int
    public var stop: String
    public var heldOut: [String]
    public var settings: DesignSettings
    public var validation: ErrorMetrics
    public var data: [String]
    public var test: [String]?
    public var testErrors: ErrorMetrics?
    public var refitOnValidation: Bool?
    public var crossValidation: [FoldResult]?
    /// Candidates screened on every Nth structure, the chosen one refitted on all (nil: 1).
    public var screenEvery: Int?
    /// The chosen candidate's parameter values (natural units, in the model's order) as fitted on the screening
    /// subset, before the refit on all data: what the design's last rounds started from.
    public var screenedParameters: [Double]?
    /// Fisher evidence of the chosen model's species blocks (none without species-resolved terms).
    public var speciesEvidence: [SpeciesEvidence]?
    /// Fisher evidence that each term of the chosen model is needed (its amplitudes against zero).
    public var termEvidence: [TermEvidence]?
    /// When the loop's best does not repel and another candidate is written: the loop's best.
    public var searchBest: Candidate?
    /// The candidate the design's last round of proposals came from (its model as screened), when it is not the written
    /// one: what a check that the loop still proposes the same changes starts from.
    public var lastRound: Candidate?
    /// `--energy-target` (nil: none), the weights each of its refits raised, and the weights the written potential
    /// was last fitted with (`settings.weights` are the candidates').
    public var energyTargets: EnergyTargets?
    public var targetRounds: [[EnergyTargets.Raise]]?
    public var finalWeights: FitWeights?

    public init(
        mosaicVersion: String, design: [Step], chosen: Int, stop: String, heldOut: [String], settings: DesignSettings,
        validation: ErrorMetrics, data: [String]
    ) {
        self.mosaicVersion = mosaicVersion
        self.design = design
        self.chosen = chosen
        self.stop = stop
        self.heldOut = heldOut
        self.settings = settings
        self.validation = validation
        self.data = data
    }
}
