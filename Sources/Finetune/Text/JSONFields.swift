import Foundation

/// A JSON object read with `JSONSerialization`, whose accessors throw `TokenizerError` naming the file and
/// the dotted field path.
///
/// Tokenizer files are loosely typed (a special token is a string in one file and an object in another,
/// components are tagged unions), so they are read field by field instead of through `Codable`.
struct JSONFields {
    let path: String
    let field: String
    let values: [String: Any]

    /// Reads and parses the JSON object in `url`.
    static func read(_ url: URL) throws -> JSONFields {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizerError.malformedJSON(path: url.path, field: "(document)", reason: "not valid JSON (\(error))")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.malformedJSON(path: url.path, field: "(document)", reason: "expected a JSON object")
        }
        return JSONFields(path: url.path, field: "", values: object)
    }

    func fieldPath(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

    func has(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return !(value is NSNull)
    }

    private func present(_ key: String) -> Any? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    private func typeError(_ key: String, _ expected: String, _ value: Any) -> TokenizerError {
        .malformedJSON(path: path, field: fieldPath(key), reason: "expected \(expected), found \(describeJSON(value))")
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let string = value as? String else { throw typeError(key, "a string", value) }
        return string
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard isJSONBool(value), let flag = value as? Bool else { throw typeError(key, "true or false", value) }
        return flag
    }

    func int(_ key: String) throws -> Int? {
        guard let value = present(key) else { return nil }
        guard !isJSONBool(value), let number = value as? Int else { throw typeError(key, "an integer", value) }
        return number
    }

    /// Reads a number of any size as `Double`, because `model_max_length` can be 1e30.
    func number(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard !isJSONBool(value), let number = value as? Double else { throw typeError(key, "a number", value) }
        return number
    }

    func object(_ key: String) throws -> JSONFields? {
        guard let value = present(key) else { return nil }
        guard let object = value as? [String: Any] else { throw typeError(key, "an object", value) }
        return JSONFields(path: path, field: fieldPath(key), values: object)
    }

    func array(_ key: String) throws -> [Any]? {
        guard let value = present(key) else { return nil }
        guard let array = value as? [Any] else { throw typeError(key, "an array", value) }
        return array
    }

    /// Raw value for callers that accept several shapes.
    func value(_ key: String) -> Any? { present(key) }

    func requireString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        return value
    }

    func requireObject(_ key: String) throws -> JSONFields {
        guard let value = try object(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        return value
    }

    func requireArray(_ key: String) throws -> [Any] {
        guard let value = try array(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        return value
    }

    /// Wraps the element at `index` of the array field `key` as an object.
    func element(_ key: String, _ index: Int, _ value: Any) throws -> JSONFields {
        guard let object = value as? [String: Any] else {
            throw TokenizerError.malformedJSON(
                path: path, field: "\(fieldPath(key))[\(index)]", reason: "expected an object, found \(describeJSON(value))")
        }
        return JSONFields(path: path, field: "\(fieldPath(key))[\(index)]", values: object)
    }

    /// Reads a `{"token": id}` object, such as a vocabulary.
    func vocabulary(_ key: String) throws -> [String: Int32] {
        guard let value = present(key) else { throw TokenizerError.missingField(path: path, field: fieldPath(key)) }
        guard let object = value as? [String: Any] else { throw typeError(key, "an object of token ids", value) }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(object.count)
        for (token, id) in object {
            guard !isJSONBool(id), let number = id as? Int, number >= 0, number <= maxTokenId else {
                throw TokenizerError.malformedJSON(
                    path: path, field: "\(fieldPath(key))[\"\(token)\"]",
                    reason: "expected an integer id from 0 to \(maxTokenId), found \(describeJSON(id))")
            }
            vocabulary[token] = Int32(number)
        }
        return vocabulary
    }
}

/// Largest token id accepted (2^24 - 1): decoding tables are indexed by id, and no vocabulary comes near it.
let maxTokenId = 16_777_215

/// True for JSON `true`/`false`, which `JSONSerialization` returns as boolean `NSNumber`s that also cast to Int.
func isJSONBool(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return type(of: number) == type(of: NSNumber(value: true))
}

/// Short rendering of a JSON value for error messages.
func describeJSON(_ value: Any) -> String {
    if value is NSNull { return "null" }
    if isJSONBool(value) { return (value as? Bool) == true ? "true" : "false" }
    if let string = value as? String { return "\"\(string.prefix(60))\"" }
    if value is [Any] { return "an array" }
    if value is [String: Any] { return "an object" }
    return "\(value)"
}
