import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel

// The C ABI of Mosaic, as declared in include/mosaic_capi.h. Every entry point catches every
// error and reports it as a status code plus message: nothing here may trap.

/// What a `mosaic_potential *` points to.
final class PotentialHandle {
    let file: PotentialFile
    /// The file name it was read from (for messages).
    let name: String
    let evaluator: ModelEvaluator<Double>
    /// Per-atom energy gradients for grades and σ, made on first use (nil: the file has no uncertainty).
    lazy var gradients: AtomGradientEvaluator? = file.uncertainty.map {
        AtomGradientEvaluator(model: file.model, coordinates: $0.coordinates)
    }
    /// NUL-terminated symbols, kept alive for the C side.
    let symbols: [UnsafeMutablePointer<CChar>]

    init(file: PotentialFile, name: String) {
        self.file = file
        self.name = name
        evaluator = ModelEvaluator<Double>(model: file.model)
        symbols = file.model.elements.map { strdup($0.symbol)! }
    }
    /// The message for grades asked of a potential without an uncertainty section.
    var missingUncertainty: String {
        "potential \(name) has no uncertainty section (format \(file.version)): refit it with mosaic fit to get grades"
            + " and sigma"
    }

    deinit {
        for symbol in symbols { free(symbol) }
    }
}

let versionString: UnsafeMutablePointer<CChar> = strdup(PotentialFile.mosaicVersion)!

/// Copies `message` into a C buffer of `size` bytes (truncated, NUL-terminated).
func writeError(_ message: String, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32) {
    guard let buffer, size > 0 else { return }
    let bytes = Array(message.utf8.prefix(Int(size) - 1))
    for (k, b) in bytes.enumerated() { buffer[k] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

func handle(_ pointer: OpaquePointer?) -> PotentialHandle? {
    guard let pointer else { return nil }
    return Unmanaged<PotentialHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}

/// Status codes of include/mosaic_capi.h.
enum Status {
    static let ok: Int32 = 0
    static let file: Int32 = 1
    static let input: Int32 = 2
    static let element: Int32 = 3
}

@_cdecl("mosaic_abi_version")
public func mosaic_abi_version() -> Int32 { PotentialFile.cABIVersion }

@_cdecl("mosaic_version")
public func mosaic_version() -> UnsafePointer<CChar> { UnsafePointer(versionString) }

@_cdecl("mosaic_potential_create")
public func mosaic_potential_create(
    _ bytes: UnsafePointer<CChar>?, _ size: Int, _ name: UnsafePointer<CChar>?,
    _ errorBuffer: UnsafeMutablePointer<CChar>?, _ errorSize: Int32
) -> OpaquePointer? {
    let label = name.map { String(cString: $0) } ?? "potential"
    guard let bytes, size > 0 else {
        writeError("\(label): empty potential file (fix: check the path given to pair_coeff)", errorBuffer, errorSize)
        return nil
    }
    do {
        let data = Data(bytes: bytes, count: size)
        let file = try PotentialFile.parse(data, name: label)
        let object = PotentialHandle(file: file, name: label)
        return OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    } catch {
        writeError("\(error)", errorBuffer, errorSize)
        return nil
    }
}

@_cdecl("mosaic_potential_open")
public func mosaic_potential_open(
    _ bytes: UnsafePointer<CChar>?, _ size: Int, _ name: UnsafePointer<CChar>?,
    _ potential: UnsafeMutablePointer<OpaquePointer?>?, _ errorBuffer: UnsafeMutablePointer<CChar>?, _ errorSize: Int32
) -> Int32 {
    guard let potential else {
        writeError("mosaic_potential_open: no place for the result (NULL potential pointer)", errorBuffer, errorSize)
        return Status.input
    }
    potential.pointee = mosaic_potential_create(bytes, size, name, errorBuffer, errorSize)
    return potential.pointee == nil ? Status.file : Status.ok
}

@_cdecl("mosaic_potential_destroy")
public func mosaic_potential_destroy(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    Unmanaged<PotentialHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
}

@_cdecl("mosaic_potential_cutoff")
public func mosaic_potential_cutoff(_ pointer: OpaquePointer?) -> Double {
    handle(pointer)?.file.model.cutoff ?? 0
}

@_cdecl("mosaic_potential_element_count")
public func mosaic_potential_element_count(_ pointer: OpaquePointer?) -> Int32 {
    Int32(handle(pointer)?.symbols.count ?? 0)
}

@_cdecl("mosaic_potential_element_symbol")
public func mosaic_potential_element_symbol(_ pointer: OpaquePointer?, _ index: Int32) -> UnsafePointer<CChar>? {
    guard let h = handle(pointer), index >= 0, Int(index) < h.symbols.count else { return nil }
    return UnsafePointer(h.symbols[Int(index)])
}

@_cdecl("mosaic_potential_element_mass")
public func mosaic_potential_element_mass(_ pointer: OpaquePointer?, _ index: Int32) -> Double {
    guard let h = handle(pointer), index >= 0, Int(index) < h.file.elements.count else { return 0 }
    return h.file.elements[Int(index)].mass
}

@_cdecl("mosaic_potential_element_index")
public func mosaic_potential_element_index(_ pointer: OpaquePointer?, _ symbol: UnsafePointer<CChar>?) -> Int32 {
    guard let h = handle(pointer), let symbol else { return -1 }
    let name = String(cString: symbol)
    return Int32(h.file.model.elements.firstIndex { $0.symbol == name } ?? -1)
}

@_cdecl("mosaic_potential_find_element")
public func mosaic_potential_find_element(
    _ pointer: OpaquePointer?, _ symbol: UnsafePointer<CChar>?, _ index: UnsafeMutablePointer<Int32>?,
    _ errorBuffer: UnsafeMutablePointer<CChar>?, _ errorSize: Int32
) -> Int32 {
    guard let h = handle(pointer), let symbol, let index else {
        writeError("mosaic_potential_find_element: NULL potential, symbol or index", errorBuffer, errorSize)
        return Status.input
    }
    let name = String(cString: symbol)
    guard let k = h.file.model.elements.firstIndex(where: { $0.symbol == name }) else {
        let known = h.file.model.elements.map(\.symbol).joined(separator: " ")
        writeError(
            "element \(name) is not in the potential, which has: \(known) (fix: map each atom type to one of"
                + " these, or NULL)",
            errorBuffer, errorSize)
        return Status.element
    }
    index.pointee = Int32(k)
    return Status.ok
}

@_cdecl("mosaic_potential_pair_cutoff")
public func mosaic_potential_pair_cutoff(_ pointer: OpaquePointer?, _ i: Int32, _ j: Int32) -> Double {
    guard let h = handle(pointer) else { return 0 }
    let elements = h.file.model.elements
    guard elements.indices.contains(Int(i)), elements.indices.contains(Int(j)) else { return 0 }
    return h.file.model.cutoff(between: elements[Int(i)], elements[Int(j)])
}

/// The neighbour list of a call in LAMMPS's layout, or nil if a required array is missing or a count is
/// not positive.
func fullList(
    _ inum: Int32, _ ilist: UnsafePointer<Int32>?, _ numneigh: UnsafePointer<Int32>?,
    _ firstneigh: UnsafePointer<UnsafeMutablePointer<Int32>?>?, _ neighbourMask: Int32, _ natoms: Int32,
    _ x: UnsafePointer<Double>?, _ type: UnsafePointer<Int32>?, _ speciesOfType: UnsafePointer<Int32>?,
    _ ntypes: Int32, _ tag: UnsafePointer<Int32>?
) -> FullNeighbourList? {
    guard let ilist, let numneigh, let firstneigh, let x, let type, let speciesOfType, inum > 0, natoms > 0, ntypes > 0
    else { return nil }
    return FullNeighbourList(
        inum: Int(inum), ilist: ilist, numneigh: numneigh, firstneigh: firstneigh, neighbourMask: neighbourMask,
        atomCount: Int(natoms), positions: x, types: type, speciesOfType: speciesOfType, typeCount: Int(ntypes),
        tags: tag)
}

@_cdecl("mosaic_compute")
public func mosaic_compute(
    _ pointer: OpaquePointer?, _ inum: Int32, _ ilist: UnsafePointer<Int32>?, _ numneigh: UnsafePointer<Int32>?,
    _ firstneigh: UnsafePointer<UnsafeMutablePointer<Int32>?>?, _ neighbourMask: Int32, _ natoms: Int32,
    _ x: UnsafePointer<Double>?, _ type: UnsafePointer<Int32>?, _ speciesOfType: UnsafePointer<Int32>?,
    _ ntypes: Int32, _ f: UnsafeMutablePointer<Double>?, _ energy: UnsafeMutablePointer<Double>?,
    _ atomEnergy: UnsafeMutablePointer<Double>?, _ virial: UnsafeMutablePointer<Double>?,
    _ atomVirial: UnsafeMutablePointer<Double>?, _ tag: UnsafePointer<Int32>?,
    _ errorBuffer: UnsafeMutablePointer<CChar>?, _ errorSize: Int32
) -> Int32 {
    guard let h = handle(pointer) else {
        writeError("mosaic_compute: no potential (NULL handle)", errorBuffer, errorSize)
        return Status.input
    }
    if inum == 0 { return Status.ok }
    guard let f,
        let list = fullList(
            inum, ilist, numneigh, firstneigh, neighbourMask, natoms, x, type, speciesOfType, ntypes, tag)
    else {
        writeError("mosaic_compute: missing neighbour list, positions, types or forces", errorBuffer, errorSize)
        return Status.input
    }
    do {
        try h.evaluator.evaluate(
            list,
            into: FullListOutput(
                forces: f, energy: energy, atomEnergies: atomEnergy, virial: virial, atomVirials: atomVirial))
        return Status.ok
    } catch {
        writeError("\(error)", errorBuffer, errorSize)
        return Status.input
    }
}

@_cdecl("mosaic_potential_uncertainty_size")
public func mosaic_potential_uncertainty_size(_ pointer: OpaquePointer?) -> Int32 {
    guard let h = handle(pointer), let uncertainty = h.file.uncertainty else { return 0 }
    return Int32(uncertainty.coordinateCount)
}

@_cdecl("mosaic_potential_sigma")
public func mosaic_potential_sigma(_ pointer: OpaquePointer?, _ gradient: UnsafePointer<Double>?) -> Double {
    guard let h = handle(pointer), let uncertainty = h.file.uncertainty, let gradient else { return .nan }
    return uncertainty.sigma(gradient: Array(UnsafeBufferPointer(start: gradient, count: uncertainty.coordinateCount)))
}

@_cdecl("mosaic_compute_uncertainty")
public func mosaic_compute_uncertainty(
    _ pointer: OpaquePointer?, _ inum: Int32, _ ilist: UnsafePointer<Int32>?, _ numneigh: UnsafePointer<Int32>?,
    _ firstneigh: UnsafePointer<UnsafeMutablePointer<Int32>?>?, _ neighbourMask: Int32, _ natoms: Int32,
    _ x: UnsafePointer<Double>?, _ type: UnsafePointer<Int32>?, _ speciesOfType: UnsafePointer<Int32>?,
    _ ntypes: Int32, _ tag: UnsafePointer<Int32>?, _ grade: UnsafeMutablePointer<Double>?,
    _ sigma: UnsafeMutablePointer<Double>?, _ energyGradient: UnsafeMutablePointer<Double>?,
    _ virialTraceGradient: UnsafeMutablePointer<Double>?, _ errorBuffer: UnsafeMutablePointer<CChar>?,
    _ errorSize: Int32
) -> Int32 {
    guard let h = handle(pointer) else {
        writeError("mosaic_compute_uncertainty: no potential (NULL handle)", errorBuffer, errorSize)
        return Status.input
    }
    guard let uncertainty = h.file.uncertainty, let evaluator = h.gradients else {
        writeError(h.missingUncertainty, errorBuffer, errorSize)
        return Status.file
    }
    if inum == 0 { return Status.ok }
    guard
        let list = fullList(
            inum, ilist, numneigh, firstneigh, neighbourMask, natoms, x, type, speciesOfType, ntypes, tag),
        let type, let ilist, let speciesOfType
    else {
        writeError("mosaic_compute_uncertainty: missing neighbour list, positions or types", errorBuffer, errorSize)
        return Status.input
    }
    do {
        // The virial trace's gradient (for σ_P) only when the caller asks for it: grades and σ_E cost half.
        let gradients = try evaluator.gradients(list, virialTrace: virialTraceGradient != nil)
        let elements = h.file.model.elements
        let symbols = (0..<Int(inum)).map { ii -> String? in
            let t = Int(type[Int(ilist[ii])])
            guard t >= 1, t <= Int(ntypes) else { return nil }
            let s = Int(speciesOfType[t])
            return s >= 0 && s < elements.count ? elements[s].symbol : nil
        }
        let result = AtomUncertainties(gradients: gradients, symbols: symbols, data: uncertainty)
        for ii in 0..<Int(inum) {
            let i = Int(ilist[ii])
            grade?[i] = result.grades[ii]
            sigma?[i] = result.sigmas[ii]
        }
        if let energyGradient {
            for c in 0..<uncertainty.coordinateCount { energyGradient[c] += result.energyGradient[c] }
        }
        if let virialTraceGradient {
            for c in 0..<uncertainty.coordinateCount { virialTraceGradient[c] += evaluator.virialTraceGradient[c] }
        }
        return Status.ok
    } catch {
        writeError("\(error)", errorBuffer, errorSize)
        return Status.input
    }
}

@_cdecl("mosaic_compute_structure")
public func mosaic_compute_structure(
    _ pointer: OpaquePointer?, _ n: Int32, _ cell: UnsafePointer<Double>?, _ pbc: UnsafePointer<Int32>?,
    _ positions: UnsafePointer<Double>?, _ species: UnsafePointer<Int32>?, _ energy: UnsafeMutablePointer<Double>?,
    _ forces: UnsafeMutablePointer<Double>?, _ virial: UnsafeMutablePointer<Double>?,
    _ atomEnergy: UnsafeMutablePointer<Double>?, _ grade: UnsafeMutablePointer<Double>?,
    _ sigma: UnsafeMutablePointer<Double>?, _ sigmaEnergy: UnsafeMutablePointer<Double>?,
    _ errorBuffer: UnsafeMutablePointer<CChar>?, _ errorSize: Int32
) -> Int32 {
    guard let h = handle(pointer) else {
        writeError("mosaic_compute_structure: no potential (NULL handle)", errorBuffer, errorSize)
        return Status.input
    }
    guard n > 0, let cell, let pbc, let positions, let species else {
        writeError("mosaic_compute_structure: missing atoms, cell, pbc, positions or species", errorBuffer, errorSize)
        return Status.input
    }
    let elements = h.file.model.elements
    var atoms: [Element] = []
    for i in 0..<Int(n) {
        guard elements.indices.contains(Int(species[i])) else {
            writeError(
                "atom \(i) has element index \(species[i]), outside 0..<\(elements.count) ("
                    + elements.map(\.symbol).joined(separator: " ") + ")", errorBuffer, errorSize)
            return Status.element
        }
        atoms.append(elements[Int(species[i])])
    }
    let wantsUncertainty = grade != nil || sigma != nil || sigmaEnergy != nil
    if wantsUncertainty, h.file.uncertainty == nil {
        writeError(h.missingUncertainty, errorBuffer, errorSize)
        return Status.file
    }
    let structure = Structure(
        cell: Matrix3(
            Vec3(cell[0], cell[1], cell[2]), Vec3(cell[3], cell[4], cell[5]), Vec3(cell[6], cell[7], cell[8])),
        pbc: (0..<3).map { pbc[$0] != 0 },
        positions: (0..<Int(n)).map { Vec3(positions[3 * $0], positions[3 * $0 + 1], positions[3 * $0 + 2]) },
        elements: atoms, source: "structure passed to mosaic_compute_structure")
    do {
        try structure.validate()
        let indices = atoms.map { a in elements.firstIndex(of: a)! }
        let list = NeighbourList(structure, cutoff: h.file.model.cutoff)
        let prediction = h.evaluator.evaluate(species: indices, neighbours: list)
        energy?.pointee = prediction.energy
        for (i, f) in prediction.forceVectors.enumerated() {
            forces?[3 * i] = f.x
            forces?[3 * i + 1] = f.y
            forces?[3 * i + 2] = f.z
            atomEnergy?[i] = prediction.atomEnergies[i]
        }
        for v in 0..<6 { virial?[v] = prediction.virial[v] }
        if wantsUncertainty, let uncertainty = h.file.uncertainty, let evaluator = h.gradients {
            let result = AtomUncertainties(
                gradients: evaluator.gradients(species: indices, neighbours: list), symbols: atoms.map(\.symbol),
                data: uncertainty)
            for i in 0..<Int(n) {
                grade?[i] = result.grades[i]
                sigma?[i] = result.sigmas[i]
            }
            sigmaEnergy?.pointee = uncertainty.sigma(gradient: result.energyGradient)
        }
        return Status.ok
    } catch {
        writeError("\(error)", errorBuffer, errorSize)
        return Status.input
    }
}
