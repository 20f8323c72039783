// Reading flat Parquet tables: the footer, the schema's top-level columns and their values.
//
// File layout: "PAR1", column chunks (pages), the footer (FileMetaData in the Thrift compact protocol),
// the footer length as a little-endian UInt32, "PAR1". Each row group has one column chunk per leaf
// column, and a chunk is an optional dictionary page followed by data pages (v1 or v2).
//
// Supported: BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY columns, required
// or optional (nulls); PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY and RLE (booleans) value encodings;
// UNCOMPRESSED, SNAPPY, GZIP and ZSTD pages. Nested or repeated columns, INT96, delta and byte-stream-split
// encodings, other codecs and encrypted files throw `ParquetError.unsupported`.

import Foundation

/// One value read from a Parquet column. BYTE_ARRAY columns annotated as STRING, ENUM or JSON come back
/// as `.string`, and other BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY columns as `.bytes`.
/// Unsigned 32-bit integers come back as `.int64`.
public enum ParquetValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int32(Int32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case bytes([UInt8])

    public var isNull: Bool { self == .null }

    /// The text of a `.string` value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of an `.int32` or `.int64`, or nil for other cases and for Int64 values that do not fit in Int.
    public var intValue: Int? {
        switch self {
        case .int32(let value): return Int(value)
        case .int64(let value): return Int(exactly: value)
        default: return nil
        }
    }

    /// The value of any numeric case as a Double.
    public var doubleValue: Double? {
        switch self {
        case .int32(let value): return Double(value)
        case .int64(let value): return Double(value)
        case .float(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .int32(let value): return String(value)
        case .int64(let value): return String(value)
        case .float(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return value
        case .bytes(let value): return value.map { String(format: "%02x", $0) }.joined()
        }
    }
}

/// A top-level field of a Parquet schema.
public struct ParquetColumn: Sendable, Equatable {
    public let name: String
    /// The physical type, or nil for a group (struct, list or map).
    public let physicalType: ParquetPhysicalType?
    /// Whether the field may hold nulls.
    public let isOptional: Bool
    /// Whether BYTE_ARRAY values are UTF-8 text (STRING, ENUM or JSON annotation).
    public let isString: Bool
    /// The feature that makes `readColumn` reject this column, or nil when it can be read.
    public let unsupportedFeature: String?

    /// Index of the column chunk in each row group; nil for groups.
    let leafIndex: Int?
    let typeLength: Int
    let valueKind: ParquetValueKind
}

/// A Parquet file read into memory, with its footer decoded. Values are decoded on request.
///
/// NOTE: the whole file is read into memory on open, which suits data set shards up to a few hundred MB.
public struct ParquetFile: Sendable {
    /// The file name used in error messages.
    public let name: String
    /// Rows across all row groups, from the footer.
    public let numRows: Int
    public let rowGroupCount: Int
    /// Top-level fields in schema order, including nested ones that `readColumn` rejects.
    public let columns: [ParquetColumn]
    /// The footer's key/value metadata (pyarrow stores `ARROW:schema`, Hugging Face `datasets` stores
    /// `huggingface` with the features as JSON).
    public let keyValueMetadata: [String: String]
    /// The writer, for example "parquet-cpp-arrow version 21.0.0".
    public let createdBy: String?

    public var columnNames: [String] { columns.map(\.name) }

    /// The whole file, which the column reader decodes pages from.
    let bytes: [UInt8]
    let rowGroups: [ParquetRowGroup]

    /// Opens and reads the file at `url`.
    public init(url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ParquetError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data), name: url.path)
    }

    /// Parses Parquet bytes already in memory; `name` appears in error messages.
    public init(bytes: [UInt8], name: String) throws {
        self.bytes = bytes
        self.name = name

        let metadata = try Self.readFooter(bytes, name: name)
        guard !metadata.hasEncryption else {
            throw ParquetError.unsupported(file: name, column: nil, feature: "encryption")
        }
        guard metadata.numRows >= 0, let numRows = Int(exactly: metadata.numRows) else {
            throw ParquetError.corrupt(file: name, location: "footer", reason: "row count \(metadata.numRows) is invalid")
        }
        self.numRows = numRows
        self.rowGroups = metadata.rowGroups
        self.rowGroupCount = metadata.rowGroups.count
        self.createdBy = metadata.createdBy
        var keyValues: [String: String] = [:]
        for entry in metadata.keyValueMetadata {
            keyValues[entry.key] = entry.value ?? ""
        }
        self.keyValueMetadata = keyValues
        self.columns = try Self.topLevelColumns(metadata.schema, name: name)

        let leafCount = Self.leafCount(metadata.schema)
        for (index, group) in metadata.rowGroups.enumerated() where group.columns.count != leafCount {
            throw ParquetError.corrupt(
                file: name, location: "footer",
                reason: "row group \(index) has \(group.columns.count) column chunks but the schema has \(leafCount) leaf columns")
        }
    }

    /// Reads every value of a top-level column, nulls included, across all row groups.
    public func readColumn(_ columnName: String) throws -> [ParquetValue] {
        guard let column = columns.first(where: { $0.name == columnName }) else {
            throw ParquetError.columnNotFound(file: name, column: columnName, available: columnNames)
        }
        return try ParquetColumnReader(file: self, column: column).readAll()
    }

    /// Reads the table as rows mapping column name to value, with `.null` for nulls.
    ///
    /// - Parameter columnNames: the columns to read, or nil for all of them. An unsupported column among
    ///   them throws, so pass only the columns you need when the file has nested ones.
    public func readRows(columns columnNames: [String]? = nil) throws -> [[String: ParquetValue]] {
        let names = columnNames ?? self.columnNames
        let columnValues = try names.map { try readColumn($0) }
        var rows = [[String: ParquetValue]](repeating: [:], count: numRows)
        for (name, values) in zip(names, columnValues) {
            guard values.count == numRows else {
                throw ParquetError.corrupt(
                    file: self.name, location: "column '\(name)'",
                    reason: "column holds \(values.count) values but the footer states \(numRows) rows")
            }
            for row in 0..<numRows {
                rows[row][name] = values[row]
            }
        }
        return rows
    }

    // MARK: - Footer and schema

    private static func readFooter(_ bytes: [UInt8], name: String) throws -> ParquetFileMetaData {
        let magic: [UInt8] = Array("PAR1".utf8)
        guard bytes.count >= 12 else {
            throw ParquetError.notParquet(file: name, reason: "only \(bytes.count) bytes long")
        }
        guard Array(bytes[0..<4]) == magic, Array(bytes[(bytes.count - 4)...]) == magic else {
            if Array(bytes[(bytes.count - 4)...]) == Array("PARE".utf8) {
                throw ParquetError.unsupported(file: name, column: nil, feature: "an encrypted footer")
            }
            throw ParquetError.notParquet(file: name, reason: "the PAR1 magic bytes are missing at the start or end")
        }
        let footerLength = Int(readUInt32LE(bytes, at: bytes.count - 8))
        let footerStart = bytes.count - 8 - footerLength
        guard footerStart >= 4 else {
            throw ParquetError.notParquet(file: name, reason: "footer length \(footerLength) exceeds the file size \(bytes.count)")
        }
        var reader = ThriftCompactReader(bytes: bytes, position: footerStart, end: bytes.count - 8)
        do {
            return try ParquetFileMetaData(reading: &reader)
        } catch let error as ThriftDecodingError {
            throw ParquetError.corrupt(file: name, location: "footer", reason: error.description)
        }
    }

    private static func leafCount(_ schema: [ParquetSchemaElement]) -> Int {
        schema.dropFirst().filter { $0.numChildren == 0 }.count
    }

    /// Walks the depth-first schema list and returns the root's direct children, with leaf indices.
    private static func topLevelColumns(_ schema: [ParquetSchemaElement], name: String) throws -> [ParquetColumn] {
        guard let root = schema.first else {
            throw ParquetError.corrupt(file: name, location: "footer", reason: "the schema is empty")
        }
        var columns: [ParquetColumn] = []
        var position = 1
        var nextLeaf = 0
        for _ in 0..<max(0, Int(root.numChildren)) {
            guard position < schema.count else {
                throw ParquetError.corrupt(file: name, location: "footer", reason: "the schema ends before the root's \(root.numChildren) children")
            }
            let element = schema[position]
            let subtreeSize = try Self.subtreeSize(schema, at: position, name: name)
            let leavesInSubtree = schema[position..<position + subtreeSize].filter { $0.numChildren == 0 }.count
            columns.append(Self.makeColumn(element, leafIndex: nextLeaf))
            nextLeaf += leavesInSubtree
            position += subtreeSize
        }
        return columns
    }

    /// Counts the schema elements in the subtree rooted at `index`, itself included.
    private static func subtreeSize(_ schema: [ParquetSchemaElement], at index: Int, name: String) throws -> Int {
        var pending = 1
        var position = index
        while pending > 0 {
            guard position < schema.count else {
                throw ParquetError.corrupt(file: name, location: "footer", reason: "the schema ends inside group '\(schema[index].name)'")
            }
            pending += max(0, Int(schema[position].numChildren)) - 1
            position += 1
        }
        return position - index
    }

    private static func makeColumn(_ element: ParquetSchemaElement, leafIndex: Int) -> ParquetColumn {
        let isGroup = element.numChildren > 0
        var unsupported: String?
        if isGroup {
            unsupported = "a nested group (struct, list or map)"
        } else if element.repetition == .repeated {
            unsupported = "a repeated field"
        } else if element.type == .int96 {
            unsupported = "INT96 values (legacy timestamps)"
        } else if element.type == nil {
            unsupported = "an unknown physical type"
        } else if element.valueKind == .unsigned64 {
            unsupported = "unsigned 64-bit integers"
        }
        return ParquetColumn(
            name: element.name,
            physicalType: isGroup ? nil : element.type,
            isOptional: element.repetition == .optional,
            isString: element.valueKind == .string,
            unsupportedFeature: unsupported,
            leafIndex: isGroup ? nil : leafIndex,
            typeLength: Int(element.typeLength ?? 0),
            valueKind: element.valueKind)
    }
}
