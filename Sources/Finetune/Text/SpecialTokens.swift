/// Added and special tokens of a folder without tokenizer.json, resolved as `transformers` 5
/// `from_pretrained` resolves them.
///
/// - tokenizer_config.json `added_tokens_decoder` (`{"50264": {"content": "<mask>", "lstrip": true, …}}`)
///   lists added tokens with their flags; when it is present, special_tokens_map.json is ignored.
/// - Named special tokens (`bos_token` … `mask_token`) start from the class defaults, then take
///   tokenizer_config.json values, then special_tokens_map.json values. A value is a string or an object
///   with `content` and flags; a named token whose content appears in `added_tokens_decoder` takes the flags
///   listed there.
/// - `additional_special_tokens` / `extra_special_tokens` lists and legacy added_tokens.json add more.
/// Tokens are added in that order. A token already in the vocabulary keeps its id, and the others get new
/// ids after the vocabulary, as `AddedVocabulary::add_tokens` assigns them.
struct SpecialTokens {
    struct Spec: Equatable {
        var content: String
        var singleWord = false
        var leftStrip = false
        var rightStrip = false
        var normalized: Bool
        var special: Bool
    }

    /// Content of each named special token that is set, by attribute name (`"pad_token"`).
    private(set) var named: [String: String] = [:]
    private var ordered: [Spec] = []

    /// The attribute order of `SpecialTokensMixin.SPECIAL_TOKENS_ATTRIBUTES`.
    static let attributeNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// `defaults`: the tokenizer class's default for each named token it has.
    init(settings: FolderSettings, defaults: [(String, String)]) throws {
        let config = settings.tokenizerConfig

        var decoderEntries: [(Int, Spec)] = []
        let decoderFields = try config?.object("added_tokens_decoder")
        if let decoder = decoderFields {
            for (key, value) in decoder.members {
                guard let index = Int(key) else {
                    throw TokenizerError.malformedJSON(
                        path: decoder.path, field: decoder.fieldPath(key), reason: "expected an integer id as the key")
                }
                decoderEntries.append((index, try Self.spec(value, path: decoder.path, field: decoder.fieldPath(key), special: false)))
            }
            decoderEntries.sort { $0.0 < $1.0 }
        }
        let decoderSpecs = decoderEntries.map(\.1)

        // Named tokens: class defaults, then tokenizer_config.json, then special_tokens_map.json.
        var namedSpecs: [String: Spec] = [:]
        for (key, content) in defaults { namedSpecs[key] = Spec(content: content, normalized: false, special: true) }
        var sources: [JSONFields] = config.map { [$0] } ?? []
        if decoderFields == nil, let map = settings.specialTokensMap { sources.append(map) }
        for source in sources {
            for key in Self.attributeNames where source.member(key) != nil {
                guard let value = source.value(key) else {
                    namedSpecs[key] = nil      // explicit null: no such token
                    continue
                }
                namedSpecs[key] = try Self.spec(value, path: source.path, field: source.fieldPath(key), special: true)
            }
        }

        var extras: [Spec] = []
        for source in sources {
            for key in ["additional_special_tokens", "extra_special_tokens"] {
                guard let list = try source.array(key) else { continue }
                for (index, value) in list.enumerated() {
                    extras.append(try Self.spec(value, path: source.path, field: "\(source.fieldPath(key))[\(index)]", special: true))
                }
            }
        }

        var legacy: [(Int, Spec)] = []
        if decoderFields == nil, let file = settings.legacyAddedTokens {
            let specialContents = namedSpecs.values.map(\.content) + extras.map(\.content)
            for (id, content) in try file.vocabularyObject().tokens {
                let isSpecial = specialContents.contains { sameBytes($0, content) }
                legacy.append((Int(id), Spec(content: content, normalized: !isSpecial, special: isSpecial)))
            }
            legacy.sort { $0.0 < $1.0 }
        }

        // Order of addition, as in TokenizersBackend.__init__.
        ordered = (decoderEntries + legacy).map(\.1)
        for key in Self.attributeNames {
            guard var spec = namedSpecs[key] else { continue }
            if let listed = decoderSpecs.last(where: { sameBytes($0.content, spec.content) }) { spec = listed }
            named[key] = spec.content
            if !ordered.contains(where: { sameBytes($0.content, spec.content) }) { ordered.append(spec) }
        }
        for spec in extras where !ordered.contains(where: { sameBytes($0.content, spec.content) }) { ordered.append(spec) }
    }

    /// Assigns ids to the added tokens. A content added twice keeps its first id and its last flags.
    func addedTokens(vocabulary: Vocabulary) -> [AddedToken] {
        var nextId = Int32(vocabulary.count)
        var tokens: [AddedToken] = []
        for spec in ordered where !spec.content.isEmpty {
            let id: Int32
            if let index = tokens.firstIndex(where: { sameBytes($0.content, spec.content) }) {
                id = tokens[index].id
                tokens.remove(at: index)
            } else if let known = vocabulary.id(spec.content) {
                id = known
            } else {
                id = nextId
                nextId += 1
            }
            tokens.append(AddedToken(
                content: spec.content, id: id, singleWord: spec.singleWord, leftStrip: spec.leftStrip,
                rightStrip: spec.rightStrip, normalized: spec.normalized, special: spec.special))
        }
        return tokens
    }

    /// Parses a token given as a string or as an object with `content` and optional flags.
    /// `special` is the default of the `special` flag, and `normalized` defaults to its negation.
    private static func spec(_ value: JSONValue, path: String, field: String, special: Bool) throws -> Spec {
        if case let .string(content) = value {
            return Spec(content: content, normalized: !special, special: special)
        }
        guard case let .object(members) = value else {
            throw TokenizerError.malformedJSON(
                path: path, field: field, reason: "expected a token string or an object with \"content\", found \(value.summary)")
        }
        let fields = JSONFields(path: path, field: field, members: members)
        let isSpecial = try fields.bool("special") ?? special
        return Spec(
            content: try fields.requireString("content"),
            singleWord: try fields.bool("single_word") ?? false,
            leftStrip: try fields.bool("lstrip") ?? false,
            rightStrip: try fields.bool("rstrip") ?? false,
            normalized: try fields.bool("normalized") ?? !isSpecial,
            special: isSpecial)
    }
}
