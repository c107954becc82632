import Foundation

/// Cells whose atom fraction of `element` lies between `low` and `high`: whole compositions of an alloy data
/// set. A pattern's `El=LOW-HIGH` includes both ends; a bin of the default cross-validation folds is half-open,
/// [low, high) with 1 itself inside the last bin, so adjacent bins never share a cell.
public struct CompositionRange: Codable, Sendable, Equatable {
    public var element: String
    public var low: Double
    public var high: Double
    /// true: both ends included (patterns); nil: a half-open bin (how fold states saved before this field read).
    public var closed: Bool?

    public init(element: String, low: Double, high: Double, closed: Bool? = nil) {
        self.element = element
        self.low = low
        self.high = high
        self.closed = closed
    }

    /// Reads "Mo=0.4-0.6" (closed); nil unless the element is a symbol and 0 ≤ LOW ≤ HIGH ≤ 1.
    public init?(pattern text: String) {
        let sides = text.split(separator: "=", omittingEmptySubsequences: false)
        guard sides.count == 2, Element(symbol: String(sides[0])) != nil else { return nil }
        let bounds = sides[1].split(separator: "-", omittingEmptySubsequences: false).map { Double($0) }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1], 0 <= low, low <= high, high <= 1 else {
            return nil
        }
        self.init(element: String(sides[0]), low: low, high: high, closed: true)
    }

    /// Whether the cell's composition lies in the range (a closed one to 1e-9: fractions written in decimals).
    public func contains(_ s: Structure) -> Bool {
        let x = s.fraction(of: element)
        guard closed == true else { return x >= low && (x < high || (high >= 1 && x <= 1)) }
        return x >= low - 1e-9 && x <= high + 1e-9
    }
}
