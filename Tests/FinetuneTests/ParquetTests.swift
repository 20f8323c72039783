import Foundation
import Testing
import Finetune

/// A value in parquet/expected.json, as pyarrow read it back.
enum ExpectedParquetValue: Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case bytes([UInt8])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            let object = try container.decode([String: String].self)
            self = .bytes(try hexBytes(object["hex"] ?? ""))
        }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .string(let value): return value
        case .bytes(let value): return "bytes \(value)"
        }
    }

    /// Checks that `actual` is the value pyarrow returned, comparing floats exactly as Double.
    func matches(_ actual: ParquetValue) -> Bool {
        switch (self, actual) {
        case (.null, .null): return true
        case (.bool(let expected), .bool(let value)): return expected == value
        case (.integer(let expected), .int32(let value)): return expected == Int64(value)
        case (.integer(let expected), .int64(let value)): return expected == value
        case (.integer(let expected), .float(let value)): return Double(expected) == Double(value)
        case (.integer(let expected), .double(let value)): return Double(expected) == value
        case (.number(let expected), .float(let value)): return expected == Double(value)
        case (.number(let expected), .double(let value)): return expected == value
        case (.string(let expected), .string(let value)): return expected == value
        case (.bytes(let expected), .bytes(let value)): return expected == value
        default: return false
        }
    }
}

struct ExpectedParquetTable: Decodable {
    struct FileInfo: Decodable {
        let numRows: Int
        let numRowGroups: Int
        let codecs: [String]
        let encodings: [String]

        enum CodingKeys: String, CodingKey {
            case numRows = "num_rows"
            case numRowGroups = "num_row_groups"
            case codecs, encodings
        }
    }

    let columns: [String]
    let rows: [[String: ExpectedParquetValue]]
    let files: [String: FileInfo]
}

@Suite struct ParquetTests {
    static let folder = TestPaths.fixtures.appendingPathComponent("parquet")

    static func expectedTable() throws -> ExpectedParquetTable {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(ExpectedParquetTable.self, from: data)
    }

    static let variants = [
        "plain_none_v1", "dict_snappy_v1", "dict_gzip_v2", "plain_zstd_v2_pages", "dict_fallback_snappy_v1",
        "plain_dictionary_format1", "uncompressed_v2",
    ]

    @Test(arguments: variants)
    func readsRowsLikePyarrow(_ variant: String) throws {
        let expected = try Self.expectedTable()
        let info = try #require(expected.files[variant])
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("\(variant).parquet"))

        #expect(file.columnNames == expected.columns)
        #expect(file.numRows == info.numRows)
        #expect(file.rowGroupCount == info.numRowGroups)

        let rows = try file.readRows()
        try #require(rows.count == expected.rows.count)
        for (index, (actual, wanted)) in zip(rows, expected.rows).enumerated() {
            for column in expected.columns {
                let value = try #require(actual[column], "row \(index) lacks column \(column)")
                let expectedValue = try #require(wanted[column])
                #expect(expectedValue.matches(value), "row \(index), column \(column): got \(value), expected \(expectedValue)")
            }
        }
    }

    @Test func reportsSchemaTypes() throws {
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("dict_snappy_v1.parquet"))
        let byName = Dictionary(uniqueKeysWithValues: file.columns.map { ($0.name, $0) })
        #expect(byName["id"]?.physicalType == .int64)
        #expect(byName["id"]?.isOptional == false)
        #expect(byName["text"]?.physicalType == .byteArray)
        #expect(byName["text"]?.isString == true)
        #expect(byName["text"]?.isOptional == true)
        #expect(byName["blob"]?.isString == false)
        #expect(byName["flag"]?.physicalType == .boolean)
        #expect(byName["ratio"]?.physicalType == .float)
        #expect(byName["code"]?.physicalType == .fixedLenByteArray)
        #expect(byName["unsigned"]?.physicalType == .int32)
        #expect(file.columns.allSatisfy { $0.unsupportedFeature == nil })

        // UINT32 stored as INT32 comes back widened, so values above Int32.max keep their sign.
        let unsigned = try file.readColumn("unsigned")
        #expect(unsigned.contains { ($0.intValue ?? 0) > Int(Int32.max) })
        #expect(unsigned.allSatisfy { $0 == .null || $0.intValue.map { $0 >= 0 } == true })
        #expect(file.keyValueMetadata["ARROW:schema"] != nil)
        #expect(file.createdBy?.hasPrefix("parquet-cpp") == true)
    }

    @Test func readsOneColumnWithNulls() throws {
        let expected = try Self.expectedTable()
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("plain_zstd_v2_pages.parquet"))
        let counts = try file.readColumn("count")
        #expect(counts.count == expected.rows.count)
        #expect(counts.filter(\.isNull).count == expected.rows.filter { if case .null = $0["count"] { return true } else { return false } }.count)
        #expect(counts[0] == .null)
        #expect(counts.last?.intValue != nil)
    }

    @Test func readsHubDatasetShard() throws {
        let url = TestPaths.fixtures.appendingPathComponent("hub/dataset/train-00000-of-00001.parquet")
        let file = try ParquetFile(url: url)
        #expect(file.columnNames == ["text", "label"])
        let rows = try file.readRows()
        #expect(rows.count == 24)
        #expect(rows[0]["text"]?.stringValue?.hasPrefix("train example 0 ") == true)
        #expect(rows[5]["label"]?.intValue == 5)
        #expect(file.keyValueMetadata["huggingface"]?.contains("ClassLabel") == true)
    }

    @Test func rejectsNestedColumn() throws {
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("unsupported_nested.parquet"))
        #expect(file.columnNames == ["id", "tags"])
        #expect(try file.readColumn("id") == [.int64(1), .int64(2)])
        let error = #expect(throws: ParquetError.self) { try file.readColumn("tags") }
        guard case .unsupported(let name, let column, let feature)? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
        #expect(name.hasSuffix("unsupported_nested.parquet"))
        #expect(column == "tags")
        #expect(feature.contains("nested"))
        #expect(error?.description.contains("column 'tags'") == true)
    }

    @Test func rejectsBrotliCodec() throws {
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("unsupported_brotli.parquet"))
        let error = #expect(throws: ParquetError.self) { try file.readColumn("text") }
        #expect(error == .unsupported(file: file.name, column: "text", feature: "BROTLI compression"))
    }

    @Test func rejectsByteStreamSplit() throws {
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("unsupported_byte_stream_split.parquet"))
        #expect(try file.readColumn("text").count == 20)
        let error = #expect(throws: ParquetError.self) { try file.readColumn("id") }
        #expect(error == .unsupported(file: file.name, column: "id", feature: "BYTE_STREAM_SPLIT encoding"))
    }

    @Test func rejectsMissingColumn() throws {
        let file = try ParquetFile(url: Self.folder.appendingPathComponent("plain_none_v1.parquet"))
        let error = #expect(throws: ParquetError.self) { try file.readColumn("sentence") }
        #expect(error?.description.contains("no column 'sentence'") == true)
        #expect(error?.description.contains("id, text, label") == true)
    }

    @Test func rejectsNonParquetBytes() {
        #expect(throws: ParquetError.self) { try ParquetFile(bytes: Array("text;label\nhello;joy\n".utf8), name: "train.csv") }
        #expect(throws: ParquetError.self) { try ParquetFile(bytes: [], name: "empty.parquet") }
        #expect(throws: ParquetError.self) {
            try ParquetFile(url: URL(fileURLWithPath: "/nonexistent/file.parquet"))
        }
    }

    @Test func rejectsTruncatedFile() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("dict_snappy_v1.parquet")))
        // Cutting off the tail removes the trailing magic.
        let error = #expect(throws: ParquetError.self) {
            try ParquetFile(bytes: Array(bytes.prefix(bytes.count - 100)), name: "cut.parquet")
        }
        guard case .notParquet? = error else {
            Issue.record("expected .notParquet, got \(String(describing: error))")
            return
        }
    }

    @Test func rejectsDamagedPage() throws {
        var bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("plain_none_v1.parquet")))
        let file = try ParquetFile(bytes: bytes, name: "damaged.parquet")
        #expect(try file.readColumn("text").count == 60)

        // Overwrite the start of the data with 0xff: the first page header of the first column breaks.
        for index in 4..<24 { bytes[index] = 0xff }
        let damaged = try ParquetFile(bytes: bytes, name: "damaged.parquet")
        let error = #expect(throws: ParquetError.self) { try damaged.readColumn("id") }
        guard case .corrupt(let name, let location, _)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(name == "damaged.parquet")
        #expect(location.contains("column 'id'"))
        #expect(location.contains("row group 0"))
    }

    @Test func rejectsDamagedSnappyPage() throws {
        let url = Self.folder.appendingPathComponent("dict_snappy_v1.parquet")
        var bytes = try [UInt8](Data(contentsOf: url))
        let file = try ParquetFile(bytes: bytes, name: "snappy.parquet")
        let good = try file.readRows()
        // Damage a run of bytes in the middle of the data pages. Some column must then fail to decode
        // or decode differently, and a failure must be a ParquetError.
        for index in 1200..<1260 { bytes[index] ^= 0x5a }
        let damaged = try ParquetFile(bytes: bytes, name: "snappy.parquet")
        do {
            let rows = try damaged.readRows()
            #expect(rows != good, "damaged bytes decoded to the original rows")
        } catch let error as ParquetError {
            #expect(error.description.hasPrefix("Parquet: snappy.parquet"))
        }
    }
}
