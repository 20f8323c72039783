// A reader for the Thrift compact protocol, the encoding of Parquet's footer and page headers.
//
// Encoding (Apache Thrift, doc/specs/thrift-compact-protocol.md):
// - integers are ULEB128 varints; i16, i32 and i64 are zigzag-encoded first
// - a field header is one byte. Its high nibble is the field id delta (1...15) from the previous field,
//   or 0 when a zigzag i16 field id follows. Its low nibble is the field type, and 0x00 ends a struct
// - booleans in fields live in the type nibble (1 true, 2 false); inside lists they take one byte
// - binary and strings carry a varint length; doubles are 8 little-endian bytes
// - a list or set header is one byte, size (0...14) in the high nibble and element type in the low one,
//   with size 15 meaning a varint size follows; a map has a varint size, then a key/value type byte

/// The compact protocol's type codes.
enum ThriftType: UInt8 {
    case boolTrue = 1
    case boolFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case structure = 12
}

/// A failure inside the Thrift data, with the byte offset where it was found.
/// The Parquet reader wraps it with the file name and what it was reading.
struct ThriftDecodingError: Error, CustomStringConvertible {
    let offset: Int
    let reason: String

    var description: String { "invalid Thrift compact data at byte \(offset): \(reason)" }
}

/// Reads compact-protocol values from a byte buffer, starting at `position`.
struct ThriftCompactReader {
    let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int

    /// Nesting limit for skipped values, so a corrupt header cannot recurse without bound.
    private static let maxDepth = 64

    init(bytes: [UInt8], position: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = position
        self.end = end ?? bytes.count
    }

    // MARK: - Scalars

    mutating func readByte() throws -> UInt8 {
        guard position < end else { throw ThriftDecodingError(offset: position, reason: "unexpected end of data") }
        let byte = bytes[position]
        position += 1
        return byte
    }

    mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            guard shift < 64 else { throw ThriftDecodingError(offset: position, reason: "varint longer than 10 bytes") }
        }
    }

    mutating func readI64() throws -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func readI32() throws -> Int32 {
        let value = try readI64()
        guard let narrowed = Int32(exactly: value) else {
            throw ThriftDecodingError(offset: position, reason: "i32 value \(value) out of range")
        }
        return narrowed
    }

    mutating func readDouble() throws -> Double {
        guard position + 8 <= end else { throw ThriftDecodingError(offset: position, reason: "truncated double") }
        var bits: UInt64 = 0
        for index in 0..<8 {
            bits |= UInt64(bytes[position + index]) << (8 * UInt64(index))
        }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func readBinary() throws -> ArraySlice<UInt8> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw ThriftDecodingError(offset: position, reason: "binary of \(length) bytes runs past the end")
        }
        let start = position
        position += Int(length)
        return bytes[start..<position]
    }

    mutating func readString() throws -> String {
        String(decoding: try readBinary(), as: UTF8.self)
    }

    // MARK: - Containers

    /// Reads a list or set header and returns the element type and count.
    mutating func readListHeader() throws -> (elementType: ThriftType, count: Int) {
        let header = try readByte()
        var count = Int(header >> 4)
        if count == 15 {
            let large = try readVarint()
            // Every element takes at least one byte, which bounds a sane count.
            guard large <= UInt64(end - position) else {
                throw ThriftDecodingError(offset: position, reason: "list of \(large) elements is longer than the data")
            }
            count = Int(large)
        }
        guard let elementType = ThriftType(rawValue: header & 0x0f) else {
            throw ThriftDecodingError(offset: position - 1, reason: "unknown list element type \(header & 0x0f)")
        }
        return (elementType, count)
    }

    /// Reads a list whose elements `readElement` decodes one by one.
    mutating func readList<Element>(_ readElement: (inout ThriftCompactReader) throws -> Element) throws -> [Element] {
        let (_, count) = try readListHeader()
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try readElement(&self))
        }
        return elements
    }

    /// Reads a struct, calling `readField` with each field id and type.
    /// The callback must consume the value, by reading it or calling `skip(_:)`.
    mutating func readStruct(_ readField: (inout ThriftCompactReader, Int16, ThriftType) throws -> Void) throws {
        var lastFieldId: Int16 = 0
        while true {
            let header = try readByte()
            if header == 0 { return }

            let delta = Int16(header >> 4)
            let fieldId: Int16
            if delta == 0 {
                let wide = try readI64()
                guard let narrowed = Int16(exactly: wide) else {
                    throw ThriftDecodingError(offset: position, reason: "field id \(wide) out of range")
                }
                fieldId = narrowed
            } else {
                fieldId = lastFieldId &+ delta
            }
            guard let type = ThriftType(rawValue: header & 0x0f) else {
                throw ThriftDecodingError(offset: position - 1, reason: "unknown field type \(header & 0x0f)")
            }
            try readField(&self, fieldId, type)
            lastFieldId = fieldId
        }
    }

    /// Reads a boolean field value, which the compact protocol stores in the field header's type.
    func fieldBool(_ type: ThriftType) throws -> Bool {
        switch type {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw ThriftDecodingError(offset: position, reason: "expected a bool field, found type \(type)")
        }
    }

    /// Skips one value of the given type, including nested containers and structs.
    mutating func skip(_ type: ThriftType) throws {
        try skip(type, depth: 0)
    }

    private mutating func skip(_ type: ThriftType, depth: Int) throws {
        guard depth < Self.maxDepth else {
            throw ThriftDecodingError(offset: position, reason: "values nested more than \(Self.maxDepth) levels deep")
        }
        switch type {
        case .boolTrue, .boolFalse:
            // A field's bool lives in its header; skipping a field bool reads nothing.
            return
        case .byte:
            _ = try readByte()
        case .i16, .i32, .i64:
            _ = try readVarint()
        case .double:
            _ = try readDouble()
        case .binary:
            _ = try readBinary()
        case .list, .set:
            let (elementType, count) = try readListHeader()
            for _ in 0..<count {
                if elementType == .boolTrue || elementType == .boolFalse {
                    _ = try readByte()
                } else {
                    try skip(elementType, depth: depth + 1)
                }
            }
        case .map:
            let count = try readVarint()
            guard count > 0 else { return }
            guard count <= UInt64(end - position) else {
                throw ThriftDecodingError(offset: position, reason: "map of \(count) entries is longer than the data")
            }
            let types = try readByte()
            guard let keyType = ThriftType(rawValue: types >> 4), let valueType = ThriftType(rawValue: types & 0x0f) else {
                throw ThriftDecodingError(offset: position - 1, reason: "unknown map key or value type")
            }
            for _ in 0..<count {
                try skipContainerElement(keyType, depth: depth + 1)
                try skipContainerElement(valueType, depth: depth + 1)
            }
        case .structure:
            try readStruct { reader, _, fieldType in
                try reader.skip(fieldType, depth: depth + 1)
            }
        }
    }

    private mutating func skipContainerElement(_ type: ThriftType, depth: Int) throws {
        if type == .boolTrue || type == .boolFalse {
            _ = try readByte()
        } else {
            try skip(type, depth: depth)
        }
    }
}
