/// BERT's pre-tokenisation, as `tokenizers` 0.23 `pre_tokenizers/bert.rs`: split on whitespace (removed),
/// then on punctuation, each punctuation character becoming a word of its own.
///
/// Punctuation is ASCII 33-47, 58-64, 91-96 and 123-126 (so `$`, `+`, `<`, `^`, `|` count) plus the
/// Unicode 8.0 P* categories; whitespace is Unicode White_Space (`HFUnicode.bertFlags`).
enum BertPreTokenizer {
    /// Calls `body(start, end)` with the byte range of each word of `bytes` (valid UTF-8), in order.
    @inline(__always)
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        var wordStart = -1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let flags: BertCharacterFlags
            let length: Int
            if byte < 0x80 {
                flags = asciiFlags[Int(byte)]
                length = 1
            } else {
                let decoded = decodeScalar(bytes, at: index)
                flags = HFUnicode.bertFlags(decoded.value)
                length = decoded.length
            }
            if flags.contains(.whitespace) || flags.contains(.punctuation) {
                if wordStart >= 0 {
                    body(wordStart, index)
                    wordStart = -1
                }
                if flags.contains(.punctuation) && !flags.contains(.whitespace) {
                    body(index, index + length)
                }
            } else if wordStart < 0 {
                wordStart = index
            }
            index += length
        }
        if wordStart >= 0 { body(wordStart, bytes.count) }
    }

    private static let asciiFlags: [BertCharacterFlags] = (0..<128).map { HFUnicode.bertFlags(UInt32($0)) }
}
