/// A full neighbour list of a structure: for every atom i, every atom image j ≠ i within the
/// cutoff, as the index of the atom j belongs to and the displacement r_j − r_i (Å).
///
/// Built with cell lists in O(N) for any triclinic cell, with as many periodic images as the
/// cutoff needs (cutoffs larger than the cell are fine), and for non-periodic directions.
public struct NeighbourList: Sendable {
    public let cutoff: Double
    /// Neighbours of atom i are entries `start[i] ..< start[i+1]`.
    public private(set) var start: [Int]
    public private(set) var index: [Int32]
    public private(set) var delta: [Vec3]

    public var atomCount: Int { start.count - 1 }
    public func neighbours(of i: Int) -> Range<Int> { start[i]..<start[i + 1] }

    public init(_ structure: Structure, cutoff: Double) {
        self.cutoff = cutoff
        let n = structure.count
        // Fractional frame: periodic directions use the cell; others an orthogonal box
        // spanning the atoms.
        var frame = structure.cell
        for d in 0..<3 where !structure.pbc[d] {
            var axis = Vec3(0, 0, 0)
            axis[d] = 1
            let extent = structure.positions.map { $0[d] }
            frame[d] = axis * max(1.0, (extent.max()! - extent.min()!) + 1.0)
        }
        if frame.inverse == nil { frame = Matrix3.diagonal(Vec3(1, 1, 1)) }
        let inverse = frame.inverse!
        let volume = abs(frame.determinant)
        let faces = [cross(frame.b, frame.c), cross(frame.c, frame.a), cross(frame.a, frame.b)]
        // Perpendicular width of the frame along each fractional direction.
        let width = faces.map { volume / norm($0) }
        let pad = width.map { cutoff / $0 }  // fractional padding covering the cutoff

        // Local atoms wrapped into the cell along periodic directions.
        var fractional = structure.positions.map { inverse.leftMultiply($0) }
        for i in 0..<n { for d in 0..<3 where structure.pbc[d] { fractional[i][d] -= fractional[i][d].rounded(.down) } }
        var lower = Vec3(0, 0, 0)
        var upper = Vec3(1, 1, 1)
        for d in 0..<3 {
            if structure.pbc[d] {
                lower[d] = -pad[d]
                upper[d] = 1 + pad[d]
            } else {
                lower[d] = fractional.map { $0[d] }.min()! - 1e-9
                upper[d] = fractional.map { $0[d] }.max()! + 1e-9
            }
        }
        // All points: local atoms first, then periodic images inside the padded frame.
        var pointFractional = fractional
        var pointOwner = Array(0..<n)
        let reach = (0..<3).map { structure.pbc[$0] ? Int((pad[$0]).rounded(.up)) : 0 }
        for sa in -reach[0]...reach[0] {
            for sb in -reach[1]...reach[1] {
                for sc in -reach[2]...reach[2] {
                    if sa == 0 && sb == 0 && sc == 0 { continue }
                    let shift = Vec3(Double(sa), Double(sb), Double(sc))
                    for i in 0..<n {
                        let f = fractional[i] + shift
                        if f.x >= lower.x, f.x < upper.x, f.y >= lower.y, f.y < upper.y, f.z >= lower.z, f.z < upper.z {
                            pointFractional.append(f)
                            pointOwner.append(i)
                        }
                    }
                }
            }
        }
        // Bins at least `pad` wide in fractional units, so neighbours lie in adjacent bins.
        var bins = [Int](repeating: 1, count: 3)
        for d in 0..<3 {
            let span = upper[d] - lower[d]
            bins[d] = max(1, min(Int((span / max(pad[d], 1e-12)).rounded(.down)), 1000))
        }
        // Never (many) more bins than points: a tiny or zero cutoff would otherwise ask for 1000³.
        while bins[0] * bins[1] * bins[2] > max(27, 4 * pointFractional.count) {
            let widest = (0..<3).max { bins[$0] < bins[$1] }!
            bins[widest] = max(1, bins[widest] / 2)
        }
        func binCoordinates(_ f: Vec3) -> (Int, Int, Int) {
            func one(_ d: Int) -> Int {
                let b = Int(((f[d] - lower[d]) / (upper[d] - lower[d]) * Double(bins[d])).rounded(.down))
                return min(max(b, 0), bins[d] - 1)
            }
            return (one(0), one(1), one(2))
        }
        let binCount = bins[0] * bins[1] * bins[2]
        var binOf = [Int](repeating: 0, count: pointFractional.count)
        var binStart = [Int](repeating: 0, count: binCount + 1)
        for (p, f) in pointFractional.enumerated() {
            let (a, b, c) = binCoordinates(f)
            binOf[p] = (a * bins[1] + b) * bins[2] + c
            binStart[binOf[p] + 1] += 1
        }
        for k in 0..<binCount { binStart[k + 1] += binStart[k] }
        var fill = binStart
        var sorted = [Int](repeating: 0, count: pointFractional.count)
        for p in 0..<pointFractional.count {
            sorted[fill[binOf[p]]] = p
            fill[binOf[p]] += 1
        }
        let cartesian = pointFractional.map { frame.leftMultiply($0) }

        var start = [0]
        start.reserveCapacity(n + 1)
        var index: [Int32] = []
        var delta: [Vec3] = []
        let cutoff2 = cutoff * cutoff
        for i in 0..<n {
            let (a, b, c) = binCoordinates(fractional[i])
            let xi = cartesian[i]
            for da in max(a - 1, 0)...min(a + 1, bins[0] - 1) {
                for db in max(b - 1, 0)...min(b + 1, bins[1] - 1) {
                    for dc in max(c - 1, 0)...min(c + 1, bins[2] - 1) {
                        let bin = (da * bins[1] + db) * bins[2] + dc
                        for k in binStart[bin]..<binStart[bin + 1] {
                            let p = sorted[k]
                            if p == i { continue }
                            let d = cartesian[p] - xi
                            if dot(d, d) < cutoff2 {
                                index.append(Int32(pointOwner[p]))
                                delta.append(d)
                            }
                        }
                    }
                }
            }
            start.append(index.count)
        }
        self.start = start
        self.index = index
        self.delta = delta
    }
}
