/// The BPE model of a byte-level tokenizer: vocabulary, ranked merges, and the merge loop for one word.
///
/// It works on raw bytes. Vocabulary tokens are strings over GPT-2's 256-character byte alphabet
/// (`ByteLevel`), which maps one-to-one onto byte strings, so the word's bytes stand in for its mapped
/// characters without building any string. Semantics follow `tokenizers` 0.23 `models/bpe`. Merges apply
/// lowest rank first and, within one rank, leftmost first. A later merge of the same pair replaces an
/// earlier one. `continuing_subword_prefix`, `end_of_word_suffix`, `unk_token` with `fuse_unk`,
/// `byte_fallback` and `ignore_merges` behave as there, and dropout is rejected at load time.
struct BPEModel: Sendable {
    struct Options: Sendable, Equatable {
        var unknownToken: String? = nil
        var continuingSubwordPrefix: String = ""
        var endOfWordSuffix: String = ""
        var fuseUnknown = false
        var byteFallback = false
        var ignoreMerges = false
    }

    let vocabulary: Vocabulary
    let options: Options

    /// Id of each byte's first symbol, by position in the word: 0 only byte, 1 first, 2 middle, 3 last.
    /// -1 when that symbol is not in the vocabulary.
    private let initialIds: [Int32]
    /// Byte-fallback ids (`<0xC4>` ...) for bytes whose symbol is missing, same indexing; empty when unused.
    private let fallbackIds: [[Int32]]
    private let unknownId: Int32?
    private let merges: MergeTable
    /// Raw bytes of every token made only of alphabet characters -> id, for `ignore_merges`.
    private let wholeWords: ByteStringTable?

    /// Builds the model. `merges` are token pairs in rank order.
    /// Throws `MergeError` naming the merge index and token when a merge refers to an unknown token.
    init(vocabulary: Vocabulary, merges: [(String, String)], options: Options) throws(MergeError) {
        self.vocabulary = vocabulary
        self.options = options

        if let unknownToken = options.unknownToken {
            guard let id = vocabulary.id(unknownToken) else { throw .unknownTokenMissing(unknownToken) }
            unknownId = id
        } else {
            unknownId = nil
        }

        var initial = [Int32](repeating: -1, count: 4 * 256)
        var fallback = [[Int32]](repeating: [], count: options.byteFallback ? 4 * 256 : 0)
        for kind in 0..<4 {
            for byte in 0..<256 {
                let character = String(ByteLevel.characterOfByte[byte])
                let prefix = (kind == 2 || kind == 3) ? options.continuingSubwordPrefix : ""
                let suffix = (kind == 0 || kind == 3) ? options.endOfWordSuffix : ""
                let symbol = prefix + character + suffix
                if let id = vocabulary.id(symbol) {
                    initial[kind * 256 + byte] = id
                } else if options.byteFallback {
                    let ids = symbol.utf8.map { vocabulary.id(byteFallbackToken($0)) }
                    if ids.allSatisfy({ $0 != nil }) { fallback[kind * 256 + byte] = ids.map { $0! } }
                }
            }
        }
        initialIds = initial
        fallbackIds = fallback

        var table = MergeTable(minimumCapacity: merges.count)
        let prefixByteCount = options.continuingSubwordPrefix.utf8.count
        for (rank, (left, right)) in merges.enumerated() {
            guard let leftId = vocabulary.id(left) else { throw .tokenMissing(index: rank, token: left) }
            guard let rightId = vocabulary.id(right) else { throw .tokenMissing(index: rank, token: right) }
            // The merged token drops the right side's continuing-subword prefix, as `tokenizers` does.
            let merged = left + String(decoding: right.utf8.dropFirst(prefixByteCount), as: UTF8.self)
            guard let newId = vocabulary.id(merged) else { throw .tokenMissing(index: rank, token: merged) }
            table.insert(left: leftId, right: rightId, merge: .init(rank: UInt32(rank), newId: newId))
        }
        self.merges = table

        if options.ignoreMerges {
            var words = ByteStringTable(minimumCapacity: vocabulary.count)
            vocabulary.table.forEach { token, id in
                if let bytes = ByteLevel.decode(String(decoding: token, as: UTF8.self)) { words.insert(bytes, value: id) }
            }
            wholeWords = words
        } else {
            wholeWords = nil
        }
    }

    enum MergeError: Error {
        case tokenMissing(index: Int, token: String)
        case unknownTokenMissing(String)
    }

    /// Working arrays for `encodeWord`, reused across words by one worker.
    struct Scratch {
        var symbols: [Int32] = []
        var lengths: [Int32] = []
        var previous: [Int32] = []
        var next: [Int32] = []
        var heap = MergeHeap()
    }

    /// Appends the ids of the word in `bytes` (one pre-token, not empty) to `output`.
    func encodeWord(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [Int32], scratch: inout Scratch) {
        if let wholeWords, let id = wholeWords.value(bytes.baseAddress!, bytes.count) {
            output.append(id)
            return
        }
        buildSymbols(bytes, scratch: &scratch)
        mergeAll(scratch: &scratch)
        for index in 0..<scratch.symbols.count where scratch.lengths[index] != 0 {
            output.append(scratch.symbols[index])
        }
    }

    /// Builds one symbol per byte, or unknown/fallback symbols for bytes missing from the vocabulary.
    private func buildSymbols(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout Scratch) {
        scratch.symbols.removeAll(keepingCapacity: true)
        scratch.lengths.removeAll(keepingCapacity: true)
        var pendingUnknown: (id: Int32, length: Int32)? = nil
        let count = bytes.count
        for index in 0..<count {
            var kind = 2
            if count == 1 {
                kind = 0
            } else if index == 0 {
                kind = 1
            } else if index == count - 1 {
                kind = 3
            }
            let slot = kind * 256 + Int(bytes[index])
            let id = initialIds[slot]
            if id >= 0 {
                if let unknown = pendingUnknown {
                    scratch.symbols.append(unknown.id)
                    scratch.lengths.append(unknown.length)
                    pendingUnknown = nil
                }
                scratch.symbols.append(id)
                scratch.lengths.append(1)
                continue
            }
            if options.byteFallback, !fallbackIds[slot].isEmpty {
                for fallbackId in fallbackIds[slot] {
                    scratch.symbols.append(fallbackId)
                    scratch.lengths.append(1)
                }
                continue
            }
            guard let unknownId else { continue }   // no unk token: the byte is dropped
            if let unknown = pendingUnknown {
                if options.fuseUnknown {
                    pendingUnknown = (unknown.id, unknown.length + 1)
                    continue
                }
                scratch.symbols.append(unknown.id)
                scratch.lengths.append(unknown.length)
            }
            pendingUnknown = (unknownId, 1)
        }
        if let unknown = pendingUnknown {
            scratch.symbols.append(unknown.id)
            scratch.lengths.append(unknown.length)
        }
    }

    /// Applies merges until none is left, lowest (rank, position) first, as `Word::merge_all` does.
    /// Merged-away symbols keep their slot with length 0.
    private func mergeAll(scratch: inout Scratch) {
        let count = scratch.symbols.count
        if count < 2 { return }
        scratch.previous.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        for index in 0..<count {
            scratch.previous.append(Int32(index - 1))
            scratch.next.append(index + 1 < count ? Int32(index + 1) : -1)
        }
        scratch.heap.removeAll()
        for index in 0..<(count - 1) {
            if let merge = merges.merge(scratch.symbols[index], scratch.symbols[index + 1]) {
                scratch.heap.push(rank: merge.rank, position: Int32(index), newId: merge.newId)
            }
        }

        while let top = scratch.heap.pop() {
            let position = Int(top.position)
            // Skip entries made stale by earlier merges: the slot was merged away, has no right
            // neighbour any more, or its pair now merges into a different token.
            if scratch.lengths[position] == 0 { continue }
            let rightPosition = Int(scratch.next[position])
            if rightPosition < 0 { continue }
            guard let current = merges.merge(scratch.symbols[position], scratch.symbols[rightPosition]),
                  current.newId == top.newId else { continue }

            scratch.symbols[position] = top.newId
            scratch.lengths[position] += scratch.lengths[rightPosition]
            scratch.lengths[rightPosition] = 0
            let afterRight = Int(scratch.next[rightPosition])
            scratch.next[position] = Int32(afterRight)
            if afterRight >= 0 { scratch.previous[afterRight] = Int32(position) }

            let before = Int(scratch.previous[position])
            if before >= 0, let merge = merges.merge(scratch.symbols[before], top.newId) {
                scratch.heap.push(rank: merge.rank, position: Int32(before), newId: merge.newId)
            }
            if afterRight >= 0, let merge = merges.merge(top.newId, scratch.symbols[afterRight]) {
                scratch.heap.push(rank: merge.rank, position: Int32(position), newId: merge.newId)
            }
        }
    }
}

/// `<0x0A>`-style token that byte fallback looks up for one byte.
func byteFallbackToken(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "<0x\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])>"
}

/// Binary min-heap of pending merges ordered by (rank, position).
struct MergeHeap {
    struct Entry {
        var key: UInt64     // rank << 32 | position
        var newId: Int32
        var position: Int32 { Int32(truncatingIfNeeded: key & 0xFFFF_FFFF) }
    }

    private var entries: [Entry] = []

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    mutating func push(rank: UInt32, position: Int32, newId: Int32) {
        let entry = Entry(key: UInt64(rank) << 32 | UInt64(UInt32(bitPattern: position)), newId: newId)
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if entries[parent].key <= entry.key { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = entry
    }

    mutating func pop() -> Entry? {
        guard let last = entries.popLast() else { return nil }
        if entries.isEmpty { return last }
        let top = entries[0]
        let count = entries.count
        var parent = 0
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count && entries[child + 1].key < entries[child].key { child += 1 }
            if last.key <= entries[child].key { break }
            entries[parent] = entries[child]
            parent = child
        }
        entries[parent] = last
        return top
    }
}
