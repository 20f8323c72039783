import Foundation

/// Tokenizers built from a `tokenizers` serialisation (tokenizer.json), following the file's own pipeline.
///
/// Supported components:
/// - model `BPE` with pre-tokenizer `ByteLevel` (alone or as the only member of a `Sequence`), no normaliser,
///   decoder `ByteLevel`;
/// - model `WordPiece` with normaliser `BertNormalizer` or none, pre-tokenizer `BertPreTokenizer`, decoder
///   `WordPiece` or none;
/// - post-processors `RobertaProcessing`, `BertProcessing`, `TemplateProcessing` (single-sequence template),
///   `ByteLevel`, a `Sequence` of these, or none.
/// Anything else throws `TokenizerError.unsupported` naming the field. The file's `truncation` and `padding`
/// sections are ignored, as `transformers` overrides them per call; the maximum length comes from
/// tokenizer_config.json and config.json (`TokenizerLoader.load`).
///
/// NOTE: `transformers` 5 classes with their own `__init__` (RobertaTokenizer, BertTokenizer) rebuild the
/// pre-tokenizer, normaliser and post-processor from tokenizer_config.json (`add_prefix_space`,
/// `do_lower_case` …) instead of using those in tokenizer.json. Folders saved by `save_pretrained` keep the
/// two consistent; where a hand-edited folder disagrees, this loader follows tokenizer.json.
enum TokenizerJSON {
    static func load(_ url: URL, settings: FolderSettings, maxLength: Int) throws -> any Tokenizer {
        let root = try JSONFields.read(url)
        let model = try root.requireObject("model")
        let addedTokens = try readAddedTokens(root)
        let postProcessor = try readPostProcessor(root.object("post_processor"), addedTokens: addedTokens)

        let modelType = try model.string("type") ?? (model.has("merges") ? "BPE" : model.has("max_input_chars_per_word") ? "WordPiece" : "")
        switch modelType {
        case "BPE":
            return try loadByteLevelBPE(root: root, model: model, addedTokens: addedTokens, postProcessor: postProcessor,
                                        settings: settings, maxLength: maxLength)
        case "WordPiece":
            return try loadWordPiece(root: root, model: model, addedTokens: addedTokens, postProcessor: postProcessor,
                                     settings: settings, maxLength: maxLength)
        default:
            throw TokenizerError.unsupported(path: root.path, field: model.fieldPath("type"), value: modelType, supported: ["BPE", "WordPiece"])
        }
    }

    // MARK: Models

    private static func loadByteLevelBPE(
        root: JSONFields, model: JSONFields, addedTokens: [AddedToken], postProcessor: PostProcessor,
        settings: FolderSettings, maxLength: Int
    ) throws -> ByteLevelBPETokenizer {
        if let normalizer = try root.object("normalizer"), !(try isEmptySequence(normalizer, key: "normalizers")) {
            throw unsupported(normalizer, "type", supported: ["null (byte-level BPE has no normalizer)"])
        }
        guard let preTokenizer = try root.object("pre_tokenizer") else {
            throw TokenizerError.unsupported(path: root.path, field: "pre_tokenizer", value: "null", supported: ["ByteLevel"])
        }
        let byteLevel = try singleComponent(preTokenizer, listKey: "pretokenizers")
        guard try byteLevel.string("type") == "ByteLevel" else { throw unsupported(byteLevel, "type", supported: ["ByteLevel"]) }
        if let decoder = try root.object("decoder"), try decoder.string("type") != "ByteLevel" {
            throw unsupported(decoder, "type", supported: ["ByteLevel"])
        }

        if let dropout = try model.number("dropout"), dropout != 0 {
            throw TokenizerError.unsupported(path: model.path, field: model.fieldPath("dropout"), value: "\(dropout)",
                                             supported: ["null", "0 (BPE dropout is for training only)"])
        }
        let options = BPEModel.Options(
            unknownToken: try model.string("unk_token"),
            continuingSubwordPrefix: try model.string("continuing_subword_prefix") ?? "",
            endOfWordSuffix: try model.string("end_of_word_suffix") ?? "",
            fuseUnknown: try model.bool("fuse_unk") ?? false,
            byteFallback: try model.bool("byte_fallback") ?? false,
            ignoreMerges: try model.bool("ignore_merges") ?? false)
        let vocabulary = try model.vocabulary("vocab")
        let merges = try readMerges(model)
        let bpe: BPEModel
        do {
            bpe = try BPEModel(vocabulary: vocabulary, merges: merges, options: options)
        } catch let .tokenMissing(index, token) {
            throw TokenizerError.tokenNotInVocabulary(path: model.path, field: "\(model.fieldPath("merges"))[\(index)]", token: token)
        } catch let .unknownTokenMissing(token) {
            throw TokenizerError.tokenNotInVocabulary(path: model.path, field: model.fieldPath("unk_token"), token: token)
        }

        let lookup = tokenLookup(addedTokens, vocabulary)
        return ByteLevelBPETokenizer(
            model: bpe, addedTokens: addedTokens,
            addPrefixSpace: try byteLevel.bool("add_prefix_space") ?? true,
            useRegex: try byteLevel.bool("use_regex") ?? true,
            postProcessor: postProcessor,
            padTokenId: try settings.padTokenId(lookup: lookup, configuredPadToken: try configuredPadToken(settings, root)),
            maxLength: maxLength)
    }

    private static func loadWordPiece(
        root: JSONFields, model: JSONFields, addedTokens: [AddedToken], postProcessor: PostProcessor,
        settings: FolderSettings, maxLength: Int
    ) throws -> WordPieceTokenizer {
        var normalizer: BertNormalizer? = nil
        if let fields = try root.object("normalizer"), !(try isEmptySequence(fields, key: "normalizers")) {
            let bert = try singleComponent(fields, listKey: "normalizers")
            guard try bert.string("type") == "BertNormalizer" else { throw unsupported(bert, "type", supported: ["BertNormalizer"]) }
            let lowercase = try bert.bool("lowercase") ?? true
            normalizer = BertNormalizer(
                cleanText: try bert.bool("clean_text") ?? true,
                handleChineseChars: try bert.bool("handle_chinese_chars") ?? true,
                stripAccents: try bert.bool("strip_accents"),
                lowercase: lowercase)
        }
        guard let preTokenizerFields = try root.object("pre_tokenizer") else {
            throw TokenizerError.unsupported(path: root.path, field: "pre_tokenizer", value: "null", supported: ["BertPreTokenizer"])
        }
        let preTokenizer = try singleComponent(preTokenizerFields, listKey: "pretokenizers")
        guard try preTokenizer.string("type") == "BertPreTokenizer" else {
            throw unsupported(preTokenizer, "type", supported: ["BertPreTokenizer"])
        }
        var decoder: WordPieceDecoder? = nil
        if let fields = try root.object("decoder") {
            guard try fields.string("type") == "WordPiece" else { throw unsupported(fields, "type", supported: ["WordPiece"]) }
            decoder = WordPieceDecoder(prefix: try fields.string("prefix") ?? "##", cleanup: try fields.bool("cleanup") ?? true)
        }

        let vocabulary = try model.vocabulary("vocab")
        let unknownToken = try model.string("unk_token") ?? "[UNK]"
        guard let unknownId = vocabulary.id(unknownToken) else {
            throw TokenizerError.tokenNotInVocabulary(path: model.path, field: model.fieldPath("unk_token"), token: unknownToken)
        }
        let maxCharacters = try model.int("max_input_chars_per_word") ?? 100
        let wordPiece = WordPieceModel(
            vocabulary: vocabulary, unknownId: unknownId,
            continuingSubwordPrefix: try model.string("continuing_subword_prefix") ?? "##",
            maxInputCharsPerWord: maxCharacters)

        let lookup = tokenLookup(addedTokens, vocabulary)
        return WordPieceTokenizer(
            model: wordPiece, normalizer: normalizer, addedTokens: addedTokens, postProcessor: postProcessor,
            decoder: decoder,
            padTokenId: try settings.padTokenId(lookup: lookup, configuredPadToken: try configuredPadToken(settings, root)),
            maxLength: maxLength)
    }

    // MARK: Fields

    /// Merges as `"a b"` strings (exactly one space) or `["a", "b"]` pairs.
    private static func readMerges(_ model: JSONFields) throws -> [(String, String)] {
        let entries = try model.requireArray("merges")
        var merges: [(String, String)] = []
        merges.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            if case let .string(line) = entry {
                let parts = splitOnSpaces(line[...])
                guard parts.count == 2 else {
                    throw TokenizerError.malformedJSON(
                        path: model.path, field: "\(model.fieldPath("merges"))[\(index)]",
                        reason: "expected \"left right\" with one space, found \"\(line.prefix(60))\"")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if case let .array(pair) = entry, pair.count == 2, case let .string(left) = pair[0], case let .string(right) = pair[1] {
                merges.append((left, right))
            } else {
                throw TokenizerError.malformedJSON(
                    path: model.path, field: "\(model.fieldPath("merges"))[\(index)]",
                    reason: "expected \"left right\" or [\"left\", \"right\"], found \(entry.summary)")
            }
        }
        return merges
    }

    /// `added_tokens`: objects with `id`, `content` and the flags of `tokenizers`' AddedToken.
    private static func readAddedTokens(_ root: JSONFields) throws -> [AddedToken] {
        guard let entries = try root.array("added_tokens") else { return [] }
        var tokens: [AddedToken] = []
        for (index, entry) in entries.enumerated() {
            let fields = try root.element("added_tokens", index, entry)
            guard let id = try fields.int("id"), id >= 0, id <= maxTokenId else {
                throw TokenizerError.malformedJSON(
                    path: fields.path, field: fields.fieldPath("id"), reason: "expected an integer id from 0 to \(maxTokenId)")
            }
            let special = try fields.bool("special") ?? false
            tokens.append(AddedToken(
                content: try fields.requireString("content"), id: Int32(id),
                singleWord: try fields.bool("single_word") ?? false,
                leftStrip: try fields.bool("lstrip") ?? false,
                rightStrip: try fields.bool("rstrip") ?? false,
                normalized: try fields.bool("normalized") ?? !special,
                special: special))
        }
        return tokens
    }

    private static func readPostProcessor(_ fields: JSONFields?, addedTokens: [AddedToken]) throws -> PostProcessor {
        guard let fields else { return .none }
        let type = try fields.string("type") ?? ""
        switch type {
        case "RobertaProcessing", "BertProcessing":
            let cls = try tokenPair(fields, "cls")
            let sep = try tokenPair(fields, "sep")
            return PostProcessor(prefix: [cls], suffix: [sep])
        case "TemplateProcessing":
            return try readTemplate(fields)
        case "ByteLevel":
            return .none
        case "Sequence":
            var combined = PostProcessor.none
            for (index, entry) in try fields.requireArray("processors").enumerated() {
                combined = combined.followed(by: try readPostProcessor(fields.element("processors", index, entry), addedTokens: addedTokens))
            }
            return combined
        default:
            throw unsupported(fields, "type", supported: ["RobertaProcessing", "BertProcessing", "TemplateProcessing", "ByteLevel", "Sequence"])
        }
    }

    /// Reads the id of a `["</s>", 2]` pair.
    private static func tokenPair(_ fields: JSONFields, _ key: String) throws -> Int32 {
        guard let pair = try fields.array(key), pair.count == 2, case .string = pair[0],
              case let .integer(id) = pair[1], id >= 0, id <= maxTokenId else {
            throw TokenizerError.malformedJSON(path: fields.path, field: fields.fieldPath(key), reason: "expected [\"token\", id]")
        }
        return Int32(id)
    }

    /// Reads the `single` template: `{"SpecialToken": {"id": "<s>"}}` items around one `{"Sequence": {"id": "A"}}`.
    private static func readTemplate(_ fields: JSONFields) throws -> PostProcessor {
        let specialTokens = try fields.object("special_tokens")
        var prefix: [Int32] = []
        var suffix: [Int32] = []
        var sawSequence = false
        for (index, entry) in try fields.requireArray("single").enumerated() {
            let item = try fields.element("single", index, entry)
            if let sequence = try item.object("Sequence") {
                let name = try sequence.string("id") ?? "A"
                guard name == "A", !sawSequence else {
                    throw unsupported(sequence, "id", supported: ["A, once (single-sequence templates)"])
                }
                sawSequence = true
            } else if let special = try item.object("SpecialToken") {
                let name = try special.requireString("id")
                guard let entry = try specialTokens?.object(name), let ids = try entry.array("ids") else {
                    throw TokenizerError.malformedJSON(
                        path: fields.path, field: fields.fieldPath("special_tokens"),
                        reason: "no ids for the template token \"\(name)\"")
                }
                var values: [Int32] = []
                for id in ids {
                    guard case let .integer(value) = id, value >= 0, value <= maxTokenId else {
                        throw TokenizerError.malformedJSON(
                            path: entry.path, field: entry.fieldPath("ids"), reason: "expected integer ids, found \(id.summary)")
                    }
                    values.append(Int32(value))
                }
                if sawSequence { suffix += values } else { prefix += values }
            } else {
                throw TokenizerError.malformedJSON(
                    path: item.path, field: item.field, reason: "expected a SpecialToken or Sequence item")
            }
        }
        guard sawSequence else {
            throw TokenizerError.malformedJSON(path: fields.path, field: fields.fieldPath("single"), reason: "the template has no Sequence A")
        }
        return PostProcessor(prefix: prefix, suffix: suffix)
    }

    /// Returns the component itself, or the only member of a `Sequence`.
    private static func singleComponent(_ fields: JSONFields, listKey: String) throws -> JSONFields {
        guard try fields.string("type") == "Sequence" else { return fields }
        let members = try fields.requireArray(listKey)
        guard members.count == 1 else {
            throw TokenizerError.unsupported(
                path: fields.path, field: fields.fieldPath(listKey), value: "a Sequence of \(members.count) components",
                supported: ["a single component"])
        }
        return try fields.element(listKey, 0, members[0])
    }

    private static func isEmptySequence(_ fields: JSONFields, key: String) throws -> Bool {
        guard try fields.string("type") == "Sequence" else { return false }
        return try fields.requireArray(key).isEmpty
    }

    private static func unsupported(_ fields: JSONFields, _ key: String, supported: [String]) -> TokenizerError {
        let value = (try? fields.string(key)) ?? nil
        return .unsupported(path: fields.path, field: fields.fieldPath(key), value: value ?? "(missing)", supported: supported)
    }

    private static func tokenLookup(_ added: [AddedToken], _ vocabulary: Vocabulary) -> (String) -> Int32? {
        { token in added.last(where: { sameBytes($0.content, token) })?.id ?? vocabulary.id(token) }
    }

    /// Finds `pad_token` in tokenizer_config.json or special_tokens_map.json, else tokenizer.json `padding.pad_token`.
    private static func configuredPadToken(_ settings: FolderSettings, _ root: JSONFields) throws -> String? {
        for source in [settings.tokenizerConfig, settings.specialTokensMap].compactMap({ $0 }) {
            if let token = try source.string("pad_token") { return token }
            if let object = try source.object("pad_token"), let content = try object.string("content") { return content }
        }
        return try root.object("padding")?.string("pad_token")
    }
}
