import Foundation

/// Text placed in SVG or HTML with `&`, `<`, `>` and `"` escaped. Every writer in this module passes
/// the text it did not write itself (titles, labels, names, file paths) through here.
public func escaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(character)
        }
    }
    return out
}

/// The opening of an SVG document on a white background, with an optional bold title at (10, `titleY`).
func svgHeader(width: Double, height: Double, title: String? = nil, titleY: Double = 18) -> String {
    var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif"\
         font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
    if let title {
        out += "<text x=\"10\" y=\"\(titleY)\" font-size=\"13\" font-weight=\"bold\">\(escaped(title))</text>\n"
    }
    return out
}

/// Tick values at a round step (1, 2 or 5 × 10^k) inside [low, high], about `count` of them.
func roundTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    let raw = (high - low) / Double(count)
    let magnitude = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    let first = (low / step).rounded(.up) * step
    return Swift.stride(from: first, through: high + 1e-9 * step, by: step).map { abs($0) < 1e-12 * step ? 0 : $0 }
}

/// A number as a tick or legend label: `digits` significant digits, no "-0".
func numberLabel(_ v: Double, digits: Int = 6) -> String {
    let text = String(format: "%.\(digits)g", v)
    return text == "-0" ? "0" : text
}

/// The plot area of an SVG chart with linear axes: maps data to pixels and draws the frame, tick marks
/// with round values and the axis titles (x below, y rotated at the left edge).
struct PlotFrame {
    /// Plot area in pixels.
    var left: Double
    var top: Double
    var width: Double
    var height: Double
    /// Data ranges of the axes.
    var x: ClosedRange<Double>
    var y: ClosedRange<Double>

    func px(_ v: Double) -> Double { left + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * width }
    func py(_ v: Double) -> Double { top + height - (v - y.lowerBound) / (y.upperBound - y.lowerBound) * height }

    /// The frame, ticks, tick labels and axis titles.
    func axes(xLabel: String, yLabel: String) -> String { box() + xAxis(label: xLabel) + yAxis(label: yLabel) }

    /// The frame around the plot area.
    func box() -> String {
        "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\" fill=\"none\" stroke=\"#333\"/>\n"
    }

    /// Ticks with round values (about `ticks` of them) and the title below the plot area.
    func xAxis(label: String, ticks: Int = 5) -> String {
        let bottom = top + height
        var out = ""
        for v in roundTicks(x.lowerBound, x.upperBound, count: ticks) {
            out +=
                "<line x1=\"\(px(v))\" y1=\"\(bottom)\" x2=\"\(px(v))\" y2=\"\(bottom + 4)\" stroke=\"#333\"/>"
                + "<text x=\"\(px(v))\" y=\"\(bottom + 17)\" text-anchor=\"middle\">\(numberLabel(v))</text>\n"
        }
        return out
            + "<text x=\"\(left + width / 2)\" y=\"\(bottom + 36)\" text-anchor=\"middle\">\(escaped(label))</text>\n"
    }

    /// Ticks with round values and the title rotated at the left edge.
    func yAxis(label: String) -> String {
        var out = ""
        for v in roundTicks(y.lowerBound, y.upperBound) {
            out +=
                "<line x1=\"\(left - 4)\" y1=\"\(py(v))\" x2=\"\(left)\" y2=\"\(py(v))\" stroke=\"#333\"/>"
                + "<text x=\"\(left - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(numberLabel(v))</text>\n"
        }
        return out
            + "<text x=\"14\" y=\"\(top + height / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 14"
            + " \(top + height / 2))\">\(escaped(label))</text>\n"
    }
}

/// A data range widened by `padding` of its width on each side (one unit when the values are all equal).
func paddedRange(_ values: [Double], padding: Double = 0.05) -> ClosedRange<Double> {
    let finite = values.filter(\.isFinite)
    guard var low = finite.min(), var high = finite.max() else { return 0...1 }
    if high - low < 1e-12 {
        low -= 0.5
        high += 0.5
    }
    let pad = padding * (high - low)
    return (low - pad)...(high + pad)
}
