// A parser for the YAML subset that Hugging Face cards use in their front matter.
//
// Supported: block mappings and sequences by indentation (spaces only), sequences written at the same
// indentation as their parent key, plain, 'single-quoted' and "double-quoted" scalars (quoted ones may span
// lines), one-line or multi-line flow collections ([a, b], {k: v}), literal (|) and folded (>) block
// scalars with chomping indicators, and # comments.
// Not supported: anchors (&), aliases (*), tags (!), complex keys (?), several documents in one stream,
// and block scalars with explicit indentation indicators. Scalars stay text: `true`, `1` and `1.0` are
// returned as written, and only an empty value, `~` and `null` become `.null`.
//
// `YAMLSubset.parseDocument(_:keys:)` skips top-level entries outside `keys` even when they use
// unsupported syntax, so one odd section of a card does not block reading `configs` or `dataset_info`.

import Foundation

public indirect enum YAMLValue: Equatable, Sendable {
    case null
    case scalar(String)
    case sequence([YAMLValue])
    case mapping([YAMLEntry])

    /// Looks up the value of the first entry named `key` in a mapping.
    public subscript(key: String) -> YAMLValue? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    public var scalar: String? {
        if case .scalar(let text) = self { return text }
        return nil
    }

    public var items: [YAMLValue]? {
        if case .sequence(let items) = self { return items }
        return nil
    }

    public var entries: [YAMLEntry]? {
        if case .mapping(let entries) = self { return entries }
        return nil
    }
}

public struct YAMLEntry: Equatable, Sendable {
    public let key: String
    public let value: YAMLValue

    public init(key: String, value: YAMLValue) {
        self.key = key
        self.value = value
    }
}

/// A YAML construct that is invalid or outside the supported subset, with its 1-based line in the file.
public struct YAMLParseError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public var description: String { "YAML line \(line): \(reason)" }
}

public enum YAMLSubset {
    /// Returns the front matter of a Markdown file (the lines between a first line `---` and the next
    /// `---` or `...`) and the file line number of its first line, or nil when there is none.
    public static func frontMatter(of markdown: String) -> (text: String, firstLine: Int)? {
        var lines = splitLines(markdown)
        if let first = lines.first, first.hasPrefix("\u{FEFF}") {
            lines[0] = String(first.dropFirst())
        }
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" else { return nil }
        for index in 1..<lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if trimmed == "---" || trimmed == "..." {
                return (lines[1..<index].joined(separator: "\n"), 2)
            }
        }
        return nil
    }

    /// Parses a document whose top level is a block mapping.
    ///
    /// - Parameters:
    ///   - firstLine: the file line number of the text's first line, for error messages.
    ///   - keys: the top-level keys to keep, or nil for all. Other entries are skipped, and errors inside
    ///     them are ignored.
    public static func parseDocument(_ text: String, firstLine: Int = 1, keys: Set<String>? = nil) throws -> [YAMLEntry] {
        var parser = YAMLBlockParser(text: text, firstLine: firstLine)
        return try parser.parseTopLevel(keys: keys)
    }
}

// MARK: - Block structure

private struct YAMLLine {
    let number: Int
    var indent: Int
    /// Content after the indentation, without comments or trailing spaces; empty for blank and comment lines.
    var text: String
    let raw: String
    /// Whether the indentation contains a tab, which YAML forbids.
    let hasTabIndent: Bool
}

private struct YAMLBlockParser {
    var lines: [YAMLLine]
    var index = 0

    init(text: String, firstLine: Int) {
        lines = splitLines(text).enumerated().map { offset, raw in
            let indent = raw.prefix { $0 == " " }.count
            let afterIndent = raw.dropFirst(indent)
            let text = stripComment(String(afterIndent)).trimmingCharacters(in: .whitespaces)
            return YAMLLine(number: firstLine + offset, indent: indent, text: text, raw: raw, hasTabIndent: afterIndent.first == "\t")
        }
    }

    mutating func parseTopLevel(keys: Set<String>?) throws -> [YAMLEntry] {
        var entries: [YAMLEntry] = []
        while true {
            skipBlank()
            guard index < lines.count else { return entries }
            let start = index
            let line = lines[index]
            let key = line.indent == 0 ? splitKey(line.text)?.key : nil
            let wanted = keys == nil || key.map { keys!.contains($0) } == true
            do {
                guard key != nil else {
                    throw YAMLParseError(line: line.number, reason: "expected a top-level 'key: value' line")
                }
                let entry = try parseEntry(indent: 0)
                if wanted { entries.append(entry) }
            } catch let error as YAMLParseError {
                if wanted { throw error }
                // Skip the rest of this entry: every line up to the next top-level line.
                index = start + 1
                while index < lines.count && (lines[index].text.isEmpty || lines[index].indent > 0) {
                    index += 1
                }
            }
        }
    }

    mutating func skipBlank() {
        while index < lines.count && lines[index].text.isEmpty {
            index += 1
        }
    }

    /// Parses whatever block node starts at the next line indented at least `minIndent`; `.null` if none.
    mutating func parseNode(minIndent: Int) throws -> YAMLValue {
        skipBlank()
        guard index < lines.count, lines[index].indent >= minIndent else { return .null }
        let line = lines[index]
        if line.hasTabIndent {
            throw YAMLParseError(line: line.number, reason: "tabs are not allowed in indentation")
        }
        if isSequenceItem(line.text) {
            return try parseSequence(indent: line.indent)
        }
        if splitKey(line.text) != nil {
            return try parseMapping(indent: line.indent)
        }
        index += 1
        return try parseInlineValue(line.text, line: line, parentIndent: minIndent - 1)
    }

    mutating func parseMapping(indent: Int) throws -> YAMLValue {
        var entries: [YAMLEntry] = []
        while true {
            skipBlank()
            guard index < lines.count, lines[index].indent >= indent else { break }
            let line = lines[index]
            guard line.indent == indent else {
                throw YAMLParseError(line: line.number, reason: "unexpected indentation (\(line.indent) spaces where \(indent) were expected)")
            }
            if isSequenceItem(line.text) {
                throw YAMLParseError(line: line.number, reason: "a '- ' item where a 'key: value' line was expected")
            }
            entries.append(try parseEntry(indent: indent))
        }
        return .mapping(entries)
    }

    /// Parses one `key: value` line at `indent` and the block that belongs to it.
    mutating func parseEntry(indent: Int) throws -> YAMLEntry {
        let line = lines[index]
        if line.hasTabIndent {
            throw YAMLParseError(line: line.number, reason: "tabs are not allowed in indentation")
        }
        guard let (key, rest) = splitKey(line.text) else {
            throw YAMLParseError(line: line.number, reason: "expected 'key: value', found '\(line.text)'")
        }
        index += 1

        if rest.isEmpty {
            skipBlank()
            if index < lines.count, lines[index].indent > indent {
                return YAMLEntry(key: key, value: try parseNode(minIndent: indent + 1))
            }
            if index < lines.count, lines[index].indent == indent, isSequenceItem(lines[index].text) {
                return YAMLEntry(key: key, value: try parseSequence(indent: indent))
            }
            return YAMLEntry(key: key, value: .null)
        }
        if rest.hasPrefix("|") || rest.hasPrefix(">") {
            return YAMLEntry(key: key, value: try parseBlockScalar(header: rest, line: line, parentIndent: indent))
        }
        return YAMLEntry(key: key, value: try parseInlineValue(rest, line: line, parentIndent: indent))
    }

    mutating func parseSequence(indent: Int) throws -> YAMLValue {
        var items: [YAMLValue] = []
        while true {
            skipBlank()
            guard index < lines.count, lines[index].indent >= indent else { break }
            let line = lines[index]
            guard line.indent == indent, isSequenceItem(line.text) else {
                if line.indent > indent {
                    throw YAMLParseError(line: line.number, reason: "unexpected indentation inside a sequence")
                }
                break
            }
            let afterDash = line.text.dropFirst()
            let spaces = afterDash.prefix { $0 == " " }.count
            let rest = String(afterDash.dropFirst(spaces))
            if rest.isEmpty {
                index += 1
                items.append(try parseNode(minIndent: indent + 1))
            } else {
                // Treat the item's content as a line of its own, indented where it starts, so that
                // "- split: train" and the "  path: ..." line below it form one mapping.
                lines[index].indent = indent + 1 + spaces
                lines[index].text = rest
                items.append(try parseNode(minIndent: indent + 1))
            }
        }
        return .sequence(items)
    }

    /// Parses a `|` or `>` block scalar whose lines are indented more than `parentIndent`.
    mutating func parseBlockScalar(header: String, line: YAMLLine, parentIndent: Int) throws -> YAMLValue {
        let folded = header.hasPrefix(">")
        let indicators = header.dropFirst()
        guard indicators.allSatisfy({ $0 == "-" || $0 == "+" }) else {
            throw YAMLParseError(line: line.number, reason: "block scalar header '\(header)' is not supported (indentation indicators are not)")
        }
        var body: [String] = []
        var contentIndent: Int?
        while index < lines.count {
            let raw = lines[index].raw
            let isBlank = raw.trimmingCharacters(in: .whitespaces).isEmpty
            let indent = raw.prefix { $0 == " " }.count
            if !isBlank && indent <= parentIndent { break }
            if !isBlank && contentIndent == nil { contentIndent = indent }
            body.append(isBlank ? "" : String(raw.dropFirst(min(indent, contentIndent ?? indent))))
            index += 1
        }
        while body.last == "" && !indicators.contains("+") {
            body.removeLast()
        }

        var text: String
        if folded {
            text = ""
            for (offset, part) in body.enumerated() {
                if offset == 0 {
                    text = part
                } else if part.isEmpty || body[offset - 1].isEmpty {
                    text += "\n" + part
                } else {
                    text += " " + part
                }
            }
        } else {
            text = body.joined(separator: "\n")
        }
        if !indicators.contains("-") && !body.isEmpty {
            text += "\n"
        }
        return .scalar(text)
    }

    /// Parses a value that starts on a `key:` or `- ` line: flow collection, quoted or plain scalar,
    /// each possibly continued on following lines.
    mutating func parseInlineValue(_ text: String, line: YAMLLine, parentIndent: Int) throws -> YAMLValue {
        guard let first = text.first else { return .null }
        if first == "&" || first == "*" || first == "!" {
            throw YAMLParseError(line: line.number, reason: "anchors, aliases and tags are not supported")
        }
        if first == "[" || first == "{" {
            var joined = text
            while !flowIsClosed(joined) {
                guard index < lines.count else {
                    throw YAMLParseError(line: line.number, reason: "flow collection is not closed")
                }
                joined += " " + lines[index].text
                index += 1
            }
            return try parseFlowValue(joined, line: line.number)
        }
        if first == "\"" || first == "'" {
            var joined = text
            while quotedEnd(joined) == nil {
                guard index < lines.count else {
                    throw YAMLParseError(line: line.number, reason: "quoted string is not closed")
                }
                let continuation = lines[index].raw.trimmingCharacters(in: .whitespaces)
                joined += continuation.isEmpty ? "\n" : " " + continuation
                index += 1
            }
            return try parseFlowValue(joined, line: line.number)
        }

        // A plain scalar continues on following lines indented more than its parent.
        var value = text
        while index < lines.count {
            let next = lines[index]
            if next.text.isEmpty {
                // A blank line inside a multi-line plain scalar is a line break.
                var lookahead = index + 1
                while lookahead < lines.count && lines[lookahead].text.isEmpty { lookahead += 1 }
                guard lookahead < lines.count, lines[lookahead].indent > parentIndent else { break }
                value += "\n"
                index += 1
                continue
            }
            guard next.indent > parentIndent else { break }
            if splitKey(next.text) != nil {
                // YAML forbids ": " in a plain scalar, so this line is a mapping entry that is indented wrongly.
                throw YAMLParseError(line: next.number, reason: "unexpected indentation before '\(next.text)'")
            }
            value += (value.hasSuffix("\n") ? "" : " ") + next.text
            index += 1
        }
        return plainScalar(value)
    }
}

// MARK: - Line helpers

/// Splits text at LF, CRLF or CR. Works on Unicode scalars because Swift treats CRLF as one Character.
private func splitLines(_ text: String) -> [String] {
    var lines: [String] = []
    var current = String.UnicodeScalarView()
    var previousWasReturn = false
    for scalar in text.unicodeScalars {
        if scalar == "\n" && previousWasReturn {
            previousWasReturn = false
            continue
        }
        previousWasReturn = scalar == "\r"
        if scalar == "\n" || scalar == "\r" {
            lines.append(String(current))
            current = String.UnicodeScalarView()
        } else {
            current.append(scalar)
        }
    }
    lines.append(String(current))
    return lines
}

private func isSequenceItem(_ text: String) -> Bool {
    text == "-" || text.hasPrefix("- ")
}

/// Splits `key: rest` (the key may be quoted); nil when the line is not a mapping entry.
private func splitKey(_ text: String) -> (key: String, rest: String)? {
    guard let first = text.first, first != "[", first != "{", !isSequenceItem(text) else { return nil }
    let characters = Array(text)

    var keyEnd: Int
    var key: String
    if first == "\"" || first == "'" {
        var position = 0
        guard let quoted = try? parseQuoted(characters, &position) else { return nil }
        key = quoted
        while position < characters.count && characters[position] == " " { position += 1 }
        guard position < characters.count, characters[position] == ":" else { return nil }
        keyEnd = position
    } else {
        var found: Int?
        for position in 0..<characters.count where characters[position] == ":" {
            if position + 1 == characters.count || characters[position + 1] == " " {
                found = position
                break
            }
        }
        guard let found else { return nil }
        keyEnd = found
        key = String(characters[0..<found]).trimmingCharacters(in: .whitespaces)
    }
    guard keyEnd + 1 == characters.count || characters[keyEnd + 1] == " " else { return nil }
    let rest = String(characters[(keyEnd + 1)...]).trimmingCharacters(in: .whitespaces)
    return (key, rest)
}

/// Removes a `#` comment that starts the line or follows whitespace, outside quotes.
private func stripComment(_ text: String) -> String {
    var inSingle = false
    var inDouble = false
    var previous: Character?
    var characters = Array(text)
    var position = 0
    while position < characters.count {
        let character = characters[position]
        if inDouble {
            if character == "\\" {
                position += 2
                previous = nil
                continue
            }
            if character == "\"" { inDouble = false }
        } else if inSingle {
            if character == "'" {
                if position + 1 < characters.count && characters[position + 1] == "'" {
                    position += 2
                    continue
                }
                inSingle = false
            }
        } else {
            let atTokenStart = previous == nil || previous!.isWhitespace || "[{,:-?".contains(previous!)
            if character == "#" && (previous == nil || previous!.isWhitespace) {
                characters.removeSubrange(position...)
                break
            }
            if character == "\"" && atTokenStart { inDouble = true }
            if character == "'" && atTokenStart { inSingle = true }
        }
        previous = character
        position += 1
    }
    return String(characters)
}

private func plainScalar(_ text: String) -> YAMLValue {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty || trimmed == "~" || trimmed == "null" || trimmed == "Null" || trimmed == "NULL" {
        return .null
    }
    return .scalar(trimmed)
}

// MARK: - Flow values and quoted scalars

/// Checks whether every bracket opened outside quotes is closed.
private func flowIsClosed(_ text: String) -> Bool {
    var depth = 0
    var position = 0
    let characters = Array(text)
    while position < characters.count {
        let character = characters[position]
        if character == "\"" || character == "'" {
            var end = position
            if (try? parseQuoted(characters, &end)) == nil { return false }
            position = end
            continue
        }
        if character == "[" || character == "{" { depth += 1 }
        if character == "]" || character == "}" { depth -= 1 }
        position += 1
    }
    return depth <= 0
}

/// Finds the index after the closing quote of the quoted scalar that starts `text`, or nil when it is unclosed.
private func quotedEnd(_ text: String) -> Int? {
    var position = 0
    return (try? parseQuoted(Array(text), &position)) != nil ? position : nil
}

private struct UnclosedQuote: Error {}

/// Parses a quoted scalar starting at `position`, leaving `position` after the closing quote.
private func parseQuoted(_ characters: [Character], _ position: inout Int) throws -> String {
    let quote = characters[position]
    position += 1
    var result = ""
    while position < characters.count {
        let character = characters[position]
        if quote == "'" {
            if character == "'" {
                if position + 1 < characters.count && characters[position + 1] == "'" {
                    result.append("'")
                    position += 2
                    continue
                }
                position += 1
                return result
            }
            result.append(character)
            position += 1
            continue
        }
        if character == "\"" {
            position += 1
            return result
        }
        if character == "\\" && position + 1 < characters.count {
            let escape = characters[position + 1]
            position += 2
            switch escape {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "0": result.append("\0")
            case "\"", "\\", "/", " ": result.append(escape)
            case "x", "u", "U":
                var width = 8
                if escape == "x" { width = 2 }
                if escape == "u" { width = 4 }
                guard position + width <= characters.count,
                      let code = UInt32(String(characters[position..<position + width]), radix: 16),
                      let scalar = Unicode.Scalar(code)
                else { throw UnclosedQuote() }
                result.unicodeScalars.append(scalar)
                position += width
            default:
                result.append("\\")
                result.append(escape)
            }
            continue
        }
        result.append(character)
        position += 1
    }
    throw UnclosedQuote()
}

/// Parses a complete flow value (collection or scalar) and rejects trailing text.
private func parseFlowValue(_ text: String, line: Int) throws -> YAMLValue {
    var parser = YAMLFlowParser(characters: Array(text), line: line)
    let value = try parser.parseValue(terminators: [])
    parser.skipSpaces()
    guard parser.position == parser.characters.count else {
        throw YAMLParseError(line: line, reason: "unexpected text after a value: '\(String(parser.characters[parser.position...]))'")
    }
    return value
}

private struct YAMLFlowParser {
    let characters: [Character]
    let line: Int
    var position = 0

    init(characters: [Character], line: Int) {
        self.characters = characters
        self.line = line
    }

    mutating func skipSpaces() {
        while position < characters.count && characters[position].isWhitespace {
            position += 1
        }
    }

    mutating func parseValue(terminators: Set<Character>) throws -> YAMLValue {
        skipSpaces()
        guard position < characters.count else { return .null }
        switch characters[position] {
        case "[":
            return try parseSequence()
        case "{":
            return try parseMapping()
        case "\"", "'":
            do {
                return .scalar(try parseQuoted(characters, &position))
            } catch {
                throw YAMLParseError(line: line, reason: "invalid quoted string")
            }
        case "&", "*", "!":
            throw YAMLParseError(line: line, reason: "anchors, aliases and tags are not supported")
        default:
            let start = position
            while position < characters.count && !terminators.contains(characters[position]) {
                position += 1
            }
            return plainScalar(String(characters[start..<position]))
        }
    }

    mutating func parseSequence() throws -> YAMLValue {
        position += 1
        var items: [YAMLValue] = []
        while true {
            skipSpaces()
            guard position < characters.count else { throw YAMLParseError(line: line, reason: "'[' is not closed") }
            if characters[position] == "]" {
                position += 1
                return .sequence(items)
            }
            items.append(try parseValue(terminators: [",", "]"]))
            skipSpaces()
            if position < characters.count && characters[position] == "," { position += 1 }
        }
    }

    mutating func parseMapping() throws -> YAMLValue {
        position += 1
        var entries: [YAMLEntry] = []
        while true {
            skipSpaces()
            guard position < characters.count else { throw YAMLParseError(line: line, reason: "'{' is not closed") }
            if characters[position] == "}" {
                position += 1
                return .mapping(entries)
            }
            let keyValue = try parseValue(terminators: [":", ",", "}"])
            guard let key = keyValue.scalar ?? (keyValue == .null ? "" : nil) else {
                throw YAMLParseError(line: line, reason: "a flow mapping key must be a scalar")
            }
            skipSpaces()
            var value = YAMLValue.null
            if position < characters.count && characters[position] == ":" {
                position += 1
                value = try parseValue(terminators: [",", "}"])
            }
            entries.append(YAMLEntry(key: key, value: value))
            skipSpaces()
            if position < characters.count && characters[position] == "," { position += 1 }
        }
    }
}
