import Foundation
import Testing
import Finetune

@Suite struct SnappyTests {
    struct Case: Decodable {
        let name: String
        let plainHex: String
        let snappyHex: String

        enum CodingKeys: String, CodingKey {
            case name
            case plainHex = "plain_hex"
            case snappyHex = "snappy_hex"
        }
    }

    static func loadCases() throws -> [Case] {
        let url = TestPaths.fixtures.appendingPathComponent("snappy/cases.json")
        return try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }

    @Test func decodesPyarrowBlocks() throws {
        let cases = try Self.loadCases()
        #expect(cases.count >= 7)
        for testCase in cases {
            let compressed = try hexBytes(testCase.snappyHex)
            let plain = try hexBytes(testCase.plainHex)
            #expect(try Snappy.uncompressedLength(compressed) == plain.count, "\(testCase.name)")
            let output = try Snappy.decompress(compressed, expectedLength: plain.count)
            #expect(output == plain, "\(testCase.name): decoded bytes differ")
        }
    }

    @Test func decodesFourByteOffsetCopy() throws {
        // Preamble 8, literal "abcd", then a copy of 4 bytes from offset 4 with a 4-byte offset.
        let block: [UInt8] = [0x08, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x0f, 0x04, 0x00, 0x00, 0x00]
        #expect(try Snappy.decompress(block) == Array("abcdabcd".utf8))
    }

    @Test func decodesOverlappingCopy() throws {
        // Literal "ab", then a 1-byte-offset copy of 6 bytes from offset 2, which overlaps its own output.
        let block: [UInt8] = [0x08, 0x04, 0x61, 0x62, 0x09, 0x02]
        #expect(try Snappy.decompress(block) == Array("abababab".utf8))
    }

    @Test func rejectsCopyBeforeStart() {
        // A copy from offset 3 when only 2 bytes have been written.
        let block: [UInt8] = [0x06, 0x04, 0x61, 0x62, 0x01, 0x03]
        #expect(throws: SnappyError.self) { try Snappy.decompress(block) }
    }

    @Test func rejectsZeroOffset() {
        let block: [UInt8] = [0x06, 0x04, 0x61, 0x62, 0x01, 0x00]
        #expect(throws: SnappyError.self) { try Snappy.decompress(block) }
    }

    @Test func rejectsTruncatedLiteral() {
        let block: [UInt8] = [0x04, 0x0c, 0x61, 0x62]
        #expect(throws: SnappyError.self) { try Snappy.decompress(block) }
    }

    @Test func rejectsShortOutput() {
        // The preamble promises 5 bytes but the elements produce 2.
        let block: [UInt8] = [0x05, 0x04, 0x61, 0x62]
        #expect(throws: SnappyError.self) { try Snappy.decompress(block) }
    }

    @Test func rejectsOutputPastDeclaredLength() {
        let block: [UInt8] = [0x01, 0x04, 0x61, 0x62]
        #expect(throws: SnappyError.self) { try Snappy.decompress(block) }
    }

    @Test func rejectsExpectedLengthMismatch() throws {
        let block: [UInt8] = [0x02, 0x04, 0x61, 0x62]
        #expect(try Snappy.decompress(block) == [0x61, 0x62])
        let error = #expect(throws: SnappyError.self) { try Snappy.decompress(block, expectedLength: 3) }
        #expect(error?.description.contains("3 were expected") == true)
    }

    @Test func rejectsTruncatedPreamble() {
        #expect(throws: SnappyError.self) { try Snappy.decompress([0x80]) }
        #expect(throws: SnappyError.self) { try Snappy.decompress([]) }
    }
}

/// Decodes a lowercase or uppercase hex string.
func hexBytes(_ hex: String) throws -> [UInt8] {
    struct InvalidHex: Error {}
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { throw InvalidHex() }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = hexDigit(digits[index]), let low = hexDigit(digits[index + 1]) else { throw InvalidHex() }
        bytes.append(high << 4 | low)
        index += 2
    }
    return bytes
}

private func hexDigit(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
    default: return nil
    }
}
