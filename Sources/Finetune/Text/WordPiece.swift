/// The WordPiece model of BERT: greedy longest-match-first over the vocabulary, as `tokenizers` 0.23
/// `models/wordpiece`.
///
/// A word longer than `maxInputCharsPerWord` characters, or one with any position where no vocabulary
/// entry matches, becomes the single unknown token. Pieces after the first carry the continuing-subword
/// prefix (`##`) in the vocabulary.
struct WordPieceModel: Sendable {
    let vocabulary: Vocabulary
    let unknownId: Int32
    let continuingSubwordPrefix: String
    let maxInputCharsPerWord: Int
    /// Tokens by UTF-8 bytes, for the first piece of a word.
    private let wordStarts: ByteStringTable
    /// Tokens that begin with the prefix, keyed by the bytes after it, for the following pieces.
    private let continuations: ByteStringTable

    init(vocabulary: Vocabulary, unknownId: Int32, continuingSubwordPrefix: String, maxInputCharsPerWord: Int) {
        self.vocabulary = vocabulary
        self.unknownId = unknownId
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var continuations = ByteStringTable(minimumCapacity: vocabulary.count / 4)
        let prefix = Array(continuingSubwordPrefix.utf8)
        vocabulary.table.forEach { token, id in
            if token.starts(with: prefix) { continuations.insert(token.dropFirst(prefix.count), value: id) }
        }
        wordStarts = vocabulary.table
        self.continuations = continuations
    }

    /// Appends the ids of `word` (valid UTF-8, not empty) to `output`.
    func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into output: inout [Int32]) {
        var characters = 0
        for byte in word where byte & 0xC0 != 0x80 { characters += 1 }
        if characters > maxInputCharsPerWord {
            output.append(unknownId)
            return
        }

        let first = output.count
        let base = word.baseAddress!
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32? = nil
            while start < end {
                let id = start == 0 ? wordStarts.value(base, end) : continuations.value(base + start, end - start)
                if let id {
                    found = id
                    break
                }
                // Step back one character.
                end -= 1
                while end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            guard let id = found else {
                output.removeSubrange(first...)
                output.append(unknownId)
                return
            }
            output.append(id)
            start = end
        }
    }
}
