import Foundation

/// An SVG of an eigenvalue spectrum on a log scale (one line per eigenvalue, relative to the
/// largest), with the sloppy threshold marked: the classic "sloppy model" picture.
public func spectrumSVG(eigenvalues: [Double], threshold: Double, title: String) -> String {
    let finite = eigenvalues.filter(\.isFinite)
    let largest = finite.max() ?? 0
    guard largest > 0 else {
        return svgHeader(width: 360, height: 60, title: title, titleY: 20)
            + "<text x=\"10\" y=\"45\">no positive finite eigenvalue to plot</text>\n</svg>\n"
    }
    let relative = finite.map { max($0 / largest, 1e-20) }
    let low = floor(log10(relative.min() ?? 1e-12)) - 1
    let width = 360.0
    let height = 480.0
    let left = 70.0
    let top = 40.0
    let plot = height - top - 30
    func y(_ v: Double) -> Double { top + (0 - log10(v)) / (0 - low) * plot }
    var out = svgHeader(width: width, height: height, title: title, titleY: 20)
    out += """
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + plot)" stroke="#333"/>

        """
    for decade in stride(from: 0, through: Int(low), by: -2) {
        let v = pow(10, Double(decade))
        out += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">1e\(decade)</text>\n"
        out += "<line x1=\"\(left - 3)\" y1=\"\(y(v))\" x2=\"\(left)\" y2=\"\(y(v))\" stroke=\"#333\"/>\n"
    }
    out +=
        "<line x1=\"\(left)\" y1=\"\(y(threshold))\" x2=\"\(width - 20)\" y2=\"\(y(threshold))\""
        + " stroke=\"#d62728\" stroke-dasharray=\"5 3\"/>\n"
    out +=
        "<text x=\"\(width - 20)\" y=\"\(y(threshold) - 4)\" text-anchor=\"end\" fill=\"#d62728\">sloppy below"
        + " \(String(format: "%.0e", threshold))</text>\n"
    for v in relative {
        let colour = v < threshold ? "#d62728" : "#1f77b4"
        out +=
            "<line x1=\"\(left + 40)\" y1=\"\(String(format: "%.2f", y(v)))\" x2=\"\(left + 160)\""
            + " y2=\"\(String(format: "%.2f", y(v)))\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
    }
    out +=
        "<text x=\"\(left + 100)\" y=\"\(height - 8)\" text-anchor=\"middle\">λ / λ_max (\(eigenvalues.count)"
        + " modes)</text>\n</svg>\n"
    return out
}
