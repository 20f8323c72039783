import Foundation

/// Builds a `Tokenizer` from a Hugging Face model folder.
public enum TokenizerLoader {
    /// Loads tokenizer.json when present, else vocab.json+merges.txt (BPE) or vocab.txt (WordPiece).
    /// `maxLength` (optional user cap) lowers the model maximum.
    ///
    /// The model maximum is the smaller of tokenizer_config.json `model_max_length` (ignored above 1e20,
    /// transformers' "unset" value) and config.json `max_position_embeddings`, less `pad_token_id + 1`
    /// for RoBERTa-style models whose position ids start after the padding index (roberta-base:
    /// 514 - 1 - 1 = 512). With neither file nor `maxLength`, nothing is truncated, as in transformers.
    public static func load(folder: URL, maxLength: Int? = nil) throws -> any Tokenizer {
        let files = try listFiles(folder)
        let settings = try FolderSettings(folder: folder, files: files)
        let limit = try resolveMaxLength(settings: settings, cap: maxLength)

        if files.contains("tokenizer.json") {
            return try TokenizerJSON.load(folder.appendingPathComponent("tokenizer.json"), settings: settings, maxLength: limit)
        }
        if files.contains("vocab.json") && files.contains("merges.txt") {
            return try VocabularyFiles.loadByteLevelBPE(settings: settings, maxLength: limit)
        }
        if files.contains("vocab.txt") {
            return try VocabularyFiles.loadWordPiece(settings: settings, maxLength: limit)
        }
        throw TokenizerError.missingFiles(folder: folder.path, found: files.sorted())
    }

    /// Computes the model maximum of the folder before any user cap, or nil when no file gives one.
    public static func modelMaxLength(folder: URL) throws -> Int? {
        let settings = try FolderSettings(folder: folder, files: try listFiles(folder))
        return try modelMaximum(settings)
    }

    private static func listFiles(_ folder: URL) throws -> Set<String> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TokenizerError.unreadableFile(path: folder.path, reason: "no such folder")
        }
        do {
            return Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        } catch {
            throw TokenizerError.unreadableFile(path: folder.path, reason: error.localizedDescription)
        }
    }

    static func resolveMaxLength(settings: FolderSettings, cap: Int?) throws -> Int {
        var limit = try modelMaximum(settings) ?? Int.max
        if let cap {
            guard cap > 0 else { throw TokenizerError.invalidMaxLength(source: "the maxLength argument", value: cap) }
            limit = min(limit, cap)
        }
        return limit
    }

    /// Model types whose position ids start at `padding_idx + 1`, so `padding_idx + 1` positions are unusable.
    static let paddingOffsetModelTypes: Set<String> = [
        "roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "roberta-prelayernorm", "data2vec-text",
        "longformer", "mpnet", "ibert",
    ]

    static func modelMaximum(_ settings: FolderSettings) throws -> Int? {
        var candidates: [Int] = []
        if let config = settings.tokenizerConfig, let value = try config.number("model_max_length"), value <= 1e20 {
            guard value >= 1 else {
                throw TokenizerError.invalidMaxLength(source: "\(config.path) model_max_length", value: Int(value))
            }
            candidates.append(Int(value))
        }
        if let config = settings.modelConfig, let positions = try config.int("max_position_embeddings") {
            var usable = positions
            if let modelType = try config.string("model_type"), paddingOffsetModelTypes.contains(modelType) {
                usable -= (try config.int("pad_token_id") ?? 1) + 1
            }
            guard usable >= 1 else {
                throw TokenizerError.invalidMaxLength(source: "\(config.path) max_position_embeddings", value: usable)
            }
            candidates.append(usable)
        }
        return candidates.min()
    }
}

/// The optional JSON files beside the tokenizer files.
struct FolderSettings {
    let folder: URL
    /// tokenizer_config.json: special tokens, `model_max_length`, `add_prefix_space`, `do_lower_case`…
    let tokenizerConfig: JSONFields?
    /// special_tokens_map.json, which transformers reads only when tokenizer_config.json has no
    /// `added_tokens_decoder`.
    let specialTokensMap: JSONFields?
    /// config.json of the model: `max_position_embeddings`, `model_type`, `pad_token_id`.
    let modelConfig: JSONFields?
    /// added_tokens.json, the legacy `{token: id}` list of added tokens.
    let legacyAddedTokens: JSONFields?

    init(folder: URL, files: Set<String>) throws {
        self.folder = folder
        func read(_ name: String) throws -> JSONFields? {
            files.contains(name) ? try JSONFields.read(folder.appendingPathComponent(name)) : nil
        }
        tokenizerConfig = try read("tokenizer_config.json")
        specialTokensMap = try read("special_tokens_map.json")
        modelConfig = try read("config.json")
        legacyAddedTokens = try read("added_tokens.json")
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Padding id: tokenizer_config.json / special_tokens_map.json `pad_token`, else a `<pad>` or `[PAD]`
    /// token, else config.json `pad_token_id`.
    func padTokenId(lookup: (String) -> Int32?, configuredPadToken: String?) throws -> Int32 {
        if let token = configuredPadToken, let id = lookup(token) { return id }
        for token in ["<pad>", "[PAD]"] {
            if let id = lookup(token) { return id }
        }
        if let id = try modelConfig?.int("pad_token_id"), id >= 0 { return Int32(id) }
        throw TokenizerError.missingPadToken(folder: folder.path)
    }
}
