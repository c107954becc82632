import Foundation

/// SVG of the equation of state: the model's bcc E(V) (line), the DFT energies of the strained cells (filled
/// red) beside the model's energies of the same cells (open blue), and the DFT equilibrium (red ring). The
/// strained cells are not all hydrostatic, so their points sit on or above the hydrostatic curve.
public struct EOSPlot {
    /// The model's hydrostatic E(V): Å³/atom and eV/atom.
    public var curve: [(volume: Double, energy: Double)]
    /// Strained DFT cells: volume per atom, DFT and model energy per atom.
    public var cells: [(volume: Double, dft: Double, model: Double)]
    /// DFT equilibrium volume and energy per atom.
    public var equilibrium: (volume: Double, energy: Double)

    public init(
        curve: [(volume: Double, energy: Double)], cells: [(volume: Double, dft: Double, model: Double)],
        equilibrium: (volume: Double, energy: Double)
    ) {
        self.curve = curve
        self.cells = cells
        self.equilibrium = equilibrium
    }

    public func svg(width: Double = 520, height: Double = 360) -> String {
        let volumes = curve.map(\.volume) + cells.map(\.volume) + [equilibrium.volume]
        let energies = curve.map(\.energy) + cells.flatMap { [$0.dft, $0.model] } + [equilibrium.energy]
        let frame = PlotFrame(
            left: 78, top: 30, width: width - 78 - 16, height: height - 30 - 50, x: paddedRange(volumes),
            y: paddedRange(energies))
        var out = svgHeader(width: width, height: height, title: "Equation of state (bcc)")
        out += frame.axes(xLabel: "volume (Å³/atom)", yLabel: "energy (eV/atom)")
        out +=
            "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
            + curve.map { "\(frame.px($0.volume)),\(frame.py($0.energy))" }.joined(separator: " ") + "\"/>\n"
        for cell in cells {
            out +=
                "<circle cx=\"\(frame.px(cell.volume))\" cy=\"\(frame.py(cell.dft))\" r=\"3\" fill=\"#d62728\"/>"
                + "<circle cx=\"\(frame.px(cell.volume))\" cy=\"\(frame.py(cell.model))\" r=\"4\" fill=\"none\""
                + " stroke=\"#1f77b4\"/>\n"
        }
        out +=
            "<circle cx=\"\(frame.px(equilibrium.volume))\" cy=\"\(frame.py(equilibrium.energy))\" r=\"7\""
            + " fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
        // Legend inside the frame, top centre (the curve rises at both sides).
        let legend: [(String, String)] = [
            (
                "<line x1=\"-8\" y1=\"-4\" x2=\"8\" y2=\"-4\" stroke=\"#1f77b4\" stroke-width=\"2\"/>",
                "model, hydrostatic"
            ),
            ("<circle cy=\"-4\" r=\"3\" fill=\"#d62728\"/>", "DFT, strained cells (\(cells.count))"),
            ("<circle cy=\"-4\" r=\"4\" fill=\"none\" stroke=\"#1f77b4\"/>", "model, same cells"),
            ("<circle cy=\"-4\" r=\"6\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>", "DFT equilibrium"),
        ]
        let x = frame.left + frame.width / 2 - 80
        for (k, (symbol, text)) in legend.enumerated() {
            let y = frame.top + 18 + 16 * Double(k)
            out += "<g transform=\"translate(\(x) \(y))\">\(symbol)</g>"
            out += "<text x=\"\(x + 14)\" y=\"\(y)\">\(escaped(text))</text>\n"
        }
        return out + "</svg>\n"
    }
}
