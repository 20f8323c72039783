/// GPT-2's reversible map between bytes and printable characters, which byte-level BPE vocabularies use.
///
/// Printable Latin-1 bytes (`!`...`~`, `¡`...`¬`, `®`...`ÿ`) map to themselves. The other 68 bytes map to
/// U+0100 upwards in byte order, so a space becomes `Ġ` (U+0120) and a newline `Ċ` (U+010A).
/// Source: openai/gpt-2 `encoder.py` `bytes_to_unicode`, also `tokenizers` `pre_tokenizers/byte_level.rs`.
enum ByteLevel {
    /// Character of each byte, indexed by byte.
    static let characterOfByte: [Unicode.Scalar] = {
        var characters = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                characters[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                characters[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return characters
    }()

    /// Byte of each mapped character, or nil for characters outside the 256-character alphabet.
    static func byte(of character: Unicode.Scalar) -> UInt8? {
        let value = character.value
        if value < 256 {
            let printable = (0x21...0x7E).contains(value) || (0xA1...0xAC).contains(value) || (0xAE...0xFF).contains(value)
            return printable ? UInt8(value) : nil
        }
        guard value < 256 + 68 else { return nil }
        return byteOfExtraCharacter[Int(value - 256)]
    }

    /// Bytes in the order they were given U+0100 upwards.
    private static let byteOfExtraCharacter: [UInt8] = (0..<256).compactMap { byte in
        let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
        return printable ? nil : UInt8(byte)
    }

    /// Raw bytes of a vocabulary token, or nil when a character is outside the alphabet.
    static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for character in token.unicodeScalars {
            guard let byte = byte(of: character) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// Bytes the ByteLevel decoder emits for a token: the mapped bytes, or the token's own UTF-8 when any
    /// character is outside the alphabet (added tokens such as `<s>` are inside it, since they are ASCII).
    static func decoderBytes(of token: String) -> [UInt8] {
        decode(token) ?? Array(token.utf8)
    }
}
