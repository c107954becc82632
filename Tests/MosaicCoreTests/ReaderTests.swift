import MosaicCore
import MosaicTestSupport
import XCTest

final class ReaderTests: XCTestCase {
    func testReadsShippedNiobiumData() throws {
        let aimd = try MVLReader.read(path: dataPath("Nb_AIMD.json"))
        let elastic = try MVLReader.read(path: dataPath("Nb_Elastic.json"))
        let surface = try MVLReader.read(path: dataPath("Nb_Surface.json"))
        XCTAssertEqual(aimd.count, 200)
        XCTAssertEqual(elastic.count, 121)
        XCTAssertEqual(surface.count, 13)
        XCTAssertTrue(aimd.allSatisfy { $0.count == 54 && $0.forces?.count == 54 && $0.stress != nil })
        XCTAssertEqual(
            Set(aimd.map(\.group)),
            [
                "Nb_AIMD/Md/300K", "Nb_AIMD/Md/1000K", "Nb_AIMD/Md/3000K",
                "Nb_AIMD/Md_90/300K", "Nb_AIMD/Md_110/300K",
            ])
        XCTAssertEqual(aimd.filter { $0.group == "Nb_AIMD/Md/3000K" }.count, 40)
        // First entry: energy and the first force as in the file.
        XCTAssertEqual(aimd[0].energy!, -542.55771946, accuracy: 1e-9)
        XCTAssertEqual(aimd[0].positions[0].z, 0.012657 * 9.961558, accuracy: 1e-9)
    }

    /// Mosaic's σ is positive when tensile: the AIMD block at 0.9 V0 is compressed (negative
    /// trace), the one at 1.1 V0 stretched; a uniaxially strained cell's stress along the strained
    /// axis has the sign of the strain.
    func testStressSignOnStrainedCells() throws {
        let aimd = try MVLReader.read(path: dataPath("Nb_AIMD.json"))
        let compressed = aimd.filter { $0.group == "Nb_AIMD/Md_90/300K" }
        let stretched = aimd.filter { $0.group == "Nb_AIMD/Md_110/300K" }
        XCTAssertEqual(compressed.count, 40)
        XCTAssertEqual(stretched.count, 40)
        for s in compressed { XCTAssertLessThan(s.stress!.trace, 0, s.source) }
        for s in stretched { XCTAssertGreaterThan(s.stress!.trace, 0, s.source) }
        let elastic = try MVLReader.read(path: dataPath("Nb_Elastic.json"))
        var checked = 0
        for s in elastic {
            let offDiagonal =
                abs(s.cell.a.y) + abs(s.cell.a.z) + abs(s.cell.b.x) + abs(s.cell.b.z) + abs(s.cell.c.x)
                + abs(s.cell.c.y)
            let lengths = [s.cell.a.x, s.cell.b.y, s.cell.c.z]
            let strained = lengths.indices.filter { abs(lengths[$0] - 3.322565) > 0.03 }
            guard offDiagonal < 1e-9, strained.count == 1, let axis = strained.first else { continue }
            XCTAssertEqual(s.stress!.voigt[axis] > 0, lengths[axis] > 3.322565, s.source)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
        // The least-stressed cell is the DFT equilibrium measured in SOURCE.md.
        let relaxed = elastic.min { $0.stress!.voigt.map(abs).max()! < $1.stress!.voigt.map(abs).max()! }!
        XCTAssertEqual(relaxed.cell.a.x, 3.3226, accuracy: 2e-3)
        XCTAssertEqual(relaxed.energy! / 2, -10.09499, accuracy: 1e-4)
    }

    func testExtXYZRoundTripWithStressAndForces() throws {
        let s = try MVLReader.read(path: dataPath("Nb_Surface.json"))[4]
        let text = ExtXYZ.format([s, s])
        let back = try ExtXYZ().parse(text, name: "round.xyz")
        XCTAssertEqual(back.count, 2)
        XCTAssertEqual(back[1].energy, s.energy)
        XCTAssertEqual(back[1].positions, s.positions)
        XCTAssertEqual(back[1].forces!, s.forces!)
        for v in 0..<6 { XCTAssertEqual(back[1].stress!.voigt[v], s.stress!.voigt[v], accuracy: 1e-15) }
        XCTAssertEqual(back[1].cell, s.cell)
    }

    func testExtXYZVirialAndCustomKeys() throws {
        let text = """
            2
            Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:dft_forces:R:3 dft_energy=-3.5 virial="1.6 0 0\
             0 3.2 0 0 0 6.4" config_type=bulk pbc="T T T"
            Mo 0 0 0 0.1 0.2 0.3
            Mo 2 2 2 -0.1 -0.2 -0.3
            """
        let keys = ExtXYZ.Keys(energy: "dft_energy", forces: "dft_forces")
        let s = try ExtXYZ(keys: keys, requireForces: true).parse(text, name: "mo.xyz")[0]
        XCTAssertEqual(s.energy, -3.5)
        XCTAssertEqual(s.forces![1], Vec3(-0.1, -0.2, -0.3))
        XCTAssertEqual(s.group, "mo/bulk")
        // σ = −W/V
        XCTAssertEqual(s.stress!.xx, -1.6 / 64, accuracy: 1e-15)
        XCTAssertEqual(s.stress!.zz, -6.4 / 64, accuracy: 1e-15)
    }

    func testBadExtXYZInputNamesFrameAndLine() {
        let good = "Lattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1"
        let cases: [(String, String)] = [
            ("1\n\(good)\nNb 0 0 0 1 2\n", "line 3"),  // wrong column count
            ("1\n\(good)\nXx 0 0 0 1 2 3\n", "unknown element 'Xx'"),
            ("1\n\(good)\nNb 0 0 nan 1 2 3\n", "position of atom 0 is not finite"),
            (
                "1\nLattice=\"4 0 0 8 0 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\nNb 0 0 0"
                    + " 1 2 3\n",
                "not invertible"
            ),
            ("2\n\(good)\nNb 0 0 0 1 2 3\n", "file ends after 1 of 2 atoms"),
            (
                "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3 energy=-1\nNb 0 0 0\n",
                "no 'forces' column"
            ),
            (
                "1\n\(good.replacingOccurrences(of: "energy=-1", with: "energy=abc"))\nNb 0 0 0 1 2 3\n",
                "energy='abc' is not a number"
            ),
            ("2\n\(good)\nNb 1 1 1 1 2 3\nNb 1 1 1 1 2 3\n", "atoms 0 and 1 overlap"),
            ("2\n\(good)\nNb 0 0 0 1 2 3\nNb 4 4 4.001 1 2 3\n", "atoms 0 and 1 overlap"),  // periodic image
            (
                "1\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1 pbc=\"T T T\"\nNb 0 0 0 1 2 3\n",
                "is periodic but the frame has no Lattice"
            ),
            (
                "1\nLattice=\"4 0 0 0 4 0 0 0 0\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\n"
                    + "Nb 0 0 0 1 2 3\n",
                "lattice vector c is zero"
            ),
        ]
        for (text, expected) in cases {
            let path = temporaryFile(text, name: "bad.xyz")
            let error = mosaicError { _ = try ExtXYZ(requireForces: true).read(path: path) }
            XCTAssertNotNil(error, expected)
            XCTAssertTrue(
                error?.description.contains(expected) ?? false,
                "\(error?.description ?? "no error") should mention \(expected)")
            XCTAssertTrue(error?.description.contains("bad.xyz") ?? false, "the error names the file")
        }
    }

    /// Windows line endings read like Unix ones; an empty path is named as such.
    func testCRLFAndEmptyPath() throws {
        let text =
            "1\r\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\r\n"
            + "Nb 0 0 0 1 2 3\r\n"
        let frames = try ExtXYZ().parse(text, name: "crlf.xyz")
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames[0].forces?[0], Vec3(1, 2, 3))
        let error = mosaicError { _ = try Dataset.load([""]) }
        XCTAssertTrue(error?.description.contains("an empty file name") ?? false, error?.description ?? "no error")
    }

    /// A slab written by ASE with a zero c vector and pbc="T T F" is valid.
    func testNonPeriodicDirectionNeedsNoLatticeVector() throws {
        let text =
            "2\nLattice=\"4 0 0 0 4 0 0 0 0\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1 pbc=\"T T F\"\n"
            + "Nb 0 0 0 1 2 3\nNb 2 2 2 1 2 3\n"
        let frames = try ExtXYZ().parse(text, name: "slab.xyz")
        XCTAssertEqual(frames[0].pbc, [true, true, false])
    }

    /// Labels under other names (as MACE users write them) are refused with the keys the file has,
    /// unless the keys are named.
    func testMissingLabelsListTheKeysFound() throws {
        let text =
            "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=-1\n"
            + "Nb 0 0 0 1 2 3\n"
        let error = mosaicError { _ = try ExtXYZ(requireLabels: true).parse(text, name: "mace.xyz") }
        XCTAssertTrue(error?.description.contains("REF_energy") ?? false, error?.description ?? "no error")
        XCTAssertTrue(error?.description.contains("REF_forces") ?? false, error?.description ?? "no error")
        let keys = ExtXYZ.Keys(energy: "REF_energy", forces: "REF_forces")
        let frames = try ExtXYZ(keys: keys, requireLabels: true).parse(text, name: "mace.xyz")
        XCTAssertEqual(frames[0].energy, -1)
        XCTAssertEqual(frames[0].forces?[0], Vec3(1, 2, 3))
    }

    func testBadMVLInputNamesEntry() {
        let site = #"{"species":[{"element":"Nb","occu":1}],"abc":[0,0,0]}"#
        let lattice = #""lattice":{"matrix":[[3,0,0],[0,3,0],[0,0,3]]}"#
        let cases: [(String, String)] = [
            (
                #"[{"structure":{\#(lattice),"sites":[\#(site)]},"outputs":{"energy":-1}}]"#,
                "entry 0: missing outputs.forces"
            ),
            (
                #"[{"structure":{\#(lattice),"sites":[\#(site)]},"outputs":{"energy":-1,"forces":[[0,0]]}}]"#,
                "3 numbers each expected"
            ),
            (
                #"[{"structure":{\#(lattice),"sites":[{"species":[{"element":"Qq"}],"abc":[0,0,0]}]},"#
                    + #""outputs":{"energy":-1,"forces":[[0,0,0]]}}]"#,
                "unknown element 'Qq'"
            ),
            (#"[{"structure":{"sites":[]},"outputs":{}}]"#, "missing key 'lattice'"),
            (
                #"[{"structure":{\#(lattice),"sites":[\#(site)]},"#
                    + #""outputs":{"energy":-1,"forces":[[0,0,0]],"stress":[1,2]}}]"#,
                "6 expected"
            ),
            (
                #"[{"structure":{\#(lattice),"sites":[{"species":[{"element":"Nb","occu":0.5},"#
                    + #"{"element":"Mo","occu":0.5}],"abc":[0,0,0]}]},"outputs":{"energy":-1,"forces":[[0,0,0]]}}]"#,
                "site 0 is partially occupied (Nb0.5 Mo0.5)"
            ),
            (#"[{"structure":{\#(lattice),"sites":["#, "ends at line 1 inside 4 unfinished"),
            (
                #"[{"structure":{\#(lattice),"sites":[\#(site)]},"outputs":{"energy":NaN,"forces":[[0,0,0]]}}]"#,
                "'NaN' is not a JSON number"
            ),
            ("\n", "the file is empty"),
        ]
        for (text, expected) in cases {
            let path = temporaryFile(text, name: "bad.json")
            let error = mosaicError { _ = try MVLReader.read(path: path) }
            XCTAssertTrue(
                error?.description.contains(expected) ?? false,
                "\(error?.description ?? "no error") should mention \(expected)")
            XCTAssertTrue(error?.description.contains("bad.json") ?? false)
        }
    }

    /// `tags` is a list of strings in most upstream files and one string in Mo_Surface.json: both load.
    func testTagsAsListOrString() throws {
        let site = #"{"species":[{"element":"Mo","occu":1}],"abc":[0,0,0]}"#
        let lattice = #""lattice":{"matrix":[[3,0,0],[0,3,0],[0,0,3]]}"#
        for (tags, expected) in [(#""Surface""#, "Surface"), (#"["unrelax", "x"]"#, "unrelax,x")] {
            let text =
                #"[{"structure":{\#(lattice),"sites":[\#(site)]},"tags":\#(tags),"#
                + #""outputs":{"energy":-1,"forces":[[0,0,0]]}}]"#
            let structures = try MVLReader.read(path: temporaryFile(text, name: "tags.json"))
            XCTAssertEqual(structures[0].info["tags"], expected)
        }
    }

    func testDatasetSplitsWholeBlocks() throws {
        let data = try Dataset.load([dataPath("Nb_AIMD.json"), dataPath("Nb_Elastic.json")])
        let (train, held) = try data.split(holdingOut: ["Nb_AIMD/Md/1000K"])
        XCTAssertEqual(held.structures.count, 40)
        XCTAssertTrue(held.structures.allSatisfy { $0.group == "Nb_AIMD/Md/1000K" })
        XCTAssertEqual(train.structures.count, 281)
        XCTAssertEqual(try data.split(holdingOut: ["Nb_AIMD"]).heldOut.structures.count, 200)
        let error = mosaicError { _ = try data.split(holdingOut: ["Nb_AIMD/Md/500K"]) }
        XCTAssertTrue(error?.description.contains("matches no group") ?? false)
    }

    func testElementTableIsConsistent() {
        XCTAssertEqual(Element(symbol: "Nb")?.atomicNumber, 41)
        XCTAssertEqual(Element(symbol: "Nb")!.mass, 92.906, accuracy: 1e-3)
        XCTAssertEqual(Element(symbol: "W")!.mass, 183.84, accuracy: 1e-3)
        XCTAssertEqual(Element(symbol: "Pu")!.atomicNumber, 94)
        XCTAssertEqual(Element(symbol: "Pu")!.mass, 244.0)
    }

    /// LAMMPS text dumps: a triclinic box given by its bounding box and tilts reads back as the cell
    /// LAMMPS had; atoms are sorted by id; types map to --elements; no element names is a located error.
    func testLAMMPSDump() throws {
        let (lx, ly, lz, xy, xz, yz) = (10.0, 9.0, 8.0, 1.5, -0.7, 0.4)
        let xlo = 2.0
        let ylo = -1.0
        let zlo = 0.5
        let bounds = [
            (xlo + min(0, xy, xz, xy + xz), xlo + lx + max(0, xy, xz, xy + xz), xy),
            (ylo + min(0, yz), ylo + ly + max(0, yz), xz), (zlo, zlo + lz, yz),
        ]
        let text = """
            ITEM: TIMESTEP
            40
            ITEM: NUMBER OF ATOMS
            2
            ITEM: BOX BOUNDS xy xz yz pp pp pp
            \(bounds.map { "\($0.0) \($0.1) \($0.2)" }.joined(separator: "\n"))
            ITEM: ATOMS id type x y z c_grade
            2 2 5.0 4.0 3.0 0.7
            1 1 2.5 -0.5 1.0 0.2

            """
        let nb = Element(symbol: "Nb")!
        let mo = Element(symbol: "Mo")!
        let frames = try LAMMPSDump(elements: [nb, mo]).parse(text, name: "md.dump")
        XCTAssertEqual(frames.count, 1)
        let s = frames[0]
        XCTAssertEqual(s.cell.a, Vec3(lx, 0, 0))
        XCTAssertEqual(s.cell.b, Vec3(xy, ly, 0))
        XCTAssertEqual(s.cell.c, Vec3(xz, yz, lz))
        XCTAssertEqual(s.elements, [nb, mo])
        XCTAssertEqual(s.positions[0], Vec3(2.5 - xlo, -0.5 - ylo, 1.0 - zlo))
        XCTAssertEqual(s.source, "md.dump step 40")
        XCTAssertThrowsError(try LAMMPSDump().parse(text, name: "md.dump")) { error in
            XCTAssertTrue("\(error)".contains("md.dump, line 9") && "\(error)".contains("--elements"), "\(error)")
        }
        let truncated = text.split(separator: "\n").dropLast().joined(separator: "\n")
        XCTAssertThrowsError(try LAMMPSDump(elements: [nb, mo]).parse(truncated, name: "cut.dump")) { error in
            XCTAssertTrue("\(error)".contains("cut.dump"), "\(error)")
        }
    }
}
