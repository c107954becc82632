import Foundation

/// SVG of the components of a combined score as horizontal bars of error / scale, with an axis, dashed lines
/// at ±1 (one scale) and each bar's value printed beside it; bars beyond ±`limit` are cut and marked.
public struct ScaledErrorPlot {
    public var components: [(label: String, value: Double)]
    public var limit: Double

    public init(components: [(label: String, value: Double)], limit: Double = 4) {
        self.components = components
        self.limit = limit
    }

    public func svg(width: Double = 640) -> String {
        let rowHeight = 18.0
        let labelWidth = 7.0 * Double(components.map(\.label.count).max() ?? 10) + 12
        let left = min(labelWidth, width / 2)
        let height = 30 + Double(components.count) * rowHeight + 44
        let frame = PlotFrame(
            left: left, top: 30, width: width - left - 60, height: Double(components.count) * rowHeight,
            x: -limit...limit, y: 0...1)
        var out = svgHeader(width: width, height: height, title: "Scaled errors (error / scale; red beyond one scale)")
        let bottom = frame.top + frame.height
        out += frame.box() + frame.xAxis(label: "error / scale (signed for properties, RMSE for data)", ticks: 8)
        for v in [-1.0, 1.0] {
            out +=
                "<line x1=\"\(frame.px(v))\" y1=\"\(frame.top)\" x2=\"\(frame.px(v))\" y2=\"\(bottom)\" stroke=\"#999\""
                + " stroke-dasharray=\"4 3\"/>\n"
        }
        out +=
            "<line x1=\"\(frame.px(0))\" y1=\"\(frame.top)\" x2=\"\(frame.px(0))\" y2=\"\(bottom)\" stroke=\"#333\"/>\n"
        for (k, component) in components.enumerated() {
            let y = frame.top + Double(k) * rowHeight
            let value = component.value
            let shown = Swift.max(-limit, Swift.min(limit, value.isFinite ? value : 0))
            let x0 = frame.px(Swift.min(0, shown))
            let x1 = frame.px(Swift.max(0, shown))
            let colour = abs(value) > 1 ? "#d62728" : "#2ca02c"
            out += "<text x=\"\(left - 6)\" y=\"\(y + 13)\" text-anchor=\"end\">\(escaped(component.label))</text>"
            out += "<rect x=\"\(x0)\" y=\"\(y + 3)\" width=\"\(x1 - x0)\" height=\"12\" fill=\"\(colour)\"/>"
            let isCut = abs(value) > limit || !value.isFinite
            let number = numberLabel(value, digits: 3)
            let text = isCut ? (shown < 0 ? "◂ " + number : number + " ▸") : number
            out +=
                shown < 0
                ? "<text x=\"\(x0 - 4)\" y=\"\(y + 13)\" text-anchor=\"end\" font-size=\"11\">\(text)</text>\n"
                : "<text x=\"\(x1 + 4)\" y=\"\(y + 13)\" font-size=\"11\">\(text)</text>\n"
        }
        return out + "</svg>\n"
    }
}
