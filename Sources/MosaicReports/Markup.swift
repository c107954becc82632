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
