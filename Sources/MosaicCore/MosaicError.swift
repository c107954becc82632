/// An error a user can act on: where it happened (file, line or entry), what is wrong, how to fix it.
public struct MosaicError: Error, CustomStringConvertible, Equatable {
    /// The file (or other source) the problem is in, if any.
    public var file: String?
    /// Where inside the file: "line 12", "entry 7 (frame 3)", "term 'pair'".
    public var location: String?
    /// What is wrong.
    public var message: String
    /// What the user can do about it.
    public var fix: String?

    public init(file: String? = nil, location: String? = nil, _ message: String, fix: String? = nil) {
        self.file = file
        self.location = location
        self.message = message
        self.fix = fix
    }

    public var description: String {
        var head = ""
        if let file { head += file }
        if let location { head += head.isEmpty ? location : ", \(location)" }
        var text = head.isEmpty ? message : "\(head): \(message)"
        if let fix { text += " (fix: \(fix))" }
        return text
    }

    /// The same error, attributed to a file when it was raised without one.
    public func inFile(_ name: String) -> MosaicError {
        var copy = self
        if copy.file == nil { copy.file = name }
        return copy
    }
}

/// A readable one-line description of a decoding error with its key path.
public func describeDecodingError(_ error: DecodingError) -> String {
    func path(_ codingPath: [CodingKey]) -> String {
        let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "the top level" : String(text.drop(while: { $0 == "." }))
    }
    switch error {
    case .keyNotFound(let key, let context):
        let parent = path(context.codingPath)
        return "missing key '\(key.stringValue)' in \(parent)"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "wrong value at \(path(context.codingPath)): \(context.debugDescription)"
    case .dataCorrupted(let context):
        return "bad value at \(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
        return "malformed file"
    }
}
