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
