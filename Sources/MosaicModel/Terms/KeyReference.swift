import MosaicCore

/// One key of a model file: its unit, its default (nil: required) and what it means. Every term type lists
/// its keys this way (`TermType.keyDocs`); `KeyReference.markdown` turns them into the README's reference.
public struct KeyDoc: Sendable, Equatable {
    public var key: String
    /// Metal units ("Å", "eV", "1/Å"); "–" for counts, names and dimensionless numbers.
    public var unit: String
    /// The value used when the key is absent (Markdown; literal values in backticks); nil when required.
    public var defaultValue: String?
    public var meaning: String

    public init(_ key: String, unit: String = "–", default defaultValue: String? = nil, _ meaning: String) {
        self.key = key
        self.unit = unit
        self.defaultValue = defaultValue
        self.meaning = meaning
    }

    /// `name`, unique within a model; it prefixes the term's parameter names.
    static func name(_ typeDefault: String) -> KeyDoc {
        KeyDoc(
            "name", default: "`\(typeDefault)`",
            "unique within the model; prefixes the parameter names (`name.parameter`)")
    }
    /// `cutoff` of a term with neighbours.
    static let cutoff = KeyDoc("cutoff", unit: "Å", "largest distance at which the term sees a neighbour")
    /// `width` of the smooth cutoff.
    static let width = KeyDoc(
        "width", unit: "Å", default: "`1.0`", "the C² switch fc(r) runs from 1 to 0 over [cutoff − width, cutoff]")
}

/// The reference of every model-file key, generated from the term registry (units, defaults, meanings).
public enum KeyReference {
    /// Keys of the model itself.
    public static let model: [KeyDoc] = [
        KeyDoc("elements", "chemical symbols of the model, e.g. `[Nb, Mo]`; `pair_coeff` maps LAMMPS types to them"),
        KeyDoc("terms", "the single-term models whose energies add up; each a mapping with `type:` and its keys"),
        KeyDoc(
            "fixed", default: "none",
            "parameter names (`term.parameter`) held at their values: used, not fitted, not counted"),
        KeyDoc(
            "fused", default: "none",
            "groups of parameter names of one term (same transform, same value) that share one fitted value"),
    ]

    /// Keys of a radial function (an embedding density, a three-body channel, an angular density).
    public static let radial: [KeyDoc] = [
        KeyDoc(
            "family",
            "`exponential`: exp(−β (r/r0 − 1))·fc(r); `gaussian`: exp(−((r − c)/w)²)·fc(r);"
                + " `spline`: Σ_k w_k B_k(r), cubic B-splines on [inner, cutoff]"),
        KeyDoc(
            "values", unit: "see meaning",
            "fitted values: exponential [β] (–, > 0); gaussian [c, w] (Å, w > 0); spline [w_0 … w_n−1] (–)"),
        KeyDoc("r0", unit: "Å", default: "`1.0`", "exponential only: the reference distance (fixed)"),
        KeyDoc("inner", unit: "Å", default: "`0`", "spline only: inner end of the basis"),
    ]

    /// The reference as Markdown: the model's keys, one table per registered term type, the radial function.
    public static func markdown() -> String {
        func table(_ docs: [KeyDoc]) -> String {
            "| key | unit | default | meaning |\n| --- | --- | --- | --- |\n"
                + docs.map { doc in
                    "| `\(doc.key)` | \(doc.unit) | \(doc.defaultValue ?? "required") | \(doc.meaning) |"
                }.joined(separator: "\n") + "\n"
        }
        var out = "#### The model\n\n" + table(model)
        for type in TermRegistry.types {
            out += "\n#### `type: \(type.typeName)`\n\n\(type.summary)\n\n" + table(type.keyDocs)
        }
        out += "\n#### Radial functions (`density`, `channels`)\n\n" + table(radial)
        return out
    }
}
