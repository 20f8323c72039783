import Foundation

/// A place in a data file: its path and a 1-based line number (a 1-based row number for
/// formats without lines, such as Parquet).
public struct FileLocation: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }

    public var description: String { "\(path):\(line)" }
}

/// A label as a data file stores it, before it is mapped to a class id.
///
/// Text formats (`text;label` lines, CSV, TSV) always give `.string`, because only the label
/// set can tell whether "1" is a class name or a class id. JSON Lines gives `.integer` for
/// JSON numbers. Empty cells, JSON `null` and absent fields give `.missing`.
public enum RawLabel: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case missing

    /// Parses a label cell from a text format: surrounding whitespace and line breaks are
    /// dropped, and an empty cell is `.missing`.
    public init(cell: some StringProtocol) {
        let trimmed = cell.trimmingCharacters(in: .whitespacesAndNewlines)
        self = trimmed.isEmpty ? .missing : .string(trimmed)
    }

    public var description: String {
        switch self {
        case let .string(name): return name.debugDescription
        case let .integer(value): return String(value)
        case .missing: return "(missing)"
        }
    }
}

/// One example as read from a data file: its text, its raw label and where it came from.
public struct DatasetRecord: Sendable, Hashable {
    public var text: String
    public var label: RawLabel
    public var location: FileLocation

    public init(text: String, label: RawLabel, location: FileLocation) {
        self.text = text
        self.label = label
        self.location = location
    }
}

/// A column of a CSV or TSV file, or a field of a JSON Lines object, chosen by name or by
/// 0-based index.
public enum ColumnSelector: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case index(Int)

    /// Parses a command-line value: all digits is an index, anything else is a name.
    public init(argument: String) {
        let isDigits = !argument.isEmpty && argument.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if isDigits, let index = Int(argument) {
            self = .index(index)
        } else {
            self = .name(argument)
        }
    }

    public var description: String {
        switch self {
        case let .name(name): return name.debugDescription
        case let .index(index): return String(index)
        }
    }
}
