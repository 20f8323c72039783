// Parquet footer and page-header structures, decoded from the Thrift compact protocol.
//
// Field ids follow apache/parquet-format src/main/thrift/parquet.thrift. Only the fields this reader uses
// are kept; every other field is skipped, so files from newer writers still open.

/// Parquet's physical storage types (`Type` in parquet.thrift).
public enum ParquetPhysicalType: Int32, Sendable, CustomStringConvertible {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case int96 = 3
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7

    public var description: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .int96: return "INT96"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .byteArray: return "BYTE_ARRAY"
        case .fixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

/// Field repetition (`FieldRepetitionType`).
enum ParquetRepetition: Int32 {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// Page compression codecs (`CompressionCodec`).
enum ParquetCodec: Int32 {
    case uncompressed = 0
    case snappy = 1
    case gzip = 2
    case lzo = 3
    case brotli = 4
    case lz4 = 5
    case zstd = 6
    case lz4Raw = 7
}

/// Value and level encodings (`Encoding`).
enum ParquetEncoding: Int32 {
    case plain = 0
    case plainDictionary = 2
    case rle = 3
    case bitPacked = 4
    case deltaBinaryPacked = 5
    case deltaLengthByteArray = 6
    case deltaByteArray = 7
    case rleDictionary = 8
    case byteStreamSplit = 9

    static func name(_ raw: Int32) -> String {
        switch ParquetEncoding(rawValue: raw) {
        case .plain: return "PLAIN"
        case .plainDictionary: return "PLAIN_DICTIONARY"
        case .rle: return "RLE"
        case .bitPacked: return "BIT_PACKED"
        case .deltaBinaryPacked: return "DELTA_BINARY_PACKED"
        case .deltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY"
        case .deltaByteArray: return "DELTA_BYTE_ARRAY"
        case .rleDictionary: return "RLE_DICTIONARY"
        case .byteStreamSplit: return "BYTE_STREAM_SPLIT"
        case nil: return "encoding \(raw)"
        }
    }
}

/// Page kinds (`PageType`).
enum ParquetPageType: Int32 {
    case dataPage = 0
    case indexPage = 1
    case dictionaryPage = 2
    case dataPageV2 = 3
}

/// The parts of a `LogicalType` union (or legacy `ConvertedType`) that change how values are returned.
enum ParquetValueKind: Equatable {
    /// BYTE_ARRAY holding UTF-8 text (STRING, ENUM or JSON).
    case string
    /// INT32 holding an unsigned 32-bit integer, returned widened to Int64.
    case unsigned32
    /// INT64 holding an unsigned 64-bit integer, which this reader rejects.
    case unsigned64
    /// Anything else: values are returned as their physical type.
    case physical
}

struct ParquetSchemaElement {
    var type: ParquetPhysicalType?
    var typeLength: Int32?
    var repetition: ParquetRepetition?
    var name = ""
    var numChildren: Int32 = 0
    var convertedType: Int32?
    var valueKind: ParquetValueKind = .physical
}

struct ParquetColumnMetaData {
    var type: ParquetPhysicalType?
    var encodings: [Int32] = []
    var pathInSchema: [String] = []
    var codec: Int32 = 0
    var numValues: Int64 = 0
    var totalCompressedSize: Int64 = 0
    var dataPageOffset: Int64 = 0
    var dictionaryPageOffset: Int64?
}

struct ParquetColumnChunk {
    var filePath: String?
    var metaData: ParquetColumnMetaData?
}

struct ParquetRowGroup {
    var columns: [ParquetColumnChunk] = []
    var numRows: Int64 = 0
}

struct ParquetFileMetaData {
    var version: Int32 = 0
    var schema: [ParquetSchemaElement] = []
    var numRows: Int64 = 0
    var rowGroups: [ParquetRowGroup] = []
    var keyValueMetadata: [(key: String, value: String?)] = []
    var createdBy: String?
    var hasEncryption = false
}

struct ParquetDataPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = 0
    var repetitionLevelEncoding: Int32 = 0
}

struct ParquetDictionaryPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
}

struct ParquetDataPageHeaderV2 {
    var numValues: Int32 = 0
    var numNulls: Int32 = 0
    var numRows: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelsByteLength: Int32 = 0
    var repetitionLevelsByteLength: Int32 = 0
    /// Whether the values section is compressed; the levels never are. Defaults to true in parquet.thrift.
    var isCompressed = true
}

struct ParquetPageHeader {
    var type: Int32 = -1
    var uncompressedPageSize: Int32 = 0
    var compressedPageSize: Int32 = 0
    var dataPage: ParquetDataPageHeader?
    var dictionaryPage: ParquetDictionaryPageHeader?
    var dataPageV2: ParquetDataPageHeaderV2?
}

// MARK: - Decoding

extension ParquetFileMetaData {
    init(reading reader: inout ThriftCompactReader) throws {
        self.init()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): version = try reader.readI32()
            case (2, .list): schema = try reader.readList { try ParquetSchemaElement(reading: &$0) }
            case (3, .i64): numRows = try reader.readI64()
            case (4, .list): rowGroups = try reader.readList { try ParquetRowGroup(reading: &$0) }
            case (5, .list): keyValueMetadata = try reader.readList { try Self.readKeyValue(&$0) }
            case (6, .binary): createdBy = try reader.readString()
            case (8, _):
                hasEncryption = true
                try reader.skip(type)
            default: try reader.skip(type)
            }
        }
    }

    private static func readKeyValue(_ reader: inout ThriftCompactReader) throws -> (key: String, value: String?) {
        var key = ""
        var value: String?
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .binary): key = try reader.readString()
            case (2, .binary): value = try reader.readString()
            default: try reader.skip(type)
            }
        }
        return (key, value)
    }
}

extension ParquetSchemaElement {
    init(reading reader: inout ThriftCompactReader) throws {
        self.init()
        var logicalKind: ParquetValueKind?
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): self.type = ParquetPhysicalType(rawValue: try reader.readI32())
            case (2, .i32): typeLength = try reader.readI32()
            case (3, .i32): repetition = ParquetRepetition(rawValue: try reader.readI32())
            case (4, .binary): name = try reader.readString()
            case (5, .i32): numChildren = try reader.readI32()
            case (6, .i32): convertedType = try reader.readI32()
            case (10, .structure): logicalKind = try Self.readLogicalType(&reader)
            default: try reader.skip(type)
            }
        }
        valueKind = logicalKind ?? Self.kind(convertedType: convertedType)
    }

    /// Maps legacy converted types: UTF8 0, ENUM 4, UINT_32 13, UINT_64 14, JSON 19.
    private static func kind(convertedType: Int32?) -> ParquetValueKind {
        switch convertedType {
        case 0, 4, 19: return .string
        case 13: return .unsigned32
        case 14: return .unsigned64
        default: return .physical
        }
    }

    /// Reads the `LogicalType` union: STRING 1, ENUM 4, INTEGER 10 (bitWidth 1, isSigned 2), JSON 12.
    private static func readLogicalType(_ reader: inout ThriftCompactReader) throws -> ParquetValueKind {
        var kind = ParquetValueKind.physical
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .structure), (4, .structure), (12, .structure):
                kind = .string
                try reader.skip(type)
            case (10, .structure):
                var bitWidth: Int8 = 0
                var isSigned = true
                try reader.readStruct { reader, field, type in
                    switch (field, type) {
                    case (1, .byte): bitWidth = Int8(bitPattern: try reader.readByte())
                    case (2, .boolTrue), (2, .boolFalse): isSigned = try reader.fieldBool(type)
                    default: try reader.skip(type)
                    }
                }
                if !isSigned && bitWidth == 32 { kind = .unsigned32 }
                if !isSigned && bitWidth == 64 { kind = .unsigned64 }
            default:
                try reader.skip(type)
            }
        }
        return kind
    }
}

extension ParquetRowGroup {
    init(reading reader: inout ThriftCompactReader) throws {
        self.init()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .list): columns = try reader.readList { try ParquetColumnChunk(reading: &$0) }
            case (3, .i64): numRows = try reader.readI64()
            default: try reader.skip(type)
            }
        }
    }
}

extension ParquetColumnChunk {
    init(reading reader: inout ThriftCompactReader) throws {
        self.init()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .binary): filePath = try reader.readString()
            case (3, .structure): metaData = try ParquetColumnMetaData(reading: &reader)
            default: try reader.skip(type)
            }
        }
    }
}

extension ParquetColumnMetaData {
    init(reading reader: inout ThriftCompactReader) throws {
        self.init()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): self.type = ParquetPhysicalType(rawValue: try reader.readI32())
            case (2, .list): encodings = try reader.readList { try $0.readI32() }
            case (3, .list): pathInSchema = try reader.readList { try $0.readString() }
            case (4, .i32): codec = try reader.readI32()
            case (5, .i64): numValues = try reader.readI64()
            case (7, .i64): totalCompressedSize = try reader.readI64()
            case (9, .i64): dataPageOffset = try reader.readI64()
            case (11, .i64): dictionaryPageOffset = try reader.readI64()
            default: try reader.skip(type)
            }
        }
    }
}

extension ParquetPageHeader {
    init(reading reader: inout ThriftCompactReader) throws {
        self.init()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): self.type = try reader.readI32()
            case (2, .i32): uncompressedPageSize = try reader.readI32()
            case (3, .i32): compressedPageSize = try reader.readI32()
            case (5, .structure): dataPage = try Self.readDataPage(&reader)
            case (7, .structure): dictionaryPage = try Self.readDictionaryPage(&reader)
            case (8, .structure): dataPageV2 = try Self.readDataPageV2(&reader)
            default: try reader.skip(type)
            }
        }
    }

    private static func readDataPage(_ reader: inout ThriftCompactReader) throws -> ParquetDataPageHeader {
        var header = ParquetDataPageHeader()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): header.numValues = try reader.readI32()
            case (2, .i32): header.encoding = try reader.readI32()
            case (3, .i32): header.definitionLevelEncoding = try reader.readI32()
            case (4, .i32): header.repetitionLevelEncoding = try reader.readI32()
            default: try reader.skip(type)
            }
        }
        return header
    }

    private static func readDictionaryPage(_ reader: inout ThriftCompactReader) throws -> ParquetDictionaryPageHeader {
        var header = ParquetDictionaryPageHeader()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): header.numValues = try reader.readI32()
            case (2, .i32): header.encoding = try reader.readI32()
            default: try reader.skip(type)
            }
        }
        return header
    }

    private static func readDataPageV2(_ reader: inout ThriftCompactReader) throws -> ParquetDataPageHeaderV2 {
        var header = ParquetDataPageHeaderV2()
        try reader.readStruct { reader, field, type in
            switch (field, type) {
            case (1, .i32): header.numValues = try reader.readI32()
            case (2, .i32): header.numNulls = try reader.readI32()
            case (3, .i32): header.numRows = try reader.readI32()
            case (4, .i32): header.encoding = try reader.readI32()
            case (5, .i32): header.definitionLevelsByteLength = try reader.readI32()
            case (6, .i32): header.repetitionLevelsByteLength = try reader.readI32()
            case (7, .boolTrue), (7, .boolFalse): header.isCompressed = try reader.fieldBool(type)
            default: try reader.skip(type)
            }
        }
        return header
    }
}
