/// Byte-level BPE tokenizer of the RoBERTa and GPT-2 families.
///
/// Pipeline, as in `tokenizers` 0.23 with a ByteLevel pre-tokenizer and decoder:
/// 1. added tokens (`<s>`, `</s>`, `<mask>` …) are split out of the raw text first (`AddedVocabulary`),
///    so special-token strings inside the text become those tokens;
/// 2. each remaining piece gets a leading space when `addPrefixSpace` is set and it has none;
/// 3. `GPT2PreTokenizer` splits the piece into words;
/// 4. `BPEModel` merges each word's bytes, with a per-worker cache of words already seen;
/// 5. `PostProcessor` truncates to `maxLength` and adds the framing (`<s> … </s>` for RoBERTa).
public final class ByteLevelBPETokenizer: Tokenizer {
    let model: BPEModel
    let addedVocabulary: AddedVocabulary
    let addPrefixSpace: Bool
    /// False when the ByteLevel pre-tokenizer has `use_regex: false`: each piece is one word.
    let useRegex: Bool
    let postProcessor: PostProcessor
    public let padTokenId: Int32
    public let maxLength: Int
    public let vocabularySize: Int
    private let decodeTable: DecodeTable
    private let specialIds: Set<Int32>

    init(
        model: BPEModel, addedTokens: [AddedToken], addPrefixSpace: Bool, useRegex: Bool,
        postProcessor: PostProcessor, padTokenId: Int32, maxLength: Int
    ) {
        self.model = model
        addedVocabulary = AddedVocabulary(tokens: addedTokens, normalizedContent: { $0 })
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
        self.postProcessor = postProcessor
        self.padTokenId = padTokenId
        self.maxLength = maxLength

        // Added tokens take precedence over the model vocabulary when decoding, as in tokenizers.
        var tokensById: [Int32: String] = [:]
        for (id, token) in model.vocabulary.tokens { tokensById[id] = token }
        for token in addedTokens { tokensById[token.id] = token.content }
        decodeTable = DecodeTable(tokensById.mapValues { ByteLevel.decoderBytes(of: $0) })
        specialIds = Set(addedTokens.filter(\.special).map(\.id))
        vocabularySize = Int((tokensById.keys.max() ?? -1) + 1)
    }

    /// Per-worker mutable state: BPE arrays, the word cache and a buffer for prefixed pieces.
    struct Scratch {
        var bpe = BPEModel.Scratch()
        var cache: WordCache
        var piece: [UInt8] = []

        init(cacheEntries: Int) { cache = WordCache(maxEntries: cacheEntries) }
    }

    /// Encodes one text without a word cache, which would cost more to set up than it saves.
    public func encode(_ text: String) -> [Int32] {
        var scratch = Scratch(cacheEntries: 0)
        return encode(text, scratch: &scratch)
    }

    public func encodeBatch(_ texts: [String]) -> [[Int32]] {
        parallelMap(texts, makeState: { Scratch(cacheEntries: 16_384) }) { text, scratch in encode(text, scratch: &scratch) }
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
                // No normaliser: `normalized` added tokens are matched on the same bytes.
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
                addedVocabulary.splitNormalized(piece) { innerStart, innerEnd, innerId in
                    if let innerId {
                        ids.append(innerId)
                    } else {
                        encodePiece(UnsafeBufferPointer(rebasing: piece[innerStart..<innerEnd]), into: &ids, scratch: &scratch)
                    }
                }
            }
        }
        return ids
    }

    /// Pre-tokenises one piece of text between added tokens and appends the ids of its words.
    private func encodePiece(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout Scratch) {
        if addPrefixSpace && piece[0] != UInt8(ascii: " ") {
            var buffer = scratch.piece
            buffer.removeAll(keepingCapacity: true)
            buffer.append(UInt8(ascii: " "))
            buffer.append(contentsOf: piece)
            buffer.withUnsafeBufferPointer { encodeWords($0, into: &ids, scratch: &scratch) }
            scratch.piece = buffer
        } else {
            encodeWords(piece, into: &ids, scratch: &scratch)
        }
    }

    private func encodeWords(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout Scratch) {
        guard useRegex else {
            encodeWord(piece, into: &ids, scratch: &scratch)
            return
        }
        GPT2PreTokenizer.split(piece) { start, end in
            encodeWord(UnsafeBufferPointer(rebasing: piece[start..<end]), into: &ids, scratch: &scratch)
        }
    }

    @inline(__always)
    private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout Scratch) {
        let hash = hashBytes(word.baseAddress!, word.count)
        if scratch.cache.appendIds(of: word.baseAddress!, word.count, hash: hash, to: &ids) { return }
        let first = ids.count
        model.encodeWord(word, into: &ids, scratch: &scratch.bpe)
        scratch.cache.insert(word.baseAddress!, word.count, hash: hash, ids: ids[first...])
    }

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where !specialIds.contains(id) {
            decodeTable.append(id, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func tokenId(_ token: String) -> Int32? {
        if let added = addedVocabulary.tokens.last(where: { sameBytes($0.content, token) }) { return added.id }
        return model.vocabulary.id(token)
    }
}

/// Bytes of each id for decoding, stored back to back.
struct DecodeTable: Sendable {
    private let bytes: [UInt8]
    /// Start offset of each id's bytes; `starts[id + 1]` ends them. -1 marks an id with no token.
    private let starts: [Int32]
    private let known: [Bool]

    init(_ bytesById: [Int32: [UInt8]]) {
        let count = Int((bytesById.keys.max() ?? -1) + 1)
        var storage: [UInt8] = []
        var starts = [Int32](repeating: 0, count: count + 1)
        var known = [Bool](repeating: false, count: count)
        for id in 0..<count {
            starts[id] = Int32(storage.count)
            if let tokenBytes = bytesById[Int32(id)] {
                storage.append(contentsOf: tokenBytes)
                known[id] = true
            }
        }
        starts[count] = Int32(storage.count)
        self.bytes = storage
        self.starts = starts
        self.known = known
    }

    /// Appends the bytes of `id`; unknown ids add nothing, as `tokenizers` drops them.
    func append(_ id: Int32, to output: inout [UInt8]) {
        guard id >= 0, Int(id) < known.count, known[Int(id)] else { return }
        output.append(contentsOf: bytes[Int(starts[Int(id)])..<Int(starts[Int(id) + 1])])
    }
}
