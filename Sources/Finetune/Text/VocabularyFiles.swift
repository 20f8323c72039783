import Foundation

/// Tokenizers built from vocabulary files without tokenizer.json, the way `transformers` 5
/// `RobertaTokenizer` and `BertTokenizer` build them.
enum VocabularyFiles {
    // MARK: RoBERTa: vocab.json + merges.txt

    /// Builds byte-level BPE with `<s> … </s>` framing, as `RobertaTokenizer` does: ByteLevel pre-tokenizer with
    /// tokenizer_config.json `add_prefix_space` (default false), no unk token, and the special tokens
    /// `<s> </s> <unk> <pad> <mask>` unless the config files name others.
    static func loadByteLevelBPE(settings: FolderSettings, maxLength: Int) throws -> ByteLevelBPETokenizer {
        let vocabularyPath = settings.path("vocab.json")
        let mergesPath = settings.path("merges.txt")
        try checkTokenizerClass(settings, supported: ["RobertaTokenizer", "RobertaTokenizerFast"])
        let vocabulary = try JSONFields.read(URL(fileURLWithPath: vocabularyPath)).vocabularyObject()
        let (merges, lineNumbers) = try readMerges(mergesPath)

        let model: BPEModel
        do {
            model = try BPEModel(vocabulary: vocabulary, merges: merges, options: .init())
        } catch let .tokenMissing(index, token) {
            throw TokenizerError.tokenNotInVocabulary(path: mergesPath, field: "the merge on line \(lineNumbers[index])", token: token)
        } catch {
            throw TokenizerError.tokenNotInVocabulary(path: vocabularyPath, field: "unk_token", token: "\(error)")
        }

        let specials = try SpecialTokens(settings: settings, defaults: [
            ("bos_token", "<s>"), ("eos_token", "</s>"), ("unk_token", "<unk>"), ("sep_token", "</s>"),
            ("pad_token", "<pad>"), ("cls_token", "<s>"), ("mask_token", "<mask>"),
        ])
        let added = specials.addedTokens(vocabulary: vocabulary)
        let lookup = { (token: String) in added.last(where: { sameBytes($0.content, token) })?.id ?? vocabulary.id(token) }
        guard let clsId = lookup(specials.named["cls_token"] ?? "<s>") else {
            throw TokenizerError.tokenNotInVocabulary(path: vocabularyPath, field: "cls_token", token: specials.named["cls_token"] ?? "<s>")
        }
        guard let sepId = lookup(specials.named["sep_token"] ?? "</s>") else {
            throw TokenizerError.tokenNotInVocabulary(path: vocabularyPath, field: "sep_token", token: specials.named["sep_token"] ?? "</s>")
        }
        let addPrefixSpace = try settings.tokenizerConfig?.bool("add_prefix_space") ?? false
        return ByteLevelBPETokenizer(
            model: model, addedTokens: added, addPrefixSpace: addPrefixSpace, useRegex: true,
            postProcessor: PostProcessor(prefix: [clsId], suffix: [sepId]),
            padTokenId: try settings.padTokenId(lookup: lookup, configuredPadToken: specials.named["pad_token"]),
            maxLength: maxLength)
    }

    /// Reads the merge pairs of merges.txt in rank order, with the file line of each, as `tokenizers` reads
    /// them. Lines are split on LF with a trailing CR removed and `#version` lines are skipped. Every other
    /// line must be two tokens separated by one space, so an empty line is an error.
    static func readMerges(_ path: String) throws -> (merges: [(String, String)], lines: [Int]) {
        let lines = splitLinesAsRust(try readText(path))
        var merges: [(String, String)] = []
        var lineNumbers: [Int] = []
        merges.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            if line.utf8.starts(with: "#version".utf8) { continue }
            let parts = splitOnSpaces(line)
            guard parts.count == 2 else {
                throw TokenizerError.malformedLine(
                    path: path, line: index + 1, content: String(line),
                    reason: "expected 2 space-separated tokens, found \(parts.count) parts")
            }
            merges.append((String(parts[0]), String(parts[1])))
            lineNumbers.append(index + 1)
        }
        return (merges, lineNumbers)
    }

    // MARK: BERT: vocab.txt

    /// Builds WordPiece with `[CLS] … [SEP]` framing, as `BertTokenizer` does. The BertNormalizer takes
    /// tokenizer_config.json `do_lower_case` (default true), `strip_accents` (default: follow lowercasing)
    /// and `tokenize_chinese_chars` (default true). Continuations carry `##`, and words have at most 100 characters.
    static func loadWordPiece(settings: FolderSettings, maxLength: Int) throws -> WordPieceTokenizer {
        let vocabularyPath = settings.path("vocab.txt")
        try checkTokenizerClass(settings, supported: ["BertTokenizer", "BertTokenizerFast"])
        let vocabulary = try readWordPieceVocabulary(vocabularyPath)
        let config = settings.tokenizerConfig
        let lowercase = try config?.bool("do_lower_case") ?? true
        let normalizer = BertNormalizer(
            cleanText: true,
            handleChineseChars: try config?.bool("tokenize_chinese_chars") ?? true,
            stripAccents: try config?.bool("strip_accents"),
            lowercase: lowercase)

        let specials = try SpecialTokens(settings: settings, defaults: [
            ("unk_token", "[UNK]"), ("sep_token", "[SEP]"), ("pad_token", "[PAD]"), ("cls_token", "[CLS]"),
            ("mask_token", "[MASK]"),
        ])
        let unknownToken = specials.named["unk_token"] ?? "[UNK]"
        guard let unknownId = vocabulary.id(unknownToken) else {
            throw TokenizerError.tokenNotInVocabulary(path: vocabularyPath, field: "unk_token", token: unknownToken)
        }
        let model = WordPieceModel(
            vocabulary: vocabulary, unknownId: unknownId, continuingSubwordPrefix: "##", maxInputCharsPerWord: 100)
        let added = specials.addedTokens(vocabulary: vocabulary)
        let lookup = { (token: String) in added.last(where: { sameBytes($0.content, token) })?.id ?? vocabulary.id(token) }
        // BertTokenizer falls back to ids 2 and 3 when the tokens are missing.
        let clsId = lookup(specials.named["cls_token"] ?? "[CLS]") ?? 2
        let sepId = lookup(specials.named["sep_token"] ?? "[SEP]") ?? 3
        return WordPieceTokenizer(
            model: model, normalizer: normalizer, addedTokens: added,
            postProcessor: PostProcessor(prefix: [clsId], suffix: [sepId]),
            decoder: WordPieceDecoder(prefix: "##", cleanup: true),
            padTokenId: try settings.padTokenId(lookup: lookup, configuredPadToken: specials.named["pad_token"]),
            maxLength: maxLength)
    }

    /// vocab.txt as `tokenizers` reads it: one token per line, id = line number, trailing whitespace
    /// trimmed; a repeated token keeps its last line's id.
    static func readWordPieceVocabulary(_ path: String) throws -> Vocabulary {
        let lines = splitLinesAsRust(try readText(path))
        var vocabulary = Vocabulary(minimumCapacity: lines.count)
        for (index, line) in lines.enumerated() {
            vocabulary.insert(trimmingTrailingWhitespace(line), id: Int32(index))
        }
        return vocabulary
    }

    // MARK: Shared

    static func readText(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TokenizerError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw TokenizerError.unreadableFile(path: path, reason: "not valid UTF-8")
        }
        return text
    }

    /// Rejects a tokenizer_config.json `tokenizer_class` whose pipeline differs from the one built here.
    static func checkTokenizerClass(_ settings: FolderSettings, supported: [String]) throws {
        guard let config = settings.tokenizerConfig, let name = try config.string("tokenizer_class") else { return }
        guard supported.contains(name) else {
            throw TokenizerError.unsupported(
                path: config.path, field: "tokenizer_class", value: name,
                supported: supported + ["any class, when the folder has a tokenizer.json"])
        }
    }
}

/// Lines of `text` as Rust's `BufRead::lines` gives them: split on LF bytes (Swift's `split` would keep
/// CRLF together as one Character), a trailing CR removed, and no empty line after a final LF.
func splitLinesAsRust(_ text: String) -> [Substring] {
    var lines: [Substring] = []
    var start = text.utf8.startIndex
    while start < text.utf8.endIndex {
        let newline = text.utf8[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.utf8.endIndex
        var end = newline
        if end > start, text.utf8[text.utf8.index(before: end)] == UInt8(ascii: "\r") { end = text.utf8.index(before: end) }
        lines.append(text[start..<end])
        start = newline < text.utf8.endIndex ? text.utf8.index(after: newline) : newline
    }
    return lines
}

/// Pieces of `line` between U+0020 bytes, empty pieces kept, as Rust's `str::split(' ')` gives them.
/// Swift's `split` compares Characters, so a space followed by a combining mark would not split there.
func splitOnSpaces(_ line: Substring) -> [Substring] {
    var pieces: [Substring] = []
    var start = line.utf8.startIndex
    while true {
        let space = line.utf8[start...].firstIndex(of: UInt8(ascii: " ")) ?? line.utf8.endIndex
        pieces.append(line[start..<space])
        if space == line.utf8.endIndex { return pieces }
        start = line.utf8.index(after: space)
    }
}

/// Rust `str::trim_end`: drops trailing White_Space characters.
func trimmingTrailingWhitespace(_ text: Substring) -> String {
    var scalars = text.unicodeScalars[...]
    while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
    return String(String.UnicodeScalarView(scalars))
}
