/// WordPiece tokenizer of the BERT family.
///
/// Pipeline, as in `tokenizers` 0.23 with BertNormalizer, BertPreTokenizer and a WordPiece model:
/// 1. added tokens (`[CLS]`, `[SEP]`, `[MASK]` …) are split out of the raw text first (`AddedVocabulary`),
///    so special-token strings inside the text become those tokens;
/// 2. each remaining piece is normalised (`BertNormalizer`), then split on `normalized` added tokens;
/// 3. `BertPreTokenizer` splits it into words on whitespace and punctuation;
/// 4. `WordPieceModel` turns each word into vocabulary pieces or `[UNK]`;
/// 5. `PostProcessor` truncates to `maxLength` and adds `[CLS] … [SEP]`.
public final class WordPieceTokenizer: Tokenizer {
    let model: WordPieceModel
    let normalizer: BertNormalizer?
    let addedVocabulary: AddedVocabulary
    let postProcessor: PostProcessor
    let decoder: WordPieceDecoder?
    public let padTokenId: Int32
    public let maxLength: Int
    public let vocabularySize: Int
    private let tokensById: [Int32: String]
    private let specialIds: Set<Int32>

    init(
        model: WordPieceModel, normalizer: BertNormalizer?, addedTokens: [AddedToken], postProcessor: PostProcessor,
        decoder: WordPieceDecoder?, padTokenId: Int32, maxLength: Int
    ) {
        self.model = model
        self.normalizer = normalizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.padTokenId = padTokenId
        self.maxLength = maxLength
        addedVocabulary = AddedVocabulary(tokens: addedTokens) { content in
            guard let normalizer else { return content }
            var scratch = BertNormalizer.Scratch()
            var output: [UInt8] = []
            var copy = content
            copy.withUTF8 { normalizer.normalize($0, into: &output, scratch: &scratch) }
            return String(decoding: output, as: UTF8.self)
        }
        var tokens: [Int32: String] = [:]
        for (id, token) in model.vocabulary.tokens { tokens[id] = token }
        for token in addedTokens { tokens[token.id] = token.content }
        tokensById = tokens
        specialIds = Set(addedTokens.filter(\.special).map(\.id))
        vocabularySize = Int((tokens.keys.max() ?? -1) + 1)
    }

    /// Per-worker buffers.
    struct Scratch {
        var normalized: [UInt8] = []
        var normalizer = BertNormalizer.Scratch()
    }

    public func encode(_ text: String) -> [Int32] {
        var scratch = Scratch()
        return encode(text, scratch: &scratch)
    }

    public func encodeBatch(_ texts: [String]) -> [[Int32]] {
        parallelMap(texts, makeState: { Scratch() }) { text, scratch in encode(text, scratch: &scratch) }
    }

    func encode(_ text: String, scratch: inout Scratch) -> [Int32] {
        postProcessor.frame(encodeContent(text, scratch: &scratch), maxLength: maxLength)
    }

    /// Ids of `text` without framing or truncation.
    func encodeContent(_ text: String, scratch: inout Scratch) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var text = text
        text.withUTF8 { bytes in
            addedVocabulary.splitRaw(bytes) { start, end, addedId in
                if let addedId {
                    ids.append(addedId)
                    return
                }
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
                guard let normalizer else {
                    encodeNormalized(piece, into: &ids)
                    return
                }
                var normalized = scratch.normalized
                normalizer.normalize(piece, into: &normalized, scratch: &scratch.normalizer)
                normalized.withUnsafeBufferPointer { encodeNormalized($0, into: &ids) }
                scratch.normalized = normalized
            }
        }
        return ids
    }

    /// Splits normalised text on `normalized` added tokens, then into words, and appends their ids.
    private func encodeNormalized(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        addedVocabulary.splitNormalized(text) { start, end, addedId in
            if let addedId {
                ids.append(addedId)
                return
            }
            let piece = UnsafeBufferPointer(rebasing: text[start..<end])
            BertPreTokenizer.split(piece) { wordStart, wordEnd in
                model.encodeWord(UnsafeBufferPointer(rebasing: piece[wordStart..<wordEnd]), into: &ids)
            }
        }
    }

    public func decode(_ ids: [Int32]) -> String {
        let tokens = ids.compactMap { id in specialIds.contains(id) ? nil : tokensById[id] }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens)
    }

    public func tokenId(_ token: String) -> Int32? {
        if let added = addedVocabulary.tokens.last(where: { sameBytes($0.content, token) }) { return added.id }
        return model.vocabulary.id(token)
    }
}

/// The WordPiece decoder of `tokenizers` 0.23 `decoders/wordpiece.rs`. Pieces with the prefix are glued to
/// the previous one and the others get a space, then `cleanup` removes spaces before punctuation in each
/// token. It works on UTF-8 bytes, as Rust's `str` methods do, so combining marks never hide a match.
struct WordPieceDecoder: Sendable, Equatable {
    var prefix = "##"
    var cleanup = true

    func decode(_ tokens: [String]) -> String {
        let prefixBytes = Array(prefix.utf8)
        var text: [UInt8] = []
        for (index, token) in tokens.enumerated() {
            var piece = Array(token.utf8)
            if index != 0 {
                if piece.starts(with: prefixBytes) {
                    piece.removeFirst(prefixBytes.count)
                } else {
                    piece.insert(UInt8(ascii: " "), at: 0)
                }
            }
            if cleanup { piece = Self.cleanUp(piece) }
            text += piece
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The replacements of `tokenizers`' `cleanup`, in its order.
    private static let replacements: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    static func cleanUp(_ text: [UInt8]) -> [UInt8] {
        var text = text
        for (target, replacement) in replacements {
            text = replaceAll(text, target, replacement)
        }
        return text
    }

    /// Replaces non-overlapping occurrences from left to right, as Rust's `str::replace`.
    private static func replaceAll(_ text: [UInt8], _ target: [UInt8], _ replacement: [UInt8]) -> [UInt8] {
        guard text.count >= target.count else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if index + target.count <= text.count && text[index..<(index + target.count)].elementsEqual(target) {
                output += replacement
                index += target.count
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }
}
