import Foundation

/// A list of labelled structures with their groups, and deterministic splits.
public struct Dataset: Sendable {
    public var structures: [Structure]

    public init(_ structures: [Structure]) { self.structures = structures }

    /// Reads files by extension: `.json` (Materials Virtual Lab / pymatgen), `.xyz`/`.extxyz`.
    public static func load(_ paths: [String], extxyz: ExtXYZ = ExtXYZ()) throws -> Dataset {
        var all: [Structure] = []
        for path in paths {
            guard !path.isEmpty else {
                throw MosaicError(
                    "an empty file name was given as a data file", fix: "name a file, or leave the option out")
            }
            switch (path as NSString).pathExtension.lowercased() {
            case "json": all += try MVLReader.read(path: path)
            case "xyz", "extxyz": all += try extxyz.read(path: path)
            default:
                throw MosaicError(
                    file: path, "unknown data format", fix: "use .json (MVL/pymatgen) or .xyz/.extxyz (extended XYZ)")
            }
        }
        return Dataset(all)
    }

    /// Group labels in first-seen order.
    public var groups: [String] {
        var seen = Set<String>()
        return structures.map(\.group).filter { seen.insert($0).inserted }
    }

    public var atomCount: Int { structures.reduce(0) { $0 + $1.count } }

    /// True if `group` is `pattern` or lies below it ("Nb_AIMD" matches "Nb_AIMD/Md/300K").
    public static func group(_ group: String, matches pattern: String) -> Bool {
        group == pattern || group.hasPrefix(pattern.hasSuffix("/") ? pattern : pattern + "/")
    }

    /// True if `structure` is selected by `pattern`: a group (or prefix, as `group(_:matches:)`), optionally
    /// restricted to whole compositions, `GROUP@El=LOW-HIGH` — the cells of the group whose atom fraction of
    /// element El lies in [LOW, HIGH] ("NbMo_SS@Mo=0.4-0.6"). A malformed restriction matches nothing (see
    /// `checkPattern`).
    public static func structure(_ structure: Structure, matches pattern: String) -> Bool {
        guard let at = pattern.firstIndex(of: "@") else { return group(structure.group, matches: pattern) }
        guard group(structure.group, matches: String(pattern[..<at])),
            let range = CompositionRange(pattern: String(pattern[pattern.index(after: at)...]))
        else { return false }
        return range.contains(structure)
    }

    /// Throws unless the composition restriction of `pattern` (after `@`, if any) reads `El=LOW-HIGH`.
    public static func checkPattern(_ pattern: String, option: String) throws {
        guard let at = pattern.firstIndex(of: "@") else { return }
        guard CompositionRange(pattern: String(pattern[pattern.index(after: at)...])) != nil else {
            throw MosaicError(
                location: "\(option) '\(pattern)'", "cannot read the composition range after '@'",
                fix: "write GROUP@El=LOW-HIGH with atom fractions, e.g. NbMo_SS@Mo=0.4-0.6")
        }
    }

    /// Splits off every structure whose group matches one of `patterns` (whole blocks, never
    /// single frames). Returns (kept, heldOut); throws if a pattern matches nothing.
    public func split(holdingOut patterns: [String]) throws -> (train: Dataset, heldOut: Dataset) {
        for pattern in patterns {
            try Dataset.checkPattern(pattern, option: "hold-out")
            guard structures.contains(where: { Dataset.structure($0, matches: pattern) }) else {
                throw MosaicError(
                    location: "hold-out '\(pattern)'", "matches no group (or no cell of that composition)",
                    fix: "choose one of: \(groups.joined(separator: ", ")) (GROUP@El=LOW-HIGH for whole compositions)")
            }
        }
        let isHeld = { (s: Structure) in patterns.contains { Dataset.structure(s, matches: $0) } }
        return (Dataset(structures.filter { !isHeld($0) }), Dataset(structures.filter(isHeld)))
    }

    /// Every `step`th structure of each group, in order; groups of fewer than 4·step structures whole (a
    /// screening subset for large data sets; step 1: everything).
    public func screeningSubset(every step: Int) -> Dataset {
        guard step > 1 else { return self }
        let sizes = Dictionary(grouping: structures, by: \.group).mapValues(\.count)
        var seen: [String: Int] = [:]
        return Dataset(
            structures.filter { s in
                let k = seen[s.group, default: 0]
                seen[s.group] = k + 1
                return sizes[s.group]! < 4 * step || k % step == 0
            })
    }

    /// The structures of groups matching `pattern`.
    public func filter(group pattern: String) -> Dataset {
        Dataset(structures.filter { Dataset.group($0.group, matches: pattern) })
    }

    /// The typical nearest-neighbour distance of the data (Å): the first peak of the pair-distance
    /// histogram (0.02 Å bins smoothed over ±2 bins; the first local maximum at least half the
    /// highest, below 1.25 times the median distance from an atom to its closest neighbour), refined
    /// as the mean distance within ±0.1 Å of it, over at most `sample` structures spread through the set; nil
    /// without atom pairs within 6 Å. Library defaults (density decay lengths, channel centres) start
    /// here; thermal motion makes the closest neighbour alone a biased estimate of the first shell.
    public func nearestNeighbourDistance(sample: Int = 200) -> Double? {
        guard !structures.isEmpty else { return nil }
        let step = max(1, structures.count / sample)
        var closest: [Double] = []
        var distances: [Double] = []
        for s in stride(from: 0, to: structures.count, by: step).map({ structures[$0] }) {
            let list = NeighbourList(s, cutoff: 6)
            for i in 0..<s.count {
                let range = list.neighbours(of: i)
                guard !range.isEmpty else { continue }
                let atomDistances = range.map { norm(list.delta[$0]) }
                closest.append(atomDistances.min()!)
                distances += atomDistances
            }
        }
        guard !closest.isEmpty else { return nil }
        closest.sort()
        let limit = 1.25 * closest[closest.count / 2]
        let width = 0.02
        var counts = [Double](repeating: 0, count: Int(limit / width) + 1)
        for d in distances where d < limit { counts[Int(d / width)] += 1 }
        let smoothed = counts.indices.map { k in
            (max(0, k - 2)...min(counts.count - 1, k + 2)).reduce(0) { $0 + counts[$1] }
        }
        // The first local maximum at least half as high as the highest (the first shell, also when
        // strains split it), then the mean distance within ±0.1 Å of it.
        let highest = smoothed.max()!
        let peak = smoothed.indices.first { k in
            smoothed[k] >= 0.5 * highest && (k == 0 || smoothed[k] >= smoothed[k - 1])
                && (k + 1 == smoothed.count || smoothed[k] >= smoothed[k + 1])
        }!
        let centre = (Double(peak) + 0.5) * width
        let shell = distances.filter { abs($0 - centre) <= 0.1 }
        return shell.reduce(0, +) / Double(shell.count)
    }
}

extension Dataset {
    /// The shortest distance of each unordered element pair in the data ("Mo-Nb", symbols in
    /// alphabetical order), with the structure it occurs in; pairs closer than `within` Å only.
    /// A core below these distances never touches a training structure.
    public func shortestDistances(within: Double = 4.0) -> [String: (distance: Double, source: String)] {
        var shortest: [String: (distance: Double, source: String)] = [:]
        for s in structures {
            let list = NeighbourList(s, cutoff: within)
            for i in 0..<s.count {
                for k in list.neighbours(of: i) {
                    let j = Int(list.index[k])
                    let a = s.elements[i].symbol
                    let b = s.elements[j].symbol
                    let key = a <= b ? "\(a)-\(b)" : "\(b)-\(a)"
                    let d = norm(list.delta[k])
                    if d < shortest[key]?.distance ?? .infinity { shortest[key] = (d, s.source) }
                }
            }
        }
        return shortest
    }
}
