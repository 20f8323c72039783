// Page decompression for the codecs this reader supports: UNCOMPRESSED, SNAPPY (Snappy.swift), GZIP (zlib)
// and ZSTD (libzstd). Every page states its uncompressed size, so each codec decodes into a buffer of
// exactly that size and a size mismatch is an error.

import CZlib
import CZstd

/// A page that failed to decompress; the column reader adds file and page context.
struct ParquetPageFailure: Error {
    let reason: String
}

/// A codec or encoding that the reader does not implement; the column reader adds file and column.
struct ParquetUnsupportedFeature: Error {
    let feature: String
}

enum ParquetDecompressor {
    static func decompress(_ input: ArraySlice<UInt8>, codec: ParquetCodec, uncompressedSize: Int) throws -> [UInt8] {
        switch codec {
        case .uncompressed:
            guard input.count == uncompressedSize else {
                throw ParquetPageFailure(reason: "uncompressed page has \(input.count) bytes but its header states \(uncompressedSize)")
            }
            return Array(input)
        case .snappy:
            do {
                return try Snappy.decompress(Array(input), expectedLength: uncompressedSize)
            } catch let error as SnappyError {
                throw ParquetPageFailure(reason: "Snappy data invalid at byte \(error.offset): \(error.reason)")
            }
        case .gzip:
            return try inflate(input, uncompressedSize: uncompressedSize)
        case .zstd:
            return try zstdDecompress(input, uncompressedSize: uncompressedSize)
        case .lzo:
            throw ParquetUnsupportedFeature(feature: "LZO compression")
        case .brotli:
            throw ParquetUnsupportedFeature(feature: "BROTLI compression")
        case .lz4:
            throw ParquetUnsupportedFeature(feature: "LZ4 (Hadoop framing) compression")
        case .lz4Raw:
            throw ParquetUnsupportedFeature(feature: "LZ4_RAW compression")
        }
    }

    /// Inflates gzip data (one or more members, as parquet-mr and pyarrow write) or a zlib stream.
    private static func inflate(_ input: ArraySlice<UInt8>, uncompressedSize: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: uncompressedSize)
        var stream = z_stream()
        // windowBits 15 + 32 lets zlib detect the gzip or zlib header itself.
        let initStatus = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw ParquetPageFailure(reason: "zlib inflateInit2 failed with status \(initStatus)") }
        defer { inflateEnd(&stream) }

        var input = Array(input)
        var written = 0
        var consumed = 0
        try input.withUnsafeMutableBufferPointer { source in
            try output.withUnsafeMutableBufferPointer { destination in
                while true {
                    stream.next_in = source.baseAddress.map { $0 + consumed }
                    stream.avail_in = UInt32(source.count - consumed)
                    stream.next_out = destination.baseAddress.map { $0 + written }
                    stream.avail_out = UInt32(destination.count - written)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    consumed = source.count - Int(stream.avail_in)
                    written = destination.count - Int(stream.avail_out)

                    if status == Z_STREAM_END {
                        // Several gzip members may follow one another; decode the next one if bytes remain.
                        guard consumed < source.count else { return }
                        let resetStatus = inflateReset(&stream)
                        guard resetStatus == Z_OK else {
                            throw ParquetPageFailure(reason: "zlib inflateReset failed with status \(resetStatus)")
                        }
                        continue
                    }
                    if status == Z_BUF_ERROR {
                        // No progress was possible: either the output is full or the input ran out.
                        if stream.avail_out == 0 {
                            throw ParquetPageFailure(reason: "GZIP data inflates to more than the \(uncompressedSize) bytes the page header states")
                        }
                        throw ParquetPageFailure(reason: "GZIP data ends before the end of its stream")
                    }
                    guard status == Z_OK else {
                        let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                        throw ParquetPageFailure(reason: "GZIP data invalid: \(message)")
                    }
                }
            }
        }
        guard written == uncompressedSize else {
            throw ParquetPageFailure(reason: "GZIP data inflates to \(written) bytes but the page header states \(uncompressedSize)")
        }
        return output
    }

    private static func zstdDecompress(_ input: ArraySlice<UInt8>, uncompressedSize: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: uncompressedSize)
        let result = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                ZSTD_decompress(destination.baseAddress, destination.count, source.baseAddress, source.count)
            }
        }
        if ZSTD_isError(result) != 0 {
            throw ParquetPageFailure(reason: "ZSTD data invalid: \(String(cString: ZSTD_getErrorName(result)))")
        }
        guard result == uncompressedSize else {
            throw ParquetPageFailure(reason: "ZSTD data decompresses to \(result) bytes but the page header states \(uncompressedSize)")
        }
        return output
    }
}
