// Reads one top-level column chunk by chunk and page by page.
//
// Data page v1 body (all of it compressed): [definition levels: UInt32 length + RLE hybrid] [values].
// Data page v2 body: [repetition levels][definition levels] (never compressed, lengths in the header),
// then the values, compressed when `is_compressed` is set.
// Definition level maxDefinitionLevel means "value present"; lower levels are nulls. A top-level optional
// column has maxDefinitionLevel 1 and a required one 0 (no levels stored at all).

struct ParquetColumnReader {
    let file: ParquetFile
    let column: ParquetColumn

    private var maxDefinitionLevel: Int { column.isOptional ? 1 : 0 }

    func readAll() throws -> [ParquetValue] {
        if let feature = column.unsupportedFeature {
            throw ParquetError.unsupported(file: file.name, column: column.name, feature: feature)
        }
        guard let leafIndex = column.leafIndex, let physicalType = column.physicalType else {
            throw ParquetError.unsupported(file: file.name, column: column.name, feature: "a nested group")
        }
        let decoder = ParquetValueDecoder(physicalType: physicalType, typeLength: column.typeLength, valueKind: column.valueKind)

        var values: [ParquetValue] = []
        values.reserveCapacity(file.numRows)
        for (groupIndex, group) in file.rowGroups.enumerated() {
            let chunk = group.columns[leafIndex]
            try readChunk(chunk, rowGroup: groupIndex, decoder: decoder, into: &values)
        }
        return values
    }

    // MARK: - Column chunks

    private func readChunk(
        _ chunk: ParquetColumnChunk, rowGroup: Int, decoder: ParquetValueDecoder, into values: inout [ParquetValue]
    ) throws {
        let location = "column '\(column.name)', row group \(rowGroup)"
        guard chunk.filePath == nil else {
            throw ParquetError.unsupported(file: file.name, column: column.name, feature: "column data in a separate file (\(chunk.filePath ?? ""))")
        }
        guard let meta = chunk.metaData else {
            throw ParquetError.corrupt(file: file.name, location: location, reason: "the column chunk has no metadata")
        }
        guard let codec = ParquetCodec(rawValue: meta.codec) else {
            throw ParquetError.unsupported(file: file.name, column: column.name, feature: "compression codec \(meta.codec)")
        }

        // The chunk starts at the dictionary page when there is one; some writers store 0 for "none".
        var start = meta.dataPageOffset
        if let dictionaryOffset = meta.dictionaryPageOffset, dictionaryOffset > 0, dictionaryOffset < start {
            start = dictionaryOffset
        }
        let bytes = file.bytes
        let end = start + meta.totalCompressedSize
        guard start >= 4, meta.totalCompressedSize >= 0, end <= Int64(bytes.count - 8) else {
            throw ParquetError.corrupt(
                file: file.name, location: location,
                reason: "chunk bytes \(start)..<\(end) lie outside the file's \(bytes.count) bytes")
        }

        var state = ChunkState(codec: codec, decoder: decoder)
        var position = Int(start)
        var pageIndex = 0
        let valuesBefore = values.count
        while Int64(values.count - valuesBefore) < meta.numValues {
            let pageLocation = "\(location), page \(pageIndex)"
            guard position < Int(end) else {
                throw ParquetError.corrupt(
                    file: file.name, location: pageLocation,
                    reason: "the chunk ends after \(values.count - valuesBefore) of its \(meta.numValues) values")
            }
            do {
                position = try readPage(at: position, chunkEnd: Int(end), state: &state, into: &values)
            } catch let failure as ParquetPageFailure {
                throw ParquetError.corrupt(file: file.name, location: pageLocation, reason: failure.reason)
            } catch let failure as ThriftDecodingError {
                throw ParquetError.corrupt(file: file.name, location: pageLocation, reason: "page header: \(failure.description)")
            } catch let unsupported as ParquetUnsupportedFeature {
                throw ParquetError.unsupported(file: file.name, column: column.name, feature: unsupported.feature)
            }
            pageIndex += 1
        }
        guard Int64(values.count - valuesBefore) == meta.numValues else {
            throw ParquetError.corrupt(
                file: file.name, location: location,
                reason: "pages hold \(values.count - valuesBefore) values but the chunk metadata states \(meta.numValues)")
        }
    }

    /// Decoding state shared by the pages of one column chunk.
    private struct ChunkState {
        let codec: ParquetCodec
        let decoder: ParquetValueDecoder
        var dictionary: [ParquetValue]?
    }

    /// Decodes the page at `position` and returns the offset of the next one.
    private func readPage(at position: Int, chunkEnd: Int, state: inout ChunkState, into values: inout [ParquetValue]) throws -> Int {
        let bytes = file.bytes
        var reader = ThriftCompactReader(bytes: bytes, position: position, end: chunkEnd)
        let header = try ParquetPageHeader(reading: &reader)
        let bodyStart = reader.position
        let compressedSize = Int(header.compressedPageSize)
        let uncompressedSize = Int(header.uncompressedPageSize)
        guard compressedSize >= 0, uncompressedSize >= 0, compressedSize <= chunkEnd - bodyStart else {
            throw ParquetPageFailure(reason: "page body of \(compressedSize) bytes runs past the chunk end")
        }
        let body = bytes[bodyStart..<bodyStart + compressedSize]

        switch ParquetPageType(rawValue: header.type) {
        case .dictionaryPage:
            guard let dictionaryHeader = header.dictionaryPage else {
                throw ParquetPageFailure(reason: "dictionary page without a dictionary page header")
            }
            try readDictionaryPage(dictionaryHeader, body: body, uncompressedSize: uncompressedSize, state: &state)
        case .dataPage:
            guard let dataHeader = header.dataPage else {
                throw ParquetPageFailure(reason: "data page without a data page header")
            }
            let page = try ParquetDecompressor.decompress(body, codec: state.codec, uncompressedSize: uncompressedSize)
            try readDataPageV1(dataHeader, page: page, state: state, into: &values)
        case .dataPageV2:
            guard let dataHeader = header.dataPageV2 else {
                throw ParquetPageFailure(reason: "data page v2 without a data page v2 header")
            }
            try readDataPageV2(dataHeader, body: body, uncompressedSize: uncompressedSize, state: state, into: &values)
        case .indexPage, nil:
            // Index pages and page types from newer format versions carry no values for this reader.
            break
        }
        return bodyStart + compressedSize
    }

    // MARK: - Pages

    private func readDictionaryPage(
        _ header: ParquetDictionaryPageHeader, body: ArraySlice<UInt8>, uncompressedSize: Int, state: inout ChunkState
    ) throws {
        guard header.encoding == ParquetEncoding.plain.rawValue || header.encoding == ParquetEncoding.plainDictionary.rawValue else {
            throw ParquetUnsupportedFeature(feature: "a dictionary page in \(ParquetEncoding.name(header.encoding)) encoding")
        }
        guard header.numValues >= 0 else { throw ParquetPageFailure(reason: "dictionary page header has a negative value count \(header.numValues)") }
        let page = try ParquetDecompressor.decompress(body, codec: state.codec, uncompressedSize: uncompressedSize)
        state.dictionary = try state.decoder.decodePlain(page, range: 0..<page.count, count: Int(header.numValues))
    }

    private func readDataPageV1(
        _ header: ParquetDataPageHeader, page: [UInt8], state: ChunkState, into values: inout [ParquetValue]
    ) throws {
        let count = Int(header.numValues)
        guard count >= 0 else { throw ParquetPageFailure(reason: "data page header has a negative value count \(count)") }

        var position = 0
        var levels: [UInt32]?
        if maxDefinitionLevel > 0 {
            guard header.definitionLevelEncoding == ParquetEncoding.rle.rawValue else {
                throw ParquetUnsupportedFeature(feature: "definition levels in \(ParquetEncoding.name(header.definitionLevelEncoding)) encoding")
            }
            guard page.count >= 4 else { throw ParquetPageFailure(reason: "definition level length is truncated") }
            let length = Int(readUInt32LE(page, at: 0))
            guard length <= page.count - 4 else {
                throw ParquetPageFailure(reason: "definition levels of \(length) bytes run past the page end")
            }
            levels = try decodeRLEHybrid(page, range: 4..<4 + length, bitWidth: bitWidth(forMaxValue: maxDefinitionLevel), count: count)
            position = 4 + length
        }
        try appendValues(
            count: count, levels: levels, encoding: header.encoding, page: page, range: position..<page.count,
            state: state, into: &values)
    }

    private func readDataPageV2(
        _ header: ParquetDataPageHeaderV2, body: ArraySlice<UInt8>, uncompressedSize: Int, state: ChunkState,
        into values: inout [ParquetValue]
    ) throws {
        let count = Int(header.numValues)
        let repetitionLength = Int(header.repetitionLevelsByteLength)
        let definitionLength = Int(header.definitionLevelsByteLength)
        guard count >= 0, repetitionLength >= 0, definitionLength >= 0,
              repetitionLength + definitionLength <= body.count,
              repetitionLength + definitionLength <= uncompressedSize
        else {
            throw ParquetPageFailure(reason: "data page v2 level lengths (\(repetitionLength), \(definitionLength)) do not fit its \(body.count) bytes")
        }
        guard repetitionLength == 0 else {
            throw ParquetPageFailure(reason: "a top-level column has \(repetitionLength) bytes of repetition levels")
        }

        let levelBytes = Array(body.prefix(definitionLength))
        var levels: [UInt32]?
        if maxDefinitionLevel > 0 {
            levels = try decodeRLEHybrid(
                levelBytes, range: 0..<levelBytes.count, bitWidth: bitWidth(forMaxValue: maxDefinitionLevel), count: count)
        }

        let valuesBody = body.dropFirst(definitionLength)
        let valuesSize = uncompressedSize - definitionLength
        let page: [UInt8]
        if header.isCompressed {
            page = try ParquetDecompressor.decompress(valuesBody, codec: state.codec, uncompressedSize: valuesSize)
        } else {
            page = Array(valuesBody)
        }
        try appendValues(
            count: count, levels: levels, encoding: header.encoding, page: page, range: 0..<page.count,
            state: state, into: &values)
    }

    /// Decodes the non-null values of one data page and appends them, with `.null` where the definition level marks a null.
    private func appendValues(
        count: Int, levels: [UInt32]?, encoding: Int32, page: [UInt8], range: Range<Int>, state: ChunkState,
        into values: inout [ParquetValue]
    ) throws {
        let maxLevel = UInt32(maxDefinitionLevel)
        let presentCount = levels.map { $0.reduce(0) { $0 + ($1 == maxLevel ? 1 : 0) } } ?? count
        let present = try decodeValues(encoding: encoding, page: page, range: range, count: presentCount, state: state)

        guard let levels else {
            values.append(contentsOf: present)
            return
        }
        var next = 0
        for level in levels {
            if level == maxLevel {
                values.append(present[next])
                next += 1
            } else {
                values.append(.null)
            }
        }
    }

    private func decodeValues(encoding: Int32, page: [UInt8], range: Range<Int>, count: Int, state: ChunkState) throws -> [ParquetValue] {
        switch ParquetEncoding(rawValue: encoding) {
        case .plain:
            return try state.decoder.decodePlain(page, range: range, count: count)
        case .plainDictionary, .rleDictionary:
            guard let dictionary = state.dictionary else {
                throw ParquetPageFailure(reason: "dictionary-encoded page without a preceding dictionary page")
            }
            return try decodeDictionaryIndices(page, range: range, count: count, dictionary: dictionary)
        case .rle where state.decoder.physicalType == .boolean:
            return try state.decoder.decodeRLEBooleans(page, range: range, count: count)
        default:
            throw ParquetUnsupportedFeature(feature: "\(ParquetEncoding.name(encoding)) encoding")
        }
    }

    /// Decodes dictionary indices: one byte with the bit width, then the RLE/bit-packed hybrid.
    private func decodeDictionaryIndices(
        _ page: [UInt8], range: Range<Int>, count: Int, dictionary: [ParquetValue]
    ) throws -> [ParquetValue] {
        if count == 0 { return [] }
        guard !range.isEmpty else { throw ParquetPageFailure(reason: "dictionary index bit width is missing") }
        let width = Int(page[range.lowerBound])
        let indices = try decodeRLEHybrid(page, range: range.lowerBound + 1..<range.upperBound, bitWidth: width, count: count)
        var values: [ParquetValue] = []
        values.reserveCapacity(count)
        for index in indices {
            guard Int(index) < dictionary.count else {
                throw ParquetPageFailure(reason: "dictionary index \(index) is out of range for a dictionary of \(dictionary.count) values")
            }
            values.append(dictionary[Int(index)])
        }
        return values
    }
}
