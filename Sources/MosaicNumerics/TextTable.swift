/// Helpers for fixed-width text tables.
public enum TextTable {
    /// `text` padded on the right to `width` characters.
    public static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
    /// Cells right-aligned in the given widths.
    public static func right(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { cell, width in
            cell.count >= width ? " " + cell : String(repeating: " ", count: width - cell.count) + cell
        }.joined()
    }
}
