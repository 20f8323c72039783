/// BERT's pre-tokenisation, as `tokenizers` 0.23 `pre_tokenizers/bert.rs`: split on whitespace (removed),
/// then on punctuation, each punctuation character becoming a word of its own.
///
/// Punctuation is ASCII 33-47, 58-64, 91-96 and 123-126 (so `$`, `+`, `<`, `^`, `|` count) plus the
/// Unicode 8.0 P* categories. Whitespace is Unicode White_Space (`HFUnicode.bertFlags`).
enum BertPreTokenizer {
    /// Calls `body(start, end)` with the byte range of each word of `bytes` (valid UTF-8), in order.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        HFUnicode.bertBasicPlane.withUnsafeBufferPointer { table in split(bytes, flags: table, body) }
    }

    /// `flags` is `HFUnicode.bertBasicPlane`, passed as a pointer so the loop reads it directly.
    @inline(__always)
    private static func split(
        _ bytes: UnsafeBufferPointer<UInt8>, flags table: UnsafeBufferPointer<BertCharacterFlags>, _ body: (Int, Int) -> Void
    ) {
        var wordStart = -1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let flags: BertCharacterFlags
            let length: Int
            if byte < 0x80 {
                flags = table[Int(byte)]
                length = 1
            } else {
                let decoded = decodeScalar(bytes, at: index)
                flags = decoded.value < 0x10000 ? table[Int(decoded.value)] : HFUnicode.bertFlags(decoded.value)
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
}
