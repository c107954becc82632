import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// The zero-pressure lattice constant of a random equiatomic bcc alloy (e.g. NbMoTaW): a cubic cell of
/// `cells`³ conventional cells whose sites get the elements in equal numbers in a fixed pseudo-random
/// order (`seed`), atoms relaxed (FIRE) at each lattice constant, the energy minimised over the lattice
/// constant by golden section. Compared with Vegard's law of the elements' own lattice constants.
public struct RandomAlloy {
    public let model: CompositeModel
    public let elements: [Element]
    public let cells: Int
    public let seed: UInt64

    public init(model: CompositeModel, elements: [Element], cells: Int = 4, seed: UInt64 = 2020) {
        self.model = model
        self.elements = elements
        self.cells = cells
        self.seed = seed
    }

    /// The cell at lattice constant a (positions on the ideal sites).
    public func cell(a: Double) -> Structure {
        var s = Crystal.bcc(elements[0], a: a, cells: cells)
        var order = Array(0..<s.count).map { elements[$0 % elements.count] }
        // Fisher–Yates with a 64-bit linear congruential generator: the same cell on every machine.
        var state = seed
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        s.elements = order
        s.source = "random equiatomic " + elements.map(\.symbol).joined() + " bcc, \(s.count) atoms, a = \(a) Å"
        return s
    }

    /// Relaxed energy per atom at lattice constant a (eV/atom).
    public func relaxedEnergy(a: Double) throws -> Double {
        var fire = FIRE()
        fire.forceTolerance = 1e-3
        let result = try fire.relax(cell(a: a), model: model)
        return result.energy / Double(result.structure.count)
    }

    /// The lattice constant (Å) of lowest relaxed energy within ±8% of `guess`, to about 1e-4 Å.
    public func latticeConstant(guess: Double) throws -> Double {
        try GoldenSection.minimum(low: guess * 0.92, high: guess * 1.08, width: 1e-4) { try relaxedEnergy(a: $0) }
    }

    /// Vegard's law: the mean of the elements' lattice constants (equal fractions).
    public static func vegard(_ latticeConstants: [Double]) -> Double {
        latticeConstants.reduce(0, +) / Double(max(latticeConstants.count, 1))
    }
}
