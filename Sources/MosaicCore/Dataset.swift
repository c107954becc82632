import Foundation

/// A list of labelled structures with their groups, and deterministic splits.
public struct Dataset: Sendable {
    public var structures: [Structure]

    public init(_ structures: [Structure]) { self.structures = structures }

    /// Reads files by extension: `.json` (Materials Virtual Lab / pymatgen), `.xyz`/`.extxyz`.
    public static func load(_ paths: [String], extxyz: ExtXYZ = ExtXYZ()) throws -> Dataset {
        var all: [Structure] = []
        for path in paths {
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

    /// Splits off every structure whose group matches one of `patterns` (whole blocks, never
    /// single frames). Returns (kept, heldOut); throws if a pattern matches nothing.
    public func split(holdingOut patterns: [String]) throws -> (train: Dataset, heldOut: Dataset) {
        for pattern in patterns where !structures.contains(where: { Dataset.group($0.group, matches: pattern) }) {
            throw MosaicError(
                location: "hold-out '\(pattern)'", "matches no group",
                fix: "choose one of: \(groups.joined(separator: ", "))")
        }
        let isHeld = { (s: Structure) in patterns.contains { Dataset.group(s.group, matches: $0) } }
        return (Dataset(structures.filter { !isHeld($0) }), Dataset(structures.filter(isHeld)))
    }

    /// The structures of groups matching `pattern`.
    public func filter(group pattern: String) -> Dataset {
        Dataset(structures.filter { Dataset.group($0.group, matches: pattern) })
    }

    /// The typical nearest-neighbour distance of the data (Å): the median over atoms of each atom's
    /// closest neighbour, over at most `sample` structures spread through the set; nil without
    /// atom pairs within 6 Å. Library defaults (density decay lengths, channel centres) start here.
    public func nearestNeighbourDistance(sample: Int = 200) -> Double? {
        guard !structures.isEmpty else { return nil }
        let step = max(1, structures.count / sample)
        var closest: [Double] = []
        for s in stride(from: 0, to: structures.count, by: step).map({ structures[$0] }) {
            let list = NeighbourList(s, cutoff: 6)
            for i in 0..<s.count {
                let range = list.neighbours(of: i)
                guard !range.isEmpty else { continue }
                closest.append(range.map { norm(list.delta[$0]) }.min()!)
            }
        }
        guard !closest.isEmpty else { return nil }
        closest.sort()
        return closest[closest.count / 2]
    }
}
