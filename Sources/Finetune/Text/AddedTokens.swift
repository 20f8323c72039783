/// A token matched in the text before any other processing, such as `<s>`, `<mask>` or `[SEP]`.
///
/// Fields mirror `tokenizers`' `AddedToken`: `leftStrip`/`rightStrip` make the match swallow the
/// whitespace before/after it, `singleWord` rejects matches inside a word, and `normalized` tokens are
/// matched against the normalised text instead of the raw text.
struct AddedToken: Sendable, Equatable {
    var content: String
    var id: Int32
    var singleWord: Bool
    var leftStrip: Bool
    var rightStrip: Bool
    var normalized: Bool
    /// Special tokens are skipped by `decode`.
    var special: Bool

    init(
        content: String, id: Int32, singleWord: Bool = false, leftStrip: Bool = false, rightStrip: Bool = false,
        normalized: Bool = false, special: Bool = true
    ) {
        self.content = content
        self.id = id
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized
        self.special = special
    }
}

/// Splits text on added tokens, as `tokenizers`' `AddedVocabulary::extract_and_normalize` does.
///
/// Special-token strings typed inside the text are therefore encoded as those tokens: "a</s>b" gives the
/// id of `</s>` between "a" and "b", as `transformers` does by default (`split_special_tokens=False`).
/// Matching is leftmost-longest over the raw text for tokens with `normalized == false`, then over each
/// normalised remaining piece for tokens with `normalized == true`.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher

    /// `normalizedContent` gives the normalised form of a `normalized` token's content; it is matched
    /// against normalised text.
    init(tokens: [AddedToken], normalizedContent: (String) -> String) {
        self.tokens = tokens
        rawMatcher = AddedTokenMatcher(patterns: tokens.filter { !$0.normalized }.map { ($0.content, $0) })
        normalizedMatcher = AddedTokenMatcher(
            patterns: tokens.filter(\.normalized).map { (normalizedContent($0.content), $0) })
    }

    /// Calls `body(start, end, id)` for each piece of raw `text`: `id` is the added token's id, or nil for
    /// text between matches. Empty pieces are skipped.
    func splitRaw(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32?) -> Void) {
        rawMatcher.split(text, body)
    }

    /// Same as `splitRaw`, for normalised text and the `normalized` tokens.
    func splitNormalized(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32?) -> Void) {
        normalizedMatcher.split(text, body)
    }
}

/// Leftmost-longest matcher over a small set of byte patterns.
struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var token: AddedToken
    }

    /// Patterns grouped by first byte, longest first.
    private let patternsByFirstByte: [[Pattern]]
    /// True at each byte that starts some pattern, so the scan skips other bytes without touching the groups.
    private let startsPattern: [Bool]
    let isEmpty: Bool

    init(patterns: [(String, AddedToken)]) {
        var groups = [[Pattern]](repeating: [], count: 256)
        var byContent: [String: AddedToken] = [:]
        for (content, token) in patterns where !content.isEmpty { byContent[content] = token }
        for (content, token) in byContent {
            let bytes = Array(content.utf8)
            groups[Int(bytes[0])].append(Pattern(bytes: bytes, token: token))
        }
        for index in groups.indices {
            groups[index].sort { $0.bytes.count > $1.bytes.count || ($0.bytes.count == $1.bytes.count && $0.bytes.lexicographicallyPrecedes($1.bytes)) }
        }
        patternsByFirstByte = groups
        startsPattern = groups.map { !$0.isEmpty }
        isEmpty = byContent.isEmpty
    }

    /// The longest pattern that matches at `index`.
    @inline(__always)
    private func longestMatch(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Pattern? {
        let candidates = patternsByFirstByte[Int(text[index])]
        let remaining = text.count - index
        for pattern in candidates where pattern.bytes.count <= remaining {
            let matches = pattern.bytes.withUnsafeBufferPointer {
                memoryEquals($0.baseAddress!, text.baseAddress! + index, $0.count)
            }
            if matches { return pattern }
        }
        return nil
    }

    func split(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32?) -> Void) {
        let count = text.count
        if count == 0 { return }
        if isEmpty {
            body(0, count, nil)
            return
        }
        startsPattern.withUnsafeBufferPointer { starts in
            splitMatches(text, starts: starts, body)
        }
    }

    private func splitMatches(_ text: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Bool>, _ body: (Int, Int, Int32?) -> Void) {
        let count = text.count
        var pieceStart = 0      // end of the previous emitted piece (`start_offset` in tokenizers)
        var searchFrom = 0
        while searchFrom < count {
            guard starts[Int(text[searchFrom])], let pattern = longestMatch(text, at: searchFrom) else {
                searchFrom += 1
                continue
            }
            var start = searchFrom
            var stop = searchFrom + pattern.bytes.count
            searchFrom = stop
            let token = pattern.token

            if token.singleWord {
                let wordBefore = start > 0 && endsWithWordCharacter(text, before: start)
                let wordAfter = stop < count && startsWithWordCharacter(text, at: stop)
                if wordBefore || wordAfter { continue }
            }
            if token.leftStrip {
                start = max(startOfTrailingWhitespace(text, before: start), pieceStart)
            }
            if token.rightStrip {
                stop = endOfLeadingWhitespace(text, from: stop)
            }
            if pieceStart < start { body(pieceStart, start, nil) }
            body(start, stop, token.id)
            pieceStart = stop
            // The next search starts at the end of the match before right-stripping, as in tokenizers
            // (daachorse's iterator resumes after the raw match).
        }
        if pieceStart < count { body(pieceStart, count, nil) }
    }

    // Regex `\w` and `\s` of the Rust `regex` crate, which `tokenizers` uses for these checks.

    private func endsWithWordCharacter(_ text: UnsafeBufferPointer<UInt8>, before index: Int) -> Bool {
        var start = index - 1
        while start > 0 && text[start] & 0xC0 == 0x80 { start -= 1 }
        return isWordCharacter(decodeScalar(text, at: start).value)
    }

    private func startsWithWordCharacter(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        isWordCharacter(decodeScalar(text, at: index).value)
    }

    private func startOfTrailingWhitespace(_ text: UnsafeBufferPointer<UInt8>, before index: Int) -> Int {
        var start = index
        while start > 0 {
            var previous = start - 1
            while previous > 0 && text[previous] & 0xC0 == 0x80 { previous -= 1 }
            guard let scalar = Unicode.Scalar(decodeScalar(text, at: previous).value),
                  scalar.properties.isWhitespace else { break }
            start = previous
        }
        return start
    }

    private func endOfLeadingWhitespace(_ text: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var end = index
        while end < text.count {
            let decoded = decodeScalar(text, at: end)
            guard let scalar = Unicode.Scalar(decoded.value), scalar.properties.isWhitespace else { break }
            end += decoded.length
        }
        return end
    }
}

/// Rust regex `\w`: Alphabetic, Mark, Decimal_Number, Connector_Punctuation or Join_Control, with the
/// Unicode 16.0 tables of the `regex` crate in `tokenizers` 0.23 (later characters do not match).
func isWordCharacter(_ value: UInt32) -> Bool {
    guard let scalar = Unicode.Scalar(value), HFUnicode.isAssigned(scalar.properties, byMajor: 16, minor: 0) else {
        return false
    }
    let properties = scalar.properties
    if properties.isAlphabetic || properties.isJoinControl { return true }
    switch properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
        return true
    default:
        return false
    }
}
