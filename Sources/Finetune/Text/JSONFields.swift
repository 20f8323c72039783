import Foundation

/// A JSON object whose accessors throw `TokenizerError` naming the file and the dotted field path.
///
/// Tokenizer files are loosely typed (a special token is a string in one file and an object in another,
/// components are tagged unions), so they are read field by field instead of through `Codable`.
struct JSONFields {
    let path: String
    let field: String
    let members: [(key: String, value: JSONValue)]

    /// Reads and parses the JSON object in `url`.
    static func read(_ url: URL) throws -> JSONFields {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let bytes = [UInt8](data)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "not valid UTF-8")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes)
        } catch {
            throw TokenizerError.malformedJSON(
                path: url.path, field: "(document)", reason: "not valid JSON at byte \(error.offset): \(error.reason)")
        }
        guard case let .object(members) = parsed else {
            throw TokenizerError.malformedJSON(path: url.path, field: "(document)", reason: "expected a JSON object")
        }
        return JSONFields(path: url.path, field: "", members: members)
    }

    func fieldPath(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

    /// Returns the last member named `key`, null included, comparing keys byte for byte.
    func member(_ key: String) -> JSONValue? {
        members.last(where: { $0.key.utf8.elementsEqual(key.utf8) })?.value
    }

    /// Returns the value of `key`, or nil when it is absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = member(key) else { return nil }
        if case .null = value { return nil }
        return value
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    private func typeError(_ key: String, _ expected: String, _ value: JSONValue) -> TokenizerError {
        .malformedJSON(path: path, field: fieldPath(key), reason: "expected \(expected), found \(value.summary)")
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(string) = value else { throw typeError(key, "a string", value) }
        return string
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case let .bool(flag) = value else { throw typeError(key, "true or false", value) }
        return flag
    }

    func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard case let .integer(number) = value else { throw typeError(key, "an integer", value) }
        return number
    }

    /// Reads a number of any size as `Double`, because `model_max_length` can be 1e30.
    func number(_ key: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        switch value {
        case let .integer(number): return Double(number)
        case let .double(number): return number
        default: throw typeError(key, "a number", value)
        }
    }

    func object(_ key: String) throws -> JSONFields? {
        guard let value = value(key) else { return nil }
        guard case let .object(members) = value else { throw typeError(key, "an object", value) }
        return JSONFields(path: path, field: fieldPath(key), members: members)
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case let .array(elements) = value else { throw typeError(key, "an array", value) }
        return elements
    }

    func requireString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        return value
    }

    func requireObject(_ key: String) throws -> JSONFields {
        guard let value = try object(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        return value
    }

    func requireArray(_ key: String) throws -> [JSONValue] {
        guard let value = try array(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        return value
    }

    /// Wraps the element at `index` of the array field `key` as an object.
    func element(_ key: String, _ index: Int, _ value: JSONValue) throws -> JSONFields {
        guard case let .object(members) = value else {
            throw TokenizerError.malformedJSON(
                path: path, field: "\(fieldPath(key))[\(index)]", reason: "expected an object, found \(value.summary)")
        }
        return JSONFields(path: path, field: "\(fieldPath(key))[\(index)]", members: members)
    }

    /// Reads the `{"token": id}` object of field `key`, such as a vocabulary.
    func vocabulary(_ key: String) throws -> Vocabulary {
        guard let value = value(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        guard case let .object(entries) = value else { throw typeError(key, "an object of token ids", value) }
        return try Self.vocabulary(entries, path: path, field: fieldPath(key))
    }

    /// Reads this whole object as `{"token": id}`, the layout of vocab.json.
    func vocabularyObject() throws -> Vocabulary {
        try Self.vocabulary(members, path: path, field: field.isEmpty ? "(document)" : field)
    }

    private static func vocabulary(_ entries: [(key: String, value: JSONValue)], path: String, field: String) throws -> Vocabulary {
        var vocabulary = Vocabulary(minimumCapacity: entries.count)
        for (token, id) in entries {
            guard case let .integer(number) = id, number >= 0, number <= maxTokenId else {
                throw TokenizerError.malformedJSON(
                    path: path, field: "\(field)[\"\(token)\"]",
                    reason: "expected an integer id from 0 to \(maxTokenId), found \(id.summary)")
            }
            vocabulary.insert(token, id: Int32(number))
        }
        return vocabulary
    }
}

/// Largest token id accepted (2^24 - 1): decoding tables are indexed by id, and no vocabulary comes near it.
let maxTokenId = 16_777_215

extension JSONValue {
    /// Short rendering for error messages.
    var summary: String {
        switch self {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .string(string): return "\"\(string.prefix(60))\""
        case let .integer(number): return "\(number)"
        case let .double(number): return "\(number)"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Token strings and ids of a model vocabulary, compared byte for byte.
///
/// A `[String: Int32]` dictionary would merge canonically equivalent tokens such as "é" and "e\u{301}",
/// which `tokenizers` keeps apart. A repeated token keeps its last id, as Rust's `HashMap::insert` does.
struct Vocabulary: Sendable {
    private(set) var table: ByteStringTable
    /// Token of each id; when two tokens share an id, the later one.
    private(set) var tokens: [Int32: String] = [:]

    init(minimumCapacity: Int = 16) {
        table = ByteStringTable(minimumCapacity: minimumCapacity)
        tokens.reserveCapacity(minimumCapacity)
    }

    /// Number of distinct tokens.
    var count: Int { table.count }

    mutating func insert(_ token: String, id: Int32) {
        if let previous = table.insert(token.utf8, value: id), previous != id,
           let old = tokens[previous], sameBytes(old, token) {
            tokens[previous] = nil
        }
        tokens[id] = token
    }

    func id(_ token: String) -> Int32? {
        var copy = token
        return copy.withUTF8 { buffer in
            withUnsafePointer(to: 0 as UInt8) { table.value(buffer.baseAddress ?? $0, buffer.count) }
        }
    }
}

/// True when both strings have the same UTF-8 bytes (Swift's `==` also accepts canonically equivalent text).
func sameBytes(_ left: String, _ right: String) -> Bool {
    left.utf8.elementsEqual(right.utf8)
}
