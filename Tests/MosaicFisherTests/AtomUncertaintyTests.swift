import Foundation
import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties
import MosaicTestSupport
import XCTest

/// Per-atom energy gradients, extrapolation grades and σ (`UncertaintyData`, `AtomGradientEvaluator`).
final class AtomUncertaintyTests: XCTestCase {
    /// The shipped potential: fixed parameters, a ZBL core and every kind of coordinate.
    let model = try! PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model

    /// A small training set: the 300 K AIMD block (every fourth frame) and the strained cells.
    var training: Dataset {
        Dataset(
            niobium["Nb_AIMD"]!.filter { $0.group == "Nb_AIMD/Md/300K" }.enumerated().filter { $0.offset % 4 == 0 }
                .map(\.element) + niobium["Nb_Elastic"]!)
    }

    /// ∂E_i/∂θ_c (dual numbers) against central differences of the atomic energies, with fused groups
    /// moved together and fixed parameters left out.
    func testAtomGradientsMatchFiniteDifferences() throws {
        let s = niobium["Nb_AIMD"]![77]
        let species = try model.speciesIndices(of: s)
        let list = NeighbourList(s, cutoff: model.cutoff)
        let coordinates = model.fittedParameterGroups
        XCTAssertLessThan(coordinates.count, model.parameterCount, "Nb.json has fixed parameters")
        let g = AtomGradientEvaluator(model: model, coordinates: coordinates).gradients(
            species: species, neighbours: list)
        let p = coordinates.count
        let theta = model.internalParameters
        let evaluator = ModelEvaluator<Double>(model: model)
        for (c, group) in coordinates.enumerated() {
            let h = 1e-5 * max(1, abs(theta[group[0]]))
            func atomEnergies(_ shift: Double) -> [Double] {
                var moved = theta
                for q in group { moved[q] += shift }
                evaluator.setParameters(internal: moved)
                return evaluator.evaluate(species: species, neighbours: list).atomEnergies
            }
            let plus = atomEnergies(h)
            let minus = atomEnergies(-h)
            for i in [0, 17, s.count - 1] {
                let numeric = (plus[i] - minus[i]) / (2 * h)
                XCTAssertEqual(
                    g[i * p + c], numeric, accuracy: 1e-6 * max(1, abs(numeric)),
                    "atom \(i), \(model.parameterNames[group[0]])")
            }
        }
    }

    /// Without the virial trace (grades and σ_E only), the three-body sums skip their position gradients: the
    /// per-atom parameter gradients are the same to round-off, and the virial-trace gradient is left at zero.
    func testGradientsWithoutTheVirialTraceAreTheSame() throws {
        let s = niobium["Nb_AIMD"]![150]
        let species = try model.speciesIndices(of: s)
        let list = NeighbourList(s, cutoff: model.cutoff)
        XCTAssertTrue(model.terms.contains { $0.is(ThreeBodyTerm.self) }, "the shipped Nb.json has a 3-body term")
        let evaluator = AtomGradientEvaluator(model: model, coordinates: model.fittedParameterGroups)
        let full = evaluator.gradients(species: species, neighbours: list)
        let trace = evaluator.virialTraceGradient
        XCTAssertGreaterThan(trace.map(abs).max() ?? 0, 1e-3)
        let energyOnly = evaluator.gradients(species: species, neighbours: list, virialTrace: false)
        XCTAssertEqual(evaluator.virialTraceGradient, [Double](repeating: 0, count: trace.count))
        XCTAssertEqual(full.count, energyOnly.count)
        let largest = full.map(abs).max() ?? 0
        for (a, b) in zip(full, energyOnly) { XCTAssertEqual(a, b, accuracy: 1e-12 * largest) }
        // The evaluator is back in full mode afterwards.
        _ = evaluator.gradients(species: species, neighbours: list)
        XCTAssertEqual(evaluator.virialTraceGradient, trace)
    }

    /// The gradients of linear parameters taken from the terms' basis functions equal the dual-number ones to
    /// round-off, with and without the virial trace: the shipped alloy potential (moment, three-body and pair-spline
    /// coefficients under a ZBL core) on an AIMD frame turned into a four-element cell, compressed so that pairs
    /// reach into the core's switch.
    func testBasisGradientsEqualDualGradients() throws {
        let alloy = try PotentialFile.read(path: repositoryRoot + "/potentials/NbMoTaW.json").model
        XCTAssertGreaterThan(alloy.basisParameterIndices.count, 200)
        var s = niobium["Nb_AIMD"]![150].deformed(by: Matrix3.diagonal(Vec3(repeating: 0.72)))
        let symbols = ["Nb", "Mo", "Ta", "W"]
        s.elements = s.elements.indices.map { Element(symbol: symbols[$0 % 4])! }
        let species = try alloy.speciesIndices(of: s)
        let list = NeighbourList(s, cutoff: alloy.cutoff)
        let closest = list.delta.map { ($0 * $0).sum().squareRoot() }.min() ?? 0
        XCTAssertLessThan(closest, 2.05, "pairs inside the core's switch (its outer radii: 2.0–2.15 Å)")
        let basis = AtomGradientEvaluator(model: alloy, coordinates: alloy.fittedParameterGroups)
        let dual = AtomGradientEvaluator(model: alloy, coordinates: alloy.fittedParameterGroups)
        dual.usesLinearBasis = false
        for virialTrace in [true, false] {
            let a = basis.gradients(species: species, neighbours: list, virialTrace: virialTrace)
            let b = dual.gradients(species: species, neighbours: list, virialTrace: virialTrace)
            let largest = b.map(abs).max() ?? 0
            XCTAssertGreaterThan(largest, 1e-3)
            XCTAssertEqual(a.count, b.count)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-11 * largest, "virial trace \(virialTrace)") }
            let traceLargest = dual.virialTraceGradient.map(abs).max() ?? 0
            XCTAssertEqual(traceLargest > 0, virialTrace)
            for (x, y) in zip(basis.virialTraceGradient, dual.virialTraceGradient) {
                XCTAssertEqual(x, y, accuracy: 1e-11 * traceLargest)
            }
        }
    }

    /// Training atoms all have γ ≤ 1 and the largest is exactly 1; σ_E of a structure equals the FIM's
    /// prediction σ of its total energy (computed from the structure Jacobian, another path); atoms of
    /// a surface (not in the training set) and of a strongly compressed cell extrapolate (γ > 1).
    func testGradesAndSigmas() throws {
        let weights = FitWeights()
        let prepared = try PreparedDataset(training, model: model)
        let data = try UncertaintyData.fitted(model: model, data: prepared, weights: weights)
        XCTAssertEqual(data.elements["Nb"]?.atoms, training.atomCount)
        let evaluator = AtomGradientEvaluator(model: model, coordinates: data.coordinates)
        func uncertainties(_ s: Structure) throws -> AtomUncertainties {
            AtomUncertainties(
                gradients: evaluator.gradients(
                    species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff)),
                symbols: s.elements.map(\.symbol), data: data)
        }
        // Every training atom is a combination of the active set's with coefficients ≤ 1 (after the
        // normalisation by the largest), the largest exactly 1.
        let trainingGrades = try training.structures.flatMap { try uncertainties($0).grades }
        XCTAssertEqual(trainingGrades.max()!, 1, accuracy: 1e-9)
        XCTAssertGreaterThan(trainingGrades.min()!, 0)

        let fisher = try FisherAnalysis(model: model, data: prepared, weights: weights, coordinates: .fit)
        let jacobian = JacobianEvaluator(model: model)
        for s in [niobium["Nb_AIMD"]![150], niobium["Nb_Surface"]![2]] {
            let u = try uncertainties(s)
            let j = jacobian.jacobian(
                species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff))
            let expected = fisher.predictionSigma(fisher.analysisGradient { j.energy[$0] })
            XCTAssertEqual(data.sigma(gradient: u.energyGradient), expected, accuracy: 1e-9 * expected, s.source)
            // The virial trace's gradient equals the structure Jacobian's dW/dθ (another path).
            let trace = fisher.analysisGradient {
                j.virial[$0] + j.virial[j.parameterCount + $0] + j.virial[2 * j.parameterCount + $0]
            }
            for c in trace.indices {
                XCTAssertEqual(evaluator.virialTraceGradient[c], trace[c], accuracy: 1e-9 * max(1, abs(trace[c])))
            }
            // σ_i ≥ 0 and the per-atom gradients sum to the total energy's.
            XCTAssertTrue(u.sigmas.allSatisfy { $0 > 0 })
            let total = fisher.analysisGradient { j.energy[$0] }
            for c in total.indices {
                XCTAssertEqual(u.energyGradient[c], total[c], accuracy: 1e-9 * max(1, abs(total[c])))
            }
        }
        XCTAssertGreaterThan(
            try uncertainties(niobium["Nb_Surface"]![2]).maximumGrade, 1.5, "surface atoms extrapolate")
        let nb = Element(symbol: "Nb")!
        let compressed = Structure(
            cell: Matrix3.diagonal(Vec3(repeating: 2.9)), positions: [Vec3(0, 0, 0), Vec3(1.45, 1.45, 1.45)],
            elements: [nb, nb])
        XCTAssertGreaterThan(try uncertainties(compressed).maximumGrade, 10, "bcc at a = 2.9 Å extrapolates")
    }

    /// The active-set grade on gradients whose answer is known: training rows (±1, ±1) and an interior point
    /// in two dimensions. Maxvol picks two corners (|det| = 2, the largest), and in any such basis (3, 3) has
    /// γ = 3, (0, 3) γ = 1.5, (−2, 0) γ = 1 (minus the sum of two corners), (0.5, 0.2) γ = 0.35, the origin 0;
    /// scaling every gradient changes nothing.
    func testActiveSetGradeOnAKnownCase() throws {
        /// Σ g gᵀ of row-major rows, written out here.
        func gram(_ rows: [Double], _ p: Int) -> [Double] {
            var a = [Double](repeating: 0, count: p * p)
            for start in stride(from: 0, to: rows.count, by: p) {
                for i in 0..<p { for k in 0..<p { a[i * p + k] += rows[start + i] * rows[start + k] } }
            }
            return a
        }
        let rows: [Double] = [1, 1, 1, -1, -1, 1, -1, -1, 0.5, 0.2]
        for scale in [1.0, 1e-3] {
            let active = try ActiveSetGrade.projection(
                rows: rows.map { $0 * scale }, count: 5, p: 2, gram: gram(rows.map { $0 * scale }, 2))
            XCTAssertEqual(active.rank, 2)
            XCTAssertEqual(active.largestTrainingGrade, 1, accuracy: 1e-12)
            let span = UncertaintyData.Span(atoms: 5, largestLeverage: 1, activeSet: active.projection)
            func grade(_ g: [Double]) -> Double {
                g.map { $0 * scale }.withUnsafeBufferPointer { span.grade($0.baseAddress!, 2) }
            }
            XCTAssertEqual(grade([3, 3]), 3, accuracy: 1e-12)
            XCTAssertEqual(grade([0, 0]), 0, accuracy: 1e-12)
            XCTAssertEqual(grade([0, 3]), 1.5, accuracy: 1e-12)
            XCTAssertEqual(grade([0.5, 0.2]), 0.35, accuracy: 1e-12)
            XCTAssertEqual(grade([-2, 0]), 1, accuracy: 1e-12)
        }
        // A third coordinate no training row moves: within the plane nothing changes; a component along it
        // of 1e-3 (training variance there: 0) is far outside. Both as the full projection (format 3) and as the
        // span over the moved coordinates that format 4 stores.
        let flat: [Double] = stride(from: 0, to: rows.count, by: 2).flatMap { [rows[$0], rows[$0 + 1], 0.0] }
        let active = try ActiveSetGrade.projection(rows: flat, count: 5, p: 3, gram: gram(flat, 3))
        XCTAssertEqual(active.rank, 2)
        let full = UncertaintyData.Span(atoms: 5, largestLeverage: 1, activeSet: active.projection)
        let restricted = try XCTUnwrap(try ActiveSetGrade.span(rows: flat, count: 5, p: 3))
        XCTAssertEqual(restricted.columns, [0, 1])
        XCTAssertEqual(restricted.gram, gram(rows, 2))
        // A format-4 span without an active set (the leverage fallback) refuses the unmoved coordinate too.
        let leverageOnly = UncertaintyData.Span(
            atoms: 5, largestLeverage: 2, columns: [0, 1], gram: [1, 0, 0, 1], inverse: [1, 0, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertEqual([1.0, 1, 0].withUnsafeBufferPointer { leverageOnly.grade($0.baseAddress!, 3) }, 1)
        XCTAssertEqual([0.0, 0, 1e-9].withUnsafeBufferPointer { leverageOnly.grade($0.baseAddress!, 3) }, .infinity)
        for span in [full, restricted] {
            XCTAssertEqual([3.0, 3, 0].withUnsafeBufferPointer { span.grade($0.baseAddress!, 3) }, 3, accuracy: 1e-9)
            XCTAssertEqual([0.0, 3, 0].withUnsafeBufferPointer { span.grade($0.baseAddress!, 3) }, 1.5, accuracy: 1e-9)
            XCTAssertGreaterThan([0.0, 0, 1e-3].withUnsafeBufferPointer { span.grade($0.baseAddress!, 3) }, 10)
        }
    }

    /// Format 4 keeps each element's span over the coordinates its training atoms move. With the NbMoTaW
    /// potential and Nb-only training cells (which move no Mo, Ta or W parameter), the grades equal those of the
    /// active set over all coordinates (format 3) for training atoms and for the extrapolating atoms of a surface.
    /// The Nb atoms of an NbMo cell move Nb–Mo parameters no training atom moved: γ = ∞ (format 3's rows for
    /// unspanned directions grade them above 1 too, but only 1.4–8.3).
    func testSpanOverMovedCoordinatesGradesAsTheFullSpan() throws {
        let alloy = try PotentialFile.read(path: repositoryRoot + "/potentials/NbMoTaW.json").model
        let coordinates = alloy.fittedParameterGroups
        let p = coordinates.count
        let evaluator = AtomGradientEvaluator(model: alloy, coordinates: coordinates)
        func gradients(_ s: Structure) throws -> [Double] {
            evaluator.gradients(
                species: try alloy.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: alloy.cutoff),
                virialTrace: false)
        }
        let cells = Array(training.structures.prefix(8)) + Array(niobium["Nb_Elastic"]!.prefix(40))
        let rows = try cells.flatMap { try gradients($0) }
        let n = rows.count / p
        var a = [Double](repeating: 0, count: p * p)
        LinearAlgebra.addGram(&a, rows, rows: n, n: p)
        LinearAlgebra.symmetrize(&a, n: p)
        let active = try ActiveSetGrade.projection(rows: rows, count: n, p: p, gram: a)
        let full = UncertaintyData.Span(atoms: n, largestLeverage: 1, activeSet: active.projection)
        let restricted = try XCTUnwrap(try ActiveSetGrade.span(rows: rows, count: n, p: p))
        let columns = try XCTUnwrap(restricted.columns)
        XCTAssertLessThan(columns.count, p / 2, "Nb atoms move fewer than half of the alloy's coordinates")
        XCTAssertEqual(columns, (0..<p).filter { b in (0..<n).contains { rows[$0 * p + b] != 0 } })
        /// Atom i's grade by the full span and by the span over the moved coordinates.
        func grades(_ g: [Double], atom i: Int) -> (full: Double, restricted: Double) {
            g.withUnsafeBufferPointer {
                (full.grade($0.baseAddress! + i * p, p), restricted.grade($0.baseAddress! + i * p, p))
            }
        }
        var largest = 0.0
        for s in [cells[3], niobium["Nb_Surface"]![2]] {
            let g = try gradients(s)
            for i in 0..<s.count {
                let (x, y) = grades(g, atom: i)
                XCTAssertEqual(y, x, accuracy: 1e-6 * max(1, x), "\(s.source) atom \(i)")
                largest = max(largest, x)
            }
        }
        XCTAssertGreaterThan(largest, 1.5, "the surface's atoms extrapolate")
        // Half the atoms of a bcc NbMo cell turned to Mo: the Nb atoms now have Mo neighbours.
        var mixed = cells[0]
        mixed.elements = mixed.elements.indices.map { Element(symbol: $0 % 2 == 0 ? "Nb" : "Mo")! }
        let g = try gradients(mixed)
        for i in stride(from: 0, to: mixed.count, by: 2) {
            let (x, y) = grades(g, atom: i)
            XCTAssertEqual(y, .infinity, "atom \(i)")
            XCTAssertGreaterThan(x, 1, "atom \(i)")
        }
    }

    /// Format 5 files carry the section and read back exactly, in the layout the README documents (the covariance
    /// as base64 of its upper triangle's little-endian doubles, the grade's scales as numbers: |value| of a
    /// coordinate fitted as it is, 1 for one fitted as its logarithm); format 4 files (the shipped Nb.json) load
    /// without scales and grade in fit coordinates; format 3 files load and write back byte for byte; format 1
    /// files (no section) still load.
    func testFileRoundTripAndOldFiles() throws {
        let prepared = try PreparedDataset(Dataset(Array(niobium["Nb_Elastic"]!.prefix(20))), model: model)
        let data = try UncertaintyData.fitted(model: model, data: prepared, weights: FitWeights())
        let path = scratchPath("uncertainty.json")
        try PotentialFile(model: model, provenance: .null, uncertainty: data).write(to: path)
        let read = try PotentialFile.read(path: path)
        XCTAssertEqual(read.version, 5)
        XCTAssertNotNil(read.uncertainty?.elements["Nb"]?.activeSet)
        XCTAssertNotNil(read.uncertainty?.elements["Nb"]?.columns)
        XCTAssertEqual(read.uncertainty, data)
        let scales = try XCTUnwrap(read.uncertainty?.gradeScales)
        XCTAssertEqual(scales.count, data.coordinateCount)
        for (c, group) in data.coordinates.enumerated() {
            let value = model.naturalParameters[group[0]]
            let expected = model.transforms[group[0]] == .log ? 1 : max(abs(value), 1e-12)
            XCTAssertEqual(scales[c], expected, accuracy: 1e-12 * expected, "coordinate \(c)")
        }
        // Damaged scales name their entry: one number short, or a zero.
        for damaged in [Array(scales.dropLast()), [0] + scales.dropFirst()] {
            var file = PotentialFile(model: model, provenance: .null, uncertainty: data)
            file.uncertainty?.gradeScales = damaged
            XCTAssertThrowsError(try PotentialFile.parse(try file.encoded(), name: "scales.json")) { error in
                XCTAssertTrue("\(error)".contains("uncertainty.gradeScales"), "\(error)")
                XCTAssertTrue("\(error)".contains("scales.json"), "\(error)")
            }
        }
        let shipped = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json")
        XCTAssertEqual(shipped.version, 4)
        XCTAssertNotNil(shipped.uncertainty)
        XCTAssertNil(shipped.uncertainty?.gradeScales)
        // The layout, read without Mosaic's decoder.
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path)))
        let section = try XCTUnwrap((json as? [String: Any])?["uncertainty"] as? [String: Any])
        let bytes = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(section["covariance"] as? String)))
        let p = data.coordinateCount
        XCTAssertEqual(bytes.count, 8 * p * (p + 1) / 2)
        var k = 0
        for i in 0..<p {
            for j in i..<p {
                let bits = bytes.subdata(in: (8 * k)..<(8 * k + 8)).enumerated().reduce(UInt64(0)) {
                    $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                }
                XCTAssertEqual(Double(bitPattern: bits), data.covariance[i * p + j])
                XCTAssertEqual(data.covariance[j * p + i], data.covariance[i * p + j])
                k += 1
            }
        }
        // A format-3 file (the shipped hand-written potential) loads with its full matrices and re-encodes to
        // the same bytes, so its content hash holds.
        let handwrittenPath = repositoryRoot + "/potentials/Nb-handwritten.json"
        let handwritten = try PotentialFile.read(path: handwrittenPath)
        XCTAssertEqual(handwritten.version, 3)
        let span = try XCTUnwrap(handwritten.uncertainty?.elements["Nb"])
        XCTAssertNil(span.columns)
        XCTAssertEqual(
            span.inverse?.count, handwritten.uncertainty!.coordinateCount * handwritten.uncertainty!.coordinateCount)
        XCTAssertEqual(try handwritten.encoded(), try Data(contentsOf: URL(fileURLWithPath: handwrittenPath)))
        var old = PotentialFile(model: model, provenance: .null)
        old.version = 1
        let oldRead = try PotentialFile.parse(try old.encoded(), name: "old.json")
        XCTAssertNil(oldRead.uncertainty)
        // A damaged section names itself: three doubles cut from the covariance, or a character that is not base64.
        let text = String(
            decoding: try PotentialFile(model: model, provenance: .null, uncertainty: data).encoded(), as: UTF8.self)
        let start = try XCTUnwrap(text.range(of: "\"covariance\" : \"")).upperBound
        for damage in [
            text[..<start] + text[text.index(start, offsetBy: 32)...], text[..<start] + "#" + text[start...],
        ] {
            XCTAssertThrowsError(try PotentialFile.parse(Data(damage.utf8), name: "damaged.json")) { error in
                XCTAssertTrue("\(error)".contains("uncertainty.covariance"), "\(error)")
                XCTAssertTrue("\(error)".contains("damaged.json"), "\(error)")
            }
        }
    }

    /// Why format 5 grades in relative coordinates (benchmarks/RESULTS.md, "A limit of the grade"): with the shipped
    /// NbMoTaW model and its training split, the spans in fit coordinates keep 33–44 of the 132 directions each
    /// element's atoms move (the rest fall below the 1e-10 λ_max floor because their parameters' units are small);
    /// in relative coordinates 80 or more. The held-out test blocks (elemental AIMD blocks, binary compositions)
    /// stay near the training atoms in both (γ below 2), while the perfect random quaternary lattice, a chemistry
    /// no training cell has (three different neighbour species at once), is inside by the fit-coordinate grade and
    /// outside by the relative one.
    func testRelativeCoordinatesKeepTheAlloysDirections() throws {
        let file = try PotentialFile.read(path: repositoryRoot + "/potentials/NbMoTaW.json")
        let alloy = file.model
        let coordinates = try XCTUnwrap(file.uncertainty).coordinates
        let p = coordinates.count
        guard case .array(let paths)? = file.provenance["data"], case .array(let tests)? = file.provenance["test"]
        else { return XCTFail("the shipped alloy records its data and test blocks") }
        let strings = { (values: [JSONValue]) in
            values.compactMap { value -> String? in
                if case .string(let text) = value { return text } else { return nil }
            }
        }
        let (train, test) = try Dataset.load(strings(paths).map { repositoryRoot + "/" + $0 })
            .split(holdingOut: strings(tests))
        func gradients(_ data: PreparedDataset) -> [[Double]] {
            parallelMap(Array(0..<data.count)) { k in
                AtomGradientEvaluator(model: alloy, coordinates: coordinates).gradients(
                    species: data.species[k], neighbours: data.neighbours[k], virialTrace: false)
            }
        }
        let prepared = try PreparedDataset(train, model: alloy)
        let trainingGradients = gradients(prepared)
        let lattice = RandomAlloy(model: alloy, elements: alloy.elements, cells: 6).cell(a: 3.2381)
        let probes = try PreparedDataset(Dataset([lattice]), model: alloy)
        let heldOut = try PreparedDataset(test, model: alloy)
        let heldOutGradients = gradients(heldOut)
        let probeGradients = gradients(probes)
        var medians: [String: Double] = [:]
        for (name, scales) in [
            ("fit", [Double](repeating: 1, count: p)),
            ("relative", UncertaintyData.relativeScales(model: alloy, coordinates: coordinates)),
        ] {
            let data = UncertaintyData(
                coordinates: coordinates, covariance: [Double](repeating: 0, count: p * p),
                elements: try Dictionary(
                    uniqueKeysWithValues: alloy.elements.enumerated().map { e, element in
                        let rows = prepared.species.enumerated().flatMap { k, species in
                            let scaled = UncertaintyData.scaled(trainingGradients[k], by: scales)
                            return species.indices.filter { species[$0] == e }.flatMap {
                                scaled[($0 * p)..<(($0 + 1) * p)]
                            }
                        }
                        return (
                            element.symbol,
                            try XCTUnwrap(try ActiveSetGrade.span(rows: rows, count: rows.count / p, p: p))
                        )
                    }), gradeScales: scales)
            for (symbol, span) in data.elements {
                let columns = try XCTUnwrap(span.columns).count
                XCTAssertEqual(columns, 132, "\(name) \(symbol)")
                let values = try LinearAlgebra.symmetricEigen(try XCTUnwrap(span.gram), n: columns).values
                let kept = values.filter { $0 > ActiveSetGrade.subspaceFloor * values.last! }.count
                if name == "fit" {
                    XCTAssertTrue((30...45).contains(kept), "\(name) \(symbol): \(kept) directions kept")
                } else {
                    XCTAssertGreaterThanOrEqual(kept, 80, "\(name) \(symbol)")
                }
            }
            func grades(_ data: UncertaintyData, _ set: PreparedDataset, _ g: [[Double]]) -> [Double] {
                g.enumerated().flatMap { k, rows in
                    AtomUncertainties(
                        gradients: rows, symbols: set.species[k].map { alloy.elements[$0].symbol }, data: data
                    )
                    .grades
                }
            }
            let held = grades(data, heldOut, heldOutGradients)
            XCTAssertEqual(held.count, test.structures.reduce(0) { $0 + $1.count })
            XCTAssertLessThan(held.max()!, 2, name)
            let quaternary = grades(data, probes, probeGradients).sorted()
            medians[name] = quaternary[quaternary.count / 2]
        }
        XCTAssertLessThan(medians["fit"]!, 1)
        XCTAssertGreaterThan(medians["relative"]!, 2)
    }

    /// mosaic select's choice: the pool is the candidates above the threshold; a frame that repeats an
    /// earlier pick is not picked again (its gain given the first is zero), and the first pick's grade
    /// given no earlier picks equals its grade.
    func testSelectionDoesNotPickDuplicates() throws {
        let weights = FitWeights()
        let data = try UncertaintyData.fitted(
            model: model, data: try PreparedDataset(training, model: model), weights: weights)
        let nb = Element(symbol: "Nb")!
        func compressed(_ a: Double, shift: Double) -> Structure {
            var s = Structure(
                cell: Matrix3.diagonal(Vec3(repeating: 2 * a)),
                positions: (0..<16).map { k in
                    let corner = Vec3(Double(k & 1), Double((k >> 1) & 1), Double((k >> 2) & 1)) * a
                    return k < 8 ? corner : corner + Vec3(0.5, 0.5, 0.5) * a
                }, elements: Array(repeating: nb, count: 16))
            s.positions[3] += Vec3(shift, -shift, 0.5 * shift)
            s.source = "a = \(a), shift \(shift)"
            return s
        }
        let candidates = [
            compressed(3.0, shift: 0.1), compressed(3.0, shift: 0.1), compressed(2.95, shift: -0.15),
            training.structures[2],
        ]
        let selection = try ActiveSelection(candidates: candidates, model: model, data: data, count: 2, threshold: 1)
        XCTAssertGreaterThan(selection.grades[0], 1)
        XCTAssertEqual(selection.grades[0], selection.grades[1], accuracy: 1e-12)
        XCTAssertLessThanOrEqual(selection.grades[3], 1 + 1e-9, "a training frame is inside the active set's span")
        let picked = Set(selection.picks.map(\.index))
        XCTAssertEqual(picked.count, 2)
        XCTAssertFalse(picked.isSuperset(of: [0, 1]), "the duplicate is not picked twice: \(selection.picks)")
        XCTAssertFalse(picked.contains(3))
        XCTAssertEqual(selection.picks[0].maxGradeAfterEarlierPicks, selection.picks[0].maxGrade, accuracy: 1e-9)
        XCTAssertLessThan(selection.picks[1].gain, selection.picks[0].gain)
    }
}
