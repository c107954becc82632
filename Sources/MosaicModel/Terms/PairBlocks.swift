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
        let expected = Set(elementPairs(elements).map { pairKey(elements[$0.0], elements[$0.1]) })
        let given = Set(keys)
        guard given == expected, given.count == keys.count else {
            throw MosaicError(
                location: location,
                "pairs must list every element pair of the model once: missing "
                    + "[\(expected.subtracting(given).sorted().joined(separator: ", "))], unknown "
                    + "[\(given.subtracting(expected).sorted().joined(separator: ", "))]",
                fix: "key the pairs as \(expected.sorted().joined(separator: ", ")) (symbols in alphabetical order)")
        }
    }

    /// The pair keys of `elements` in block order.
    static func keys(_ elements: [Element]) -> [String] {
        elementPairs(elements).map { pairKey(elements[$0.0], elements[$0.1]) }
    }
}
