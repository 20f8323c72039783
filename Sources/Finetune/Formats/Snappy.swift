// Snappy raw-block decompression, as Parquet's SNAPPY codec stores pages.
//
// Format (google/snappy format_description.txt): a varint with the uncompressed length, then elements
// whose tag byte's low two bits select the kind:
//   00 literal: length - 1 in the upper six bits; 60...63 there mean 1...4 little-endian length bytes follow
//   01 copy, 1-byte offset: length 4...11 from bits 2...4, offset high 3 bits from bits 5...7 plus one byte
//   10 copy, 2-byte offset: length 1...64 from the upper six bits, little-endian 16-bit offset
//   11 copy, 4-byte offset: length 1...64 from the upper six bits, little-endian 32-bit offset
// A copy may overlap its own output (offset < length), which repeats the last `offset` bytes.
// The framed stream format (snappy's .sz files) is not handled.

/// A Snappy block that cannot be decoded.
public struct SnappyError: Error, CustomStringConvertible, Equatable {
    /// The byte offset in the compressed input where decoding failed.
    public let offset: Int
    public let reason: String

    public var description: String {
        "Snappy: invalid compressed data at byte \(offset): \(reason). The file is damaged or was not written with Snappy; re-download or re-export it."
    }
}

public enum Snappy {
    /// Reads the uncompressed length from the block's preamble without decoding it.
    public static func uncompressedLength(_ input: [UInt8]) throws -> Int {
        var position = 0
        return try readPreamble(input, &position)
    }

    /// Decompresses one raw Snappy block.
    ///
    /// - Parameter expectedLength: the length the container promises (Parquet's uncompressed page size);
    ///   a block whose preamble disagrees is rejected before any output is allocated.
    public static func decompress(_ input: [UInt8], expectedLength: Int? = nil) throws -> [UInt8] {
        var position = 0
        let length = try readPreamble(input, &position)
        if let expectedLength, expectedLength != length {
            throw SnappyError(offset: 0, reason: "block has \(length) bytes but \(expectedLength) were expected")
        }
        if length == 0 {
            guard position == input.count else {
                throw SnappyError(offset: position, reason: "trailing bytes after an empty block")
            }
            return []
        }

        let start = position
        return try [UInt8](unsafeUninitializedCapacity: length) { output, initializedCount in
            initializedCount = 0
            try input.withUnsafeBufferPointer { source in
                initializedCount = try decodeElements(source, from: start, into: output)
            }
        }
    }

    private static func readPreamble(_ input: [UInt8], _ position: inout Int) throws -> Int {
        var value = 0
        var shift = 0
        while true {
            guard position < input.count else {
                throw SnappyError(offset: position, reason: "the length preamble is truncated")
            }
            let byte = input[position]
            position += 1
            value |= Int(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            // The preamble is at most 32 bits, so five bytes.
            guard shift < 35 else { throw SnappyError(offset: position, reason: "the length preamble is longer than 5 bytes") }
        }
        guard value <= Int(UInt32.max) else {
            throw SnappyError(offset: 0, reason: "the length preamble \(value) exceeds 2^32 - 1")
        }
        return value
    }

    /// Decodes every element after the preamble into `output`, which has exactly the uncompressed length.
    /// Returns the number of bytes written, which equals `output.count` on success.
    private static func decodeElements(
        _ source: UnsafeBufferPointer<UInt8>, from start: Int, into output: UnsafeMutableBufferPointer<UInt8>
    ) throws -> Int {
        var inputPosition = start
        var outputPosition = 0
        let inputEnd = source.count
        let outputEnd = output.count

        while inputPosition < inputEnd {
            let tagOffset = inputPosition
            let tag = source[inputPosition]
            inputPosition += 1

            if tag & 0x03 == 0 {
                // Literal.
                var length = Int(tag >> 2) + 1
                if length > 60 {
                    let extraBytes = length - 60
                    guard inputPosition + extraBytes <= inputEnd else {
                        throw SnappyError(offset: tagOffset, reason: "literal length bytes are truncated")
                    }
                    length = 0
                    for index in 0..<extraBytes {
                        length |= Int(source[inputPosition + index]) << (8 * index)
                    }
                    length += 1
                    inputPosition += extraBytes
                }
                guard inputPosition + length <= inputEnd else {
                    throw SnappyError(offset: tagOffset, reason: "literal of \(length) bytes runs past the input end")
                }
                guard outputPosition + length <= outputEnd else {
                    throw SnappyError(offset: tagOffset, reason: "literal of \(length) bytes runs past the declared length \(outputEnd)")
                }
                // SAFETY: both ranges were bounds-checked just above.
                for index in 0..<length {
                    output[outputPosition + index] = source[inputPosition + index]
                }
                inputPosition += length
                outputPosition += length
                continue
            }

            var length: Int
            var offset: Int
            switch tag & 0x03 {
            case 1:
                guard inputPosition + 1 <= inputEnd else {
                    throw SnappyError(offset: tagOffset, reason: "copy offset is truncated")
                }
                length = Int((tag >> 2) & 0x07) + 4
                offset = (Int(tag >> 5) << 8) | Int(source[inputPosition])
                inputPosition += 1
            case 2:
                guard inputPosition + 2 <= inputEnd else {
                    throw SnappyError(offset: tagOffset, reason: "copy offset is truncated")
                }
                length = Int(tag >> 2) + 1
                offset = Int(source[inputPosition]) | Int(source[inputPosition + 1]) << 8
                inputPosition += 2
            default:
                guard inputPosition + 4 <= inputEnd else {
                    throw SnappyError(offset: tagOffset, reason: "copy offset is truncated")
                }
                length = Int(tag >> 2) + 1
                offset = 0
                for index in 0..<4 {
                    offset |= Int(source[inputPosition + index]) << (8 * index)
                }
                inputPosition += 4
            }

            guard offset > 0, offset <= outputPosition else {
                throw SnappyError(offset: tagOffset, reason: "copy offset \(offset) is outside the \(outputPosition) bytes written so far")
            }
            guard outputPosition + length <= outputEnd else {
                throw SnappyError(offset: tagOffset, reason: "copy of \(length) bytes runs past the declared length \(outputEnd)")
            }
            // Byte by byte on purpose: an overlapping copy must read bytes this loop has just written.
            var from = outputPosition - offset
            for _ in 0..<length {
                output[outputPosition] = output[from]
                outputPosition += 1
                from += 1
            }
        }

        guard outputPosition == outputEnd else {
            throw SnappyError(offset: inputEnd, reason: "input ended after \(outputPosition) of \(outputEnd) bytes")
        }
        return outputPosition
    }
}
