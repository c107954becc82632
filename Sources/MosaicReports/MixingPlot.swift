import Foundation
import MosaicProperties

/// SVG of formation energy against composition: every alloy cell by DFT (filled red) and by the model on the
/// same geometry (open blue), with the mean of each composition joined by a line for each.
public func mixingSVG(_ mixing: MixingEnergies, title: String) -> String {
    let width = 560.0
    let height = 380.0
    let values: [Double] = mixing.cells.flatMap { [$0.dft * 1000, $0.model * 1000] } + [0.0]
    let frame = PlotFrame(
        left: 78, top: 30, width: width - 78 - 16, height: height - 30 - 50, x: -0.02...1.02, y: paddedRange(values))
    var out = svgHeader(width: width, height: height, title: title)
    out += frame.axes(
        xLabel: "atom fraction of \(mixing.elements[0])", yLabel: "formation energy (meV/atom)")
    out +=
        "<line x1=\"\(frame.px(-0.02))\" y1=\"\(frame.py(0))\" x2=\"\(frame.px(1.02))\" y2=\"\(frame.py(0))\""
        + " stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
    for cell in mixing.cells {
        out +=
            "<circle cx=\"\(frame.px(cell.fraction))\" cy=\"\(frame.py(cell.dft * 1000))\" r=\"2.5\" fill=\"#d62728\""
            + " fill-opacity=\"0.6\"/>"
            + "<circle cx=\"\(frame.px(cell.fraction))\" cy=\"\(frame.py(cell.model * 1000))\" r=\"3.5\" fill=\"none\""
            + " stroke=\"#1f77b4\"/>\n"
    }
    for (colour, mean) in [("#d62728", \MixingEnergies.Row.dft), ("#1f77b4", \MixingEnergies.Row.model)] {
        out +=
            "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\""
            + mixing.rows.map { "\(frame.px($0.fraction)),\(frame.py($0[keyPath: mean] * 1000))" }
            .joined(separator: " ") + "\"/>\n"
    }
    // The legend in the corner of the frame with the fewest points under it.
    let legend = [("#d62728", "DFT (cells, composition mean)"), ("#1f77b4", "model, same cells")]
    let (boxWidth, boxHeight) = (200.0, 36.0)
    let corners = [false, true].flatMap { right in [false, true].map { bottom in (right, bottom) } }
    func box(_ corner: (Bool, Bool)) -> (x: Double, y: Double) {
        (
            corner.0 ? frame.left + frame.width - boxWidth - 6 : frame.left + 6,
            corner.1 ? frame.top + frame.height - boxHeight - 6 : frame.top + 6
        )
    }
    let points = mixing.cells.flatMap { c in
        [(frame.px(c.fraction), frame.py(c.dft * 1000)), (frame.px(c.fraction), frame.py(c.model * 1000))]
    }
    let corner = corners.min { a, b in
        func covered(_ corner: (Bool, Bool)) -> Int {
            let (x, y) = box(corner)
            return points.filter { $0.0 >= x && $0.0 <= x + boxWidth && $0.1 >= y && $0.1 <= y + boxHeight }.count
        }
        return covered(a) < covered(b)
    }!
    let origin = box(corner)
    for (k, (colour, text)) in legend.enumerated() {
        out +=
            "<text x=\"\(origin.x + 4)\" y=\"\(origin.y + 14 + 15 * Double(k))\" fill=\"\(colour)\">"
            + "\(escaped(text))</text>\n"
    }
    return out + "</svg>\n"
}
