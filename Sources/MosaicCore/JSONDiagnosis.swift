/// Says where a JSON text goes wrong in the ways real files do (Foundation's decoder only says "not
/// valid JSON"): an empty file, a file that ends inside an unfinished value (truncated), and
/// `NaN`/`Infinity` tokens (written by some tools, not JSON). Returns nil when it finds none of these.
public enum JSONDiagnosis {
    public static func describe(_ bytes: [UInt8]) -> String? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return "the file is empty" }
        var line = 1
        var column = 0
        var depth = 0
        var inString = false
        var escaped = false
        var k = 0
        while k < bytes.count {
            let byte = bytes[k]
            column += 1
            if byte == 0x0A {
                line += 1
                column = 0
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                }
            } else {
                switch byte {
                case 0x22: inString = true
                case 0x5B, 0x7B: depth += 1
                case 0x5D, 0x7D: depth -= 1
                case 0x4E, 0x6E, 0x49, 0x2D:  // N, n, I, -: NaN, nan, Infinity, -Infinity
                    for token in ["NaN", "nan", "Infinity", "-Infinity", "inf", "-inf"] {
                        let utf8 = Array(token.utf8)
                        if bytes.count >= k + utf8.count, Array(bytes[k..<k + utf8.count]) == utf8 {
                            return "line \(line), column \(column): '\(token)' is not a JSON number"
                                + " (write null, or drop the entry)"
                        }
                    }
                default: break
                }
            }
            k += 1
        }
        if inString { return "the file ends inside a string at line \(line) (truncated?)" }
        if depth > 0 {
            return "the file ends at line \(line) inside \(depth) unfinished array(s) or object(s) (truncated?)"
        }
        return nil
    }
}
