import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicTestSupport
import XCTest

/// `mosaic export` (setfl, eam/alloy): LAMMPS's own pair_style eam/alloy on the exported tables gives
/// the Swift core's energies and forces on real snapshots, for one element and for two.
final class SetflExportTests: XCTestCase {
    let nb = Element(symbol: "Nb")!
    let mo = Element(symbol: "Mo")!

    /// An EAM-form model of every pairwise type, an EAM/alloy embedding and a ZBL core below the data.
    func model(_ elements: [Element]) -> CompositeModel {
        var terms: [Term] = [Term(ReferenceEnergyTerm.examples(elements: elements)[0])]
        terms += BornMayerTerm.examples(elements: elements).suffix(1).map { Term($0) }
        terms += PairSplineTerm.examples(elements: elements).prefix(1).map { Term($0) }
        terms += [Term(MorseTerm(cutoff: 5.0, width: 1.2, depth: 0.1, alpha: 1.3, r0: 3.1))]
        let embedding =
            EmbeddingTerm.examples(elements: elements).first { $0.species != nil }
            ?? EmbeddingTerm.examples(elements: elements)[0]
        terms.append(Term(embedding))
        terms.append(Term(ZBLCoreTerm(inner: 1.2, outer: 2.1)))
        return CompositeModel(elements: elements, terms: terms)
    }

    func testSetflTablesEqualTheSwiftCore() throws {
        var mixed = niobium["Nb_AIMD"]![150]
        for i in stride(from: 0, to: mixed.count, by: 3) { mixed.elements[i] = mo }
        let cases: [([Element], [Structure])] = [
            ([nb], [niobium["Nb_AIMD"]![20], niobium["Nb_Surface"]![3]]), ([nb, mo], [mixed]),
        ]
        for (elements, snapshots) in cases {
            let model = self.model(elements)
            let folder = LAMMPS.folder("setfl-\(elements.count)")
            let potential = folder + "/model.json"
            try PotentialFile(model: model, provenance: .null).write(to: potential)
            let tables = try EAMTables(model: model)
            let symbols = elements.map(\.symbol).joined(separator: " ")
            for format in EAMTables.Format.allCases {
                try tables.setfl(comments: ["test"], format: format).write(
                    toFile: folder + "/model.setfl", atomically: true, encoding: .utf8)
                try compare(model, snapshots, folder: folder, symbols: symbols, style: format.rawValue)
            }
        }
    }

    /// LAMMPS with `pair_style STYLE` on `folder/model.setfl` against the Swift core, snapshot by snapshot.
    func compare(_ model: CompositeModel, _ snapshots: [Structure], folder: String, symbols: String, style: String)
        throws
    {
        let elements = model.elements
        for s in snapshots {
            try LAMMPSData(s).text(elements: elements).write(
                toFile: folder + "/data.lmp", atomically: true, encoding: .utf8)
            let out = try LAMMPS.run(
                LAMMPS.singlePointInput(
                    potential: "", elements: symbols,
                    pairStyle: "pair_style \(style)\npair_coeff * * model.setfl \(symbols)"),
                folder: folder)
            XCTAssertEqual(out.status, 0, out.text)
            let r = LAMMPS.results(out)
            guard r.count == 14 else {
                XCTFail(out.text)
                continue
            }
            let swift = try model.predict(s)
            let energyError = abs(r[0] - swift.energy) / Double(s.count)
            let rows = try LAMMPS.dump(folder + "/forces.dump")
            let rotation = try LAMMPSData(s).rotation
            var forceError = 0.0
            for (i, row) in rows.enumerated() where row.count == 5 {
                let f = rotation.leftMultiply(swift.forceVectors[i])
                for a in 0..<3 { forceError = max(forceError, abs(row[1 + a] - f[a])) }
            }
            print(
                String(
                    format: "%@ export vs Swift, %@: energy %.2e eV/atom, force %.2e eV/Å",
                    style as NSString, s.source as NSString, energyError, forceError))
            XCTAssertLessThan(energyError, 1e-6, s.source)
            XCTAssertLessThan(forceError, 1e-5, s.source)
        }
    }

    /// Models with terms of no EAM form are refused with the term named.
    func testThreeBodyIsRefused() throws {
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        XCTAssertThrowsError(try EAMTables(model: model)) { error in
            XCTAssertTrue("\(error)".contains("has no EAM (setfl) form"), "\(error)")
        }
    }
}
