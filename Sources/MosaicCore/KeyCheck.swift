/// Refuses keys a file format does not know, with the closest known key as a suggestion: a
/// misspelt key (`widht: 0.5`) would otherwise be ignored silently and its default used.
public enum KeyCheck {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws a `DecodingError` naming the first unknown key of the mapping `decoder` reads.
    public static func rejectUnknownKeys(in decoder: Decoder, known: [String], what: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys.map(\.stringValue).sorted() where !known.contains(key) {
            var message = "unknown key '\(key)' in \(what)"
            if let closest = closest(to: key, among: known) { message += " (did you mean '\(closest)'?)" }
            message += "; known keys: " + known.joined(separator: ", ")
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath + [AnyKey(stringValue: key)], debugDescription: message))
        }
    }

    /// The known key within edit distance max(1, length / 3) of `key` (a swap of neighbouring
    /// letters counts as one edit), if any.
    public static func closest(to key: String, among known: [String]) -> String? {
        let ranked = known.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, distance) = ranked, distance <= max(1, key.count / 3) else { return nil }
        return best
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbouring characters each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
