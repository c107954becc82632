import MosaicCore

/// Parameter blocks of a pair term resolved by species: one block per unordered element pair, in the
/// order of `elementPairs`, keyed in files by `pairKey` ("Mo-Nb"). Shared by the pair term types.
enum PairBlocks {
    /// The parameter offset of the block of each (centre, neighbour) species pair, row-major n × n;
    /// all zero when the term is shared by every pair.
    static func offsets(elements: [Element], blockSize: Int, resolved: Bool) -> [Int] {
        var offsets = [Int](repeating: 0, count: elements.count * elements.count)
        guard resolved else { return offsets }
        for (block, (i, j)) in elementPairs(elements).enumerated() {
            offsets[i * elements.count + j] = block * blockSize
            offsets[j * elements.count + i] = block * blockSize
        }
        return offsets
    }

    /// Throws unless `keys` are exactly the pair keys of `elements`, naming what is missing or unknown.
    static func validate(keys: some Collection<String>, elements: [Element], location: String) throws {
        let expected = Self.keys(elements)
        try validateKeys(
            keys, expected: expected, what: "pairs", entry: "element pair", location: location,
            fix: "key the pairs as \(expected.sorted().joined(separator: ", ")) (symbols in alphabetical order)")
    }

    /// Throws unless `keys` are exactly `expected` (each once), naming what is missing or unknown: the
    /// check of every species-resolved block (pairs keyed by `pairKey`, elements by symbol).
    static func validateKeys(
        _ keys: some Collection<String>, expected: [String], what: String, entry: String, location: String, fix: String
    ) throws {
        let wanted = Set(expected)
        let given = Set(keys)
        guard given == wanted, given.count == keys.count else {
            throw MosaicError(
                location: location,
                "\(what) must list every \(entry) of the model once: missing "
                    + "[\(wanted.subtracting(given).sorted().joined(separator: ", "))], unknown "
                    + "[\(given.subtracting(wanted).sorted().joined(separator: ", "))]",
                fix: fix)
        }
    }

    /// The pair keys of `elements` in block order.
    static func keys(_ elements: [Element]) -> [String] {
        elementPairs(elements).map { pairKey(elements[$0.0], elements[$0.1]) }
    }
}
