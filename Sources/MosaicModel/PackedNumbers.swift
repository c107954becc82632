import Foundation

/// Compact encodings of the large matrices of a potential file's uncertainty section (format 4 on): an
/// array of doubles as the base64 text of its IEEE-754 little-endian bytes (exact, about half the size of
/// 17-digit decimals; numpy reads it as `np.frombuffer(base64.b64decode(s), "<f8")`), and a symmetric
/// matrix as its upper triangle row by row.
public enum PackedNumbers {
    /// The key of `JSONEncoder.userInfo` / `JSONDecoder.userInfo` that carries the format version of the
    /// potential file being written or read (the uncertainty section's layout depends on it).
    public static let formatVersionKey = CodingUserInfoKey(rawValue: "mosaicPotentialFormatVersion")!

    /// Whether an encoder with this `userInfo` writes the packed layout: potential files of format 4 on, and
    /// anything that is not a potential file (no version given). Older formats are written as they were, in full
    /// JSON numbers, so that their content hashes still hold.
    public static func packs(_ userInfo: [CodingUserInfoKey: Any]) -> Bool {
        (userInfo[formatVersionKey] as? Int).map { $0 >= 4 } ?? true
    }

    /// Base64 of the little-endian bytes of `values`.
    public static func base64(_ values: [Double]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes += $0 }
        }
        return Data(bytes).base64EncodedString()
    }

    /// The doubles of a `base64` string; nil if it is not base64 of a whole number of doubles.
    public static func doubles(base64 text: String) -> [Double]? {
        guard let data = Data(base64Encoded: text), data.count % 8 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map { k in
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)))
            }
        }
    }

    /// The upper triangle (row by row, diagonal included) of a symmetric n × n row-major matrix.
    public static func upperTriangle(_ matrix: [Double], _ n: Int) -> [Double] {
        var packed = [Double]()
        packed.reserveCapacity(n * (n + 1) / 2)
        for i in 0..<n { packed += matrix[(i * n + i)..<((i + 1) * n)] }
        return packed
    }

    /// The symmetric n × n row-major matrix of an `upperTriangle`; nil if the count is not n(n+1)/2.
    public static func symmetric(upperTriangle packed: [Double], _ n: Int) -> [Double]? {
        guard packed.count == n * (n + 1) / 2 else { return nil }
        var matrix = [Double](repeating: 0, count: n * n)
        var k = 0
        for i in 0..<n {
            for j in i..<n {
                matrix[i * n + j] = packed[k]
                matrix[j * n + i] = packed[k]
                k += 1
            }
        }
        return matrix
    }
}

extension KeyedDecodingContainer {
    /// An array of doubles written either as JSON numbers or as `PackedNumbers.base64` text.
    func decodeNumbers(forKey key: Key) throws -> [Double] {
        if let text = try? decode(String.self, forKey: key) {
            guard let values = PackedNumbers.doubles(base64: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: self, debugDescription: "not base64 of little-endian doubles")
            }
            return values
        }
        return try decode([Double].self, forKey: key)
    }

    func decodeNumbersIfPresent(forKey key: Key) throws -> [Double]? {
        try contains(key) ? decodeNumbers(forKey: key) : nil
    }

    /// A symmetric n × n matrix written as the packed upper triangle (numbers or base64) or in full.
    func decodeSymmetric(forKey key: Key, order n: Int) throws -> [Double] {
        let values = try decodeNumbers(forKey: key)
        if values.count == n * n { return values }
        guard let matrix = PackedNumbers.symmetric(upperTriangle: values, n) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "expected \(n * (n + 1) / 2) numbers (upper triangle of \(n) × \(n)), found \(values.count)")
        }
        return matrix
    }
}

extension KeyedEncodingContainer {
    /// A symmetric n × n matrix as `decodeSymmetric` reads it: its upper triangle as base64 doubles, or, if it is
    /// not n × n, as it is, for the reader's validation to name.
    mutating func encodeSymmetric(_ matrix: [Double], order n: Int, forKey key: Key) throws {
        guard matrix.count == n * n else { return try encode(matrix, forKey: key) }
        try encode(PackedNumbers.base64(PackedNumbers.upperTriangle(matrix, n)), forKey: key)
    }
}
