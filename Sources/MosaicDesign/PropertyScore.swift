import MosaicFit
import MosaicProperties

/// A documented way to fold many errors into one number: each error is divided by its scale
/// (what counts as "one unit of wrong"), properties sharing a scale (the surface facets) are folded
/// into their RMS so they count once, the vector of scaled errors is kept, and the score is its root
/// mean square. Properties without a reference do not count, so the other lattices' energies against bcc
/// (fcc, hcp, A15; one unit is 0.05 eV/atom) count only when `PhaseReferences` gave them a reference.
public struct PropertyScore: Codable, Sendable {
    /// Scale per property name prefix (longest match wins), in the property's unit.
    public var scales: [String: Double] = [
        "lattice constant": 0.01, "energy at equilibrium": 0.01, "bulk modulus": 10, "C11": 20, "C12": 20, "C44": 10,
        "surface": 0.1, "E(": 0.05,
    ]
    public var energyScale = 0.003  // eV/atom
    public var forceScale = 0.1  // eV/Å
    public var stressScale = 0.5  // GPa

    /// Names of scale keys that are not readable on their own.
    static let labels = ["E(": "lattice energy − E(bcc)"]

    public init() {}

    /// (scaled error vector with labels, RMS score).
    public func score(properties: PropertyReport?, errors: ErrorMetrics?) -> (
        components: [(String, Double)], score: Double
    ) {
        var components: [(String, Double)] = []
        // Properties sharing a scale key (e.g. the 13 surface facets) count once, as their RMS.
        var groups: [(key: String, values: [Double])] = []
        for e in properties?.entries ?? [] {
            guard let error = e.absoluteError,
                let (key, scale) = scales.filter({ e.name.hasPrefix($0.key) }).max(by: { $0.key.count < $1.key.count })
            else { continue }
            if let k = groups.firstIndex(where: { $0.key == key }) {
                groups[k].values.append(error / scale)
            } else {
                groups.append((key, [error / scale]))
            }
        }
        for group in groups {
            let value =
                group.values.count == 1
                ? group.values[0]
                : (group.values.reduce(0) { $0 + $1 * $1 } / Double(group.values.count)).squareRoot()
            let label = Self.labels[group.key] ?? group.key
            components.append((group.values.count == 1 ? label : "\(label) (RMS of \(group.values.count))", value))
        }
        if let m = errors {
            components += [
                ("energy RMSE", m.energyRMSE / energyScale), ("force RMSE", m.forceRMSE / forceScale),
                ("stress RMSE", m.stressRMSE / stressScale),
            ]
        }
        let rms = (components.reduce(0) { $0 + $1.1 * $1.1 } / Double(max(components.count, 1))).squareRoot()
        return (components, rms)
    }
}
