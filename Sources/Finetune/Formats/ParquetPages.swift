// Page-level decoding: the RLE/bit-packed hybrid (definition levels, dictionary indices, RLE booleans)
// and PLAIN values. Functions throw `ParquetPageFailure` with a bare reason; the column reader in
// ParquetColumnReader.swift adds the file, column, row group and page.
//
// RLE/bit-packed hybrid (parquet-format Encodings.md): runs, each starting with a ULEB128 header.
//   header & 1 == 0: an RLE run of (header >> 1) copies of one value stored in ceil(bitWidth / 8) bytes
//   header & 1 == 1: (header >> 1) groups of 8 bit-packed values, bitWidth bits each, least significant bit first

/// Decodes `count` values of the RLE/bit-packed hybrid from `bytes[range]`.
func decodeRLEHybrid(_ bytes: [UInt8], range: Range<Int>, bitWidth: Int, count: Int) throws -> [UInt32] {
    guard (0...32).contains(bitWidth) else {
        throw ParquetPageFailure(reason: "RLE bit width \(bitWidth) is outside 0...32")
    }
    var values = [UInt32]()
    values.reserveCapacity(count)
    if bitWidth == 0 {
        // Every value is 0 (a dictionary with one entry, or a column whose levels are all equal).
        values.append(contentsOf: repeatElement(0, count: count))
        return values
    }

    var position = range.lowerBound
    let end = range.upperBound
    let valueBytes = (bitWidth + 7) / 8
    let mask: UInt64 = bitWidth == 32 ? 0xffff_ffff : (1 << UInt64(bitWidth)) - 1

    while values.count < count {
        let header = try readULEB128(bytes, &position, end: end)

        if header & 1 == 0 {
            // RLE run.
            let runLength = Int(clamping: header >> 1)
            guard position + valueBytes <= end else {
                throw ParquetPageFailure(reason: "RLE run value is truncated")
            }
            var value: UInt32 = 0
            for index in 0..<valueBytes {
                value |= UInt32(bytes[position + index]) << (8 * UInt32(index))
            }
            position += valueBytes
            values.append(contentsOf: repeatElement(value, count: min(runLength, count - values.count)))
            continue
        }

        // Bit-packed run: groups of 8 values take exactly bitWidth bytes each.
        let groups = Int(clamping: header >> 1)
        let runBytes = groups.multipliedReportingOverflow(by: bitWidth)
        guard !runBytes.overflow else { throw ParquetPageFailure(reason: "bit-packed run length overflows") }
        // The last run may stop early when the page ends; only the values needed are read.
        let available = min(runBytes.partialValue, end - position)
        let needed = min(groups * 8, count - values.count)
        guard needed * bitWidth <= available * 8 else {
            throw ParquetPageFailure(reason: "bit-packed run is truncated")
        }
        var accumulator: UInt64 = 0
        var accumulatedBits = 0
        var bytePosition = position
        for _ in 0..<needed {
            while accumulatedBits < bitWidth {
                accumulator |= UInt64(bytes[bytePosition]) << UInt64(accumulatedBits)
                bytePosition += 1
                accumulatedBits += 8
            }
            values.append(UInt32(accumulator & mask))
            accumulator >>= UInt64(bitWidth)
            accumulatedBits -= bitWidth
        }
        position += available
    }
    return values
}

/// Reads an unsigned LEB128 varint from `bytes[position..<end]`.
func readULEB128(_ bytes: [UInt8], _ position: inout Int, end: Int) throws -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
        guard position < end else { throw ParquetPageFailure(reason: "varint is truncated") }
        let byte = bytes[position]
        position += 1
        value |= UInt64(byte & 0x7f) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
        guard shift < 64 else { throw ParquetPageFailure(reason: "varint is longer than 10 bytes") }
    }
}

/// Reads a little-endian UInt32 at `position`.
func readUInt32LE(_ bytes: [UInt8], at position: Int) -> UInt32 {
    UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16
        | UInt32(bytes[position + 3]) << 24
}

/// Reads a little-endian UInt64 at `position`.
func readUInt64LE(_ bytes: [UInt8], at position: Int) -> UInt64 {
    UInt64(readUInt32LE(bytes, at: position)) | UInt64(readUInt32LE(bytes, at: position + 4)) << 32
}

/// Computes the bits needed to store values up to `maxValue` (0 for 0).
func bitWidth(forMaxValue maxValue: Int) -> Int {
    maxValue == 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
}

/// Decoder from one leaf column's physical values to `ParquetValue`s.
struct ParquetValueDecoder {
    let physicalType: ParquetPhysicalType
    /// Byte width of FIXED_LEN_BYTE_ARRAY values.
    let typeLength: Int
    let valueKind: ParquetValueKind

    /// Decodes `count` PLAIN-encoded values from `bytes[range]`.
    func decodePlain(_ bytes: [UInt8], range: Range<Int>, count: Int) throws -> [ParquetValue] {
        var values = [ParquetValue]()
        values.reserveCapacity(count)
        var position = range.lowerBound
        let end = range.upperBound

        switch physicalType {
        case .boolean:
            guard (count + 7) / 8 <= end - position else { throw truncated(count, "BOOLEAN") }
            for index in 0..<count {
                let bit = (bytes[position + index / 8] >> UInt8(index % 8)) & 1
                values.append(.bool(bit == 1))
            }
        case .int32:
            guard count * 4 <= end - position else { throw truncated(count, "INT32") }
            for _ in 0..<count {
                values.append(makeInt32(Int32(bitPattern: readUInt32LE(bytes, at: position))))
                position += 4
            }
        case .int64:
            guard count * 8 <= end - position else { throw truncated(count, "INT64") }
            for _ in 0..<count {
                values.append(.int64(Int64(bitPattern: readUInt64LE(bytes, at: position))))
                position += 8
            }
        case .float:
            guard count * 4 <= end - position else { throw truncated(count, "FLOAT") }
            for _ in 0..<count {
                values.append(.float(Float(bitPattern: readUInt32LE(bytes, at: position))))
                position += 4
            }
        case .double:
            guard count * 8 <= end - position else { throw truncated(count, "DOUBLE") }
            for _ in 0..<count {
                values.append(.double(Double(bitPattern: readUInt64LE(bytes, at: position))))
                position += 8
            }
        case .byteArray:
            for index in 0..<count {
                guard position + 4 <= end else { throw truncated(count, "BYTE_ARRAY", at: index) }
                let length = Int(readUInt32LE(bytes, at: position))
                position += 4
                guard length <= end - position else { throw truncated(count, "BYTE_ARRAY", at: index) }
                values.append(try makeByteArray(bytes[position..<position + length]))
                position += length
            }
        case .fixedLenByteArray:
            guard count * typeLength <= end - position else { throw truncated(count, "FIXED_LEN_BYTE_ARRAY") }
            for _ in 0..<count {
                values.append(.bytes(Array(bytes[position..<position + typeLength])))
                position += typeLength
            }
        case .int96:
            // The column reader rejects INT96 before decoding any page.
            throw ParquetUnsupportedFeature(feature: "INT96 values")
        }
        return values
    }

    /// Decodes `count` RLE-encoded booleans (a 4-byte length, then the hybrid with bit width 1).
    func decodeRLEBooleans(_ bytes: [UInt8], range: Range<Int>, count: Int) throws -> [ParquetValue] {
        guard range.count >= 4 else { throw ParquetPageFailure(reason: "RLE boolean length prefix is truncated") }
        let length = Int(readUInt32LE(bytes, at: range.lowerBound))
        let start = range.lowerBound + 4
        guard length <= range.upperBound - start else {
            throw ParquetPageFailure(reason: "RLE boolean data of \(length) bytes runs past the page end")
        }
        let bits = try decodeRLEHybrid(bytes, range: start..<start + length, bitWidth: 1, count: count)
        return bits.map { .bool($0 == 1) }
    }

    private func makeInt32(_ raw: Int32) -> ParquetValue {
        valueKind == .unsigned32 ? .int64(Int64(UInt32(bitPattern: raw))) : .int32(raw)
    }

    private func makeByteArray(_ slice: ArraySlice<UInt8>) throws -> ParquetValue {
        guard valueKind == .string else { return .bytes(Array(slice)) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw ParquetPageFailure(reason: "a STRING value is not valid UTF-8")
        }
        return .string(text)
    }

    private func truncated(_ count: Int, _ type: String, at index: Int? = nil) -> ParquetPageFailure {
        let valueNote = index.map { " (value \($0))" } ?? ""
        return ParquetPageFailure(reason: "PLAIN \(type) data for \(count) values is truncated\(valueNote)")
    }
}
