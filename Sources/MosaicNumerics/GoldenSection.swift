/// Golden-section search for the minimum of a unimodal function on an interval.
public enum GoldenSection {
    /// Shrinks [low, high] around a minimum of `f` by the golden ratio per step, until the interval is narrower
    /// than `width` or after `maxSteps` steps, and returns its midpoint.
    public static func minimum(
        low: Double, high: Double, width: Double = 0, maxSteps: Int = 200, _ f: (Double) throws -> Double
    ) rethrows -> Double {
        var low = low
        var high = high
        let ratio = (5.0.squareRoot() - 1) / 2
        var steps = 0
        while steps < maxSteps, high - low > width {
            let m1 = high - ratio * (high - low)
            let m2 = low + ratio * (high - low)
            if try f(m1) < f(m2) { high = m2 } else { low = m1 }
            steps += 1
        }
        return 0.5 * (low + high)
    }
}
