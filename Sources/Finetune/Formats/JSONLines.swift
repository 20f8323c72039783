import Foundation

/// Reader for JSON Lines: one JSON object per line.
///
/// The text field must be a string. The label field may be a string (`.string`), an integer
/// or an integral number such as `2.0` (`.integer`), or `null` or absent (`.missing`).
public enum JSONLines {
    /// Reads the examples of the file at `url`, taking the text and label from the named fields.
    ///
    /// Throws `DatasetError` naming the line for invalid UTF-8, an empty line before the
    /// end, invalid JSON, a line that is not an object, a missing text field, or a field of
    /// the wrong type. A file that opens with `[` is rejected as a JSON array.
    public static func read(url: URL, textField: String = "text", labelField: String = "label") throws -> [DatasetRecord] {
        let file = try TextFile.read(url)
        let decoder = JSONDecoder()
        var records: [DatasetRecord] = []
        records.reserveCapacity(file.contentLineCount)

        for index in 0..<file.contentLineCount {
            let line = file.bytes[file.lines[index]]
            let location = file.location(ofLine: index)
            guard !TextFile.isBlank(line) else { throw DatasetError.emptyLine(location) }
            if index == 0, line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) == UInt8(ascii: "[") {
                throw DatasetError.jsonArrayNotSupported(path: file.path)
            }

            let value: JSONLineValue
            do {
                value = try decoder.decode(JSONLineValue.self, from: Data(line))
            } catch {
                throw DatasetError.invalidJSON(location, reason: reason(for: error))
            }
            guard case let .object(fields) = value else { throw DatasetError.notAnObject(location) }
            records.append(try record(fields, textField: textField, labelField: labelField, location: location))
        }
        return records
    }

    private static func record(
        _ fields: [String: JSONLineValue], textField: String, labelField: String, location: FileLocation
    ) throws -> DatasetRecord {
        guard let textValue = fields[textField] else {
            throw DatasetError.missingField(location, field: textField)
        }
        guard case let .string(text) = textValue else {
            throw DatasetError.invalidFieldType(location, field: textField, found: textValue.kind)
        }

        let label: RawLabel
        switch fields[labelField] {
        case nil, .null?: label = .missing
        case let .string(name)?: label = RawLabel(cell: name)
        case let .integer(value)?: label = .integer(value)
        case let other?: throw DatasetError.invalidFieldType(location, field: labelField, found: other.kind)
        }
        return DatasetRecord(text: text, label: label, location: location)
    }

    /// Returns a short reason from a decoding error, without the coding path.
    private static func reason(for error: Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        switch decodingError {
        case let .dataCorrupted(context):
            if let underlying = context.underlyingError { return "\(underlying)" }
            return context.debugDescription
        default:
            return "\(decodingError)"
        }
    }
}

/// A JSON value with integers kept apart from other numbers.
private enum JSONLineValue: Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array
    case object([String: JSONLineValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            // Foundation also decodes integral numbers written as 2.0 or 2e0 here.
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONLineValue].self) {
            self = .object(value)
        } else {
            // Array contents are never used; decoding them as values checks the syntax.
            _ = try container.decode([JSONLineValue].self)
            self = .array
        }
    }

    /// The value's JSON type, for error messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
