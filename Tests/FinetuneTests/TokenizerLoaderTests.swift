import Foundation
import Testing
import Finetune

/// Creates a temporary folder with `files` (name -> contents); callers remove it.
private func folder(_ files: [String: String]) throws -> URL {
    let url = try TokenizerFixtures.temporaryFolder()
    for (name, contents) in files { try TokenizerFixtures.write(contents, to: url.appendingPathComponent(name)) }
    return url
}

/// Copies the small trained BPE tokenizer.json into a temporary folder with extra files beside it.
private func smallBPEFolder(_ extra: [String: String] = [:]) throws -> URL {
    let tokenizerJSON = try String(
        contentsOf: TokenizerFixtures.folder.appendingPathComponent("small_bpe/tokenizer.json"), encoding: .utf8)
    return try folder(["tokenizer.json": tokenizerJSON].merging(extra) { _, new in new })
}

/// Writes a minimal byte-level BPE tokenizer.json whose `model` and `root` entries replace the defaults.
private func tinyTokenizerJSON(model: [String: Any] = [:], root: [String: Any] = [:]) throws -> String {
    var modelFields: [String: Any] = ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2, "<pad>": 3], "merges": ["a b"]]
    modelFields.merge(model) { _, new in new }
    var rootFields: [String: Any] = [
        "model": modelFields,
        "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false],
        "decoder": ["type": "ByteLevel"],
    ]
    rootFields.merge(root) { _, new in new }
    return String(decoding: try JSONSerialization.data(withJSONObject: rootFields), as: UTF8.self)
}

/// Loads a folder of `files` and returns the `TokenizerError` thrown, or nil when loading succeeds.
private func loadError(_ files: [String: String], maxLength: Int? = nil) throws -> TokenizerError? {
    let url = try folder(files)
    defer { TokenizerFixtures.remove(url) }
    do {
        _ = try TokenizerLoader.load(folder: url, maxLength: maxLength)
        return nil
    } catch let error as TokenizerError {
        return error
    }
}

@Suite struct TokenizerLoaderTests {
    // MARK: Maximum length

    @Test func maxLengthUnsetWithoutConfigs() throws {
        let url = try smallBPEFolder(["tokenizer_config.json": #"{"model_max_length": 1000000000000000019884624838656}"#])
        defer { TokenizerFixtures.remove(url) }
        #expect(try TokenizerLoader.load(folder: url).maxLength == Int.max)
        #expect(try TokenizerLoader.modelMaxLength(folder: url) == nil)
    }

    @Test func maxLengthFromRobertaConfig() throws {
        let url = try smallBPEFolder(["config.json": #"{"model_type": "roberta", "max_position_embeddings": 514, "pad_token_id": 1}"#])
        defer { TokenizerFixtures.remove(url) }
        #expect(try TokenizerLoader.load(folder: url).maxLength == 512)
    }

    @Test func maxLengthFromBertConfig() throws {
        let url = try smallBPEFolder(["config.json": #"{"model_type": "bert", "max_position_embeddings": 512, "pad_token_id": 0}"#])
        defer { TokenizerFixtures.remove(url) }
        #expect(try TokenizerLoader.load(folder: url).maxLength == 512)
    }

    @Test func maxLengthIsMinimumOfBothFiles() throws {
        let url = try smallBPEFolder([
            "tokenizer_config.json": #"{"model_max_length": 300}"#,
            "config.json": #"{"model_type": "roberta", "max_position_embeddings": 514, "pad_token_id": 1}"#,
        ])
        defer { TokenizerFixtures.remove(url) }
        #expect(try TokenizerLoader.load(folder: url).maxLength == 300)
        #expect(try TokenizerLoader.load(folder: url, maxLength: 1000).maxLength == 300)
        #expect(try TokenizerLoader.load(folder: url, maxLength: 64).maxLength == 64)
    }

    @Test func truncationKeepsClosingToken() throws {
        let url = try smallBPEFolder()
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url, maxLength: 10)
        let ids = tokenizer.encode(String(repeating: "river mountain window ", count: 50))
        #expect(ids.count == 10)
        #expect(ids.first == tokenizer.tokenId("<s>"))
        #expect(ids.last == tokenizer.tokenId("</s>"))
        #expect(tokenizer.encode("").count == 2)
    }

    @Test func capBelowFramingKeepsOnlyFraming() throws {
        let url = try smallBPEFolder()
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url, maxLength: 1)
        #expect(tokenizer.encode("river") == [tokenizer.tokenId("<s>")!, tokenizer.tokenId("</s>")!])
    }

    // MARK: Tokens

    @Test func padAndTokenIds() throws {
        let url = try smallBPEFolder()
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url)
        #expect(tokenizer.padTokenId == 1)
        #expect(tokenizer.tokenId("<mask>") == 4)
        #expect(tokenizer.tokenId("not a token") == nil)
        #expect(tokenizer.vocabularySize == 700)
    }

    @Test func padTokenFromModelConfig() throws {
        let url = try folder(["tokenizer.json": try tinyTokenizerJSON(model: ["vocab": ["a": 0, "b": 1, "ab": 2]]),
                              "config.json": #"{"pad_token_id": 2}"#])
        defer { TokenizerFixtures.remove(url) }
        #expect(try TokenizerLoader.load(folder: url).padTokenId == 2)
    }

    @Test func batchKeepsOrder() throws {
        let url = try smallBPEFolder()
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url)
        let texts = (0..<500).map { "text \($0) " + String(repeating: "quick ", count: $0 % 7) }
        #expect(tokenizer.encodeBatch(texts) == texts.map { tokenizer.encode($0) })
        #expect(tokenizer.encodeBatch([]).isEmpty)
    }

    @Test func decodeRestoresBytes() throws {
        let url = try smallBPEFolder()
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url)
        let text = "  Caf\u{E9} \u{1F600}\tline\r\nend "
        #expect(tokenizer.decode(tokenizer.encode(text)) == text)
    }

    @Test func prefixSpaceFromTokenizerConfig() throws {
        let url = try TokenizerFixtures.temporaryFolder()
        defer { TokenizerFixtures.remove(url) }
        let small = TokenizerFixtures.folder.appendingPathComponent("small_bpe/tokenizer.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: small)) as! [String: Any]
        let model = root["model"] as! [String: Any]
        try TokenizerFixtures.writeJSON(model["vocab"]!, to: url.appendingPathComponent("vocab.json"))
        let merges = (model["merges"] as! [[String]]).map { $0.joined(separator: " ") }
        try TokenizerFixtures.write("#version: 0.2\n" + merges.joined(separator: "\n") + "\n", to: url.appendingPathComponent("merges.txt"))

        let plain = try TokenizerLoader.load(folder: url)
        try TokenizerFixtures.write(#"{"add_prefix_space": true}"#, to: url.appendingPathComponent("tokenizer_config.json"))
        let prefixed = try TokenizerLoader.load(folder: url)
        #expect(plain.encode("river") != prefixed.encode("river"))
        #expect(prefixed.encode("river") == plain.encode(" river"))
    }
}

@Suite struct TokenizerVocabularyTests {
    /// "é" (U+00E9) and "e" + U+0301 are equal as Swift Strings but distinct tokens for Hugging Face.
    @Test func canonicallyEquivalentTokensStayDistinct() throws {
        let url = try folder([
            "vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\ncaf\u{E9}\ncafe\u{301}\n",
            "tokenizer_config.json": #"{"do_lower_case": false}"#,
        ])
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url)
        #expect(tokenizer.encode("caf\u{E9}") == [2, 4, 3])
        #expect(tokenizer.encode("cafe\u{301}") == [2, 5, 3])
        #expect(tokenizer.tokenId("caf\u{E9}") == 4)
        #expect(tokenizer.tokenId("cafe\u{301}") == 5)
        // [MASK] is missing from the file, so it is added after the six lines, as transformers adds it.
        #expect(tokenizer.tokenId("[MASK]") == 6)
        #expect(tokenizer.vocabularySize == 7)
    }

    @Test func canonicallyEquivalentJSONKeysStayDistinct() throws {
        let json = #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[PAD]": 1, "\u00e9": 2, "e\u0301": 3, "\ud83d\ude00": 4}}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#
        let url = try folder(["tokenizer.json": json])
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url)
        #expect(tokenizer.encode("\u{E9} e\u{301} \u{1F600} x") == [2, 3, 4, 0])
    }

    @Test func repeatedVocabularyLineKeepsLastId() throws {
        let url = try folder(["vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nhello  \n"])
        defer { TokenizerFixtures.remove(url) }
        let tokenizer = try TokenizerLoader.load(folder: url)
        #expect(tokenizer.encode("hello") == [2, 5, 3])
        // Five distinct tokens, so transformers gives the missing [MASK] id 5 too, and the added token wins
        // when decoding (then is skipped as special); id 4 has no token left.
        #expect(tokenizer.tokenId("[MASK]") == 5)
        #expect(tokenizer.decode([4, 5]) == "")
        #expect(tokenizer.vocabularySize == 6)
    }

    @Test func crlfMergesFile() throws {
        let url = try folder([
            "vocab.json": #"{"<s>": 0, "<pad>": 1, "</s>": 2, "a": 3, "b": 4, "ab": 5}"#,
            "merges.txt": "#version: 0.2\r\na b\r\n",
        ])
        defer { TokenizerFixtures.remove(url) }
        #expect(try TokenizerLoader.load(folder: url).encode("ab") == [0, 5, 2])
    }
}

@Suite struct TokenizerErrorTests {
    @Test func emptyFolderListsExpectedFiles() throws {
        let error = try #require(try loadError([:]))
        guard case .missingFiles = error else { Issue.record("got \(error)"); return }
        #expect(error.description.contains("vocab.json with merges.txt"))
    }

    @Test func missingFolder() throws {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer-folder")
        #expect(throws: TokenizerError.unreadableFile(path: url.path, reason: "no such folder")) {
            try TokenizerLoader.load(folder: url)
        }
    }

    @Test func invalidJSONNamesFile() throws {
        let error = try #require(try loadError(["tokenizer.json": "{ not json"]))
        guard case let .malformedJSON(path, field, _) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix("tokenizer.json"))
        #expect(field == "(document)")
    }

    @Test func missingModelField() throws {
        let error = try #require(try loadError(["tokenizer.json": #"{"version": "1.0"}"#]))
        guard case let .missingField(path, field) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix("tokenizer.json"))
        #expect(field == "model")
    }

    @Test func invalidUTF8File() throws {
        let url = try folder([:])
        defer { TokenizerFixtures.remove(url) }
        try Data([0x5B, 0x50, 0x41, 0x44, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: url.appendingPathComponent("vocab.txt"))
        #expect(throws: TokenizerError.unreadableFile(path: url.appendingPathComponent("vocab.txt").path, reason: "not valid UTF-8")) {
            try TokenizerLoader.load(folder: url)
        }
    }

    @Test func loneSurrogateEscape() throws {
        let error = try #require(try loadError(["tokenizer.json": #"{"model": {"vocab": {"\ud83d": 0}}}"#]))
        guard case let .malformedJSON(_, field, reason) = error else { Issue.record("got \(error)"); return }
        #expect(field == "(document)")
        #expect(reason.contains("surrogate"))
    }

    @Test func trailingCommaRejected() throws {
        let error = try #require(try loadError(["tokenizer.json": #"{"model": {"type": "BPE",}}"#]))
        guard case let .malformedJSON(_, _, reason) = error else { Issue.record("got \(error)"); return }
        #expect(reason.contains("byte 25"))
    }

    @Test func unsupportedModelType() throws {
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(model: ["type": "Unigram"])]))
        guard case let .unsupported(_, field, value, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "model.type")
        #expect(value == "Unigram")
        #expect(error.description.contains("Supported: BPE, WordPiece"))
    }

    @Test func unsupportedNormalizer() throws {
        let json = try tinyTokenizerJSON(root: ["normalizer": ["type": "NFC"]])
        let error = try #require(try loadError(["tokenizer.json": json]))
        guard case let .unsupported(_, field, value, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "normalizer.type")
        #expect(value == "NFC")
    }

    @Test func unsupportedPreTokenizer() throws {
        let json = try tinyTokenizerJSON(root: ["pre_tokenizer": ["type": "Whitespace"]])
        let error = try #require(try loadError(["tokenizer.json": json]))
        guard case let .unsupported(_, field, value, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "pre_tokenizer.type")
        #expect(value == "Whitespace")
    }

    @Test func dropoutRejected() throws {
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(model: ["dropout": 0.1])]))
        guard case let .unsupported(_, field, _, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "model.dropout")
    }

    @Test func mergeWithUnknownToken() throws {
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(model: ["merges": ["a b", "b c"]])]))
        guard case let .tokenNotInVocabulary(_, field, token) = error else { Issue.record("got \(error)"); return }
        #expect(field == "model.merges[1]")
        #expect(token == "c")
    }

    @Test func mergeWithoutSpace() throws {
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(model: ["merges": ["ab"]])]))
        guard case let .malformedJSON(_, field, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "model.merges[0]")
    }

    @Test func vocabularyIdNotInteger() throws {
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(model: ["vocab": ["a": "zero"]])]))
        guard case let .malformedJSON(_, field, reason) = error else { Issue.record("got \(error)"); return }
        #expect(field == "model.vocab[\"a\"]")
        #expect(reason.contains("\"zero\""))
    }

    @Test func templateWithoutSequence() throws {
        let processor: [String: Any] = [
            "type": "TemplateProcessing", "single": [["SpecialToken": ["id": "<pad>", "type_id": 0]]],
            "special_tokens": ["<pad>": ["id": "<pad>", "ids": [3], "tokens": ["<pad>"]]],
        ]
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(root: ["post_processor": processor])]))
        guard case let .malformedJSON(_, field, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "post_processor.single")
    }

    @Test func missingPadToken() throws {
        let error = try #require(try loadError(["tokenizer.json": try tinyTokenizerJSON(model: ["vocab": ["a": 0, "b": 1, "ab": 2]])]))
        guard case .missingPadToken = error else { Issue.record("got \(error)"); return }
        #expect(error.description.contains("pad_token"))
    }

    @Test func malformedMergesLine() throws {
        let error = try #require(try loadError([
            "vocab.json": #"{"a": 0, "b": 1, "ab": 2, "<s>": 3, "</s>": 4, "<pad>": 5}"#,
            "merges.txt": "#version: 0.2\na b\na b c\n",
        ]))
        guard case let .malformedLine(path, line, content, _) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix("merges.txt"))
        #expect(line == 3)
        #expect(content == "a b c")
    }

    @Test func mergesTokenMissingFromVocabularyJSON() throws {
        let error = try #require(try loadError([
            "vocab.json": #"{"a": 0, "b": 1, "<s>": 3, "</s>": 4, "<pad>": 5}"#,
            "merges.txt": "#version: 0.2\na b\n",
        ]))
        guard case let .tokenNotInVocabulary(path, field, token) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix("merges.txt"))
        #expect(field == "the merge on line 2")
        #expect(token == "ab")
    }

    @Test func vocabularyTextWithoutUnknownToken() throws {
        let error = try #require(try loadError(["vocab.txt": "[PAD]\n[CLS]\n[SEP]\nhello\n"]))
        guard case let .tokenNotInVocabulary(_, field, token) = error else { Issue.record("got \(error)"); return }
        #expect(field == "unk_token")
        #expect(token == "[UNK]")
    }

    @Test func unsupportedTokenizerClass() throws {
        let error = try #require(try loadError([
            "vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n",
            "tokenizer_config.json": #"{"tokenizer_class": "XLNetTokenizer"}"#,
        ]))
        guard case let .unsupported(_, field, value, _) = error else { Issue.record("got \(error)"); return }
        #expect(field == "tokenizer_class")
        #expect(value == "XLNetTokenizer")
    }

    @Test func wrongFieldType() throws {
        let error = try #require(try loadError([
            "vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n",
            "tokenizer_config.json": #"{"do_lower_case": "yes"}"#,
        ]))
        guard case let .malformedJSON(_, field, reason) = error else { Issue.record("got \(error)"); return }
        #expect(field == "do_lower_case")
        #expect(reason == "expected true or false, found \"yes\"")
    }

    @Test func nonPositiveMaxLength() throws {
        let vocabulary = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"
        let fromConfig = try #require(try loadError(["vocab.txt": vocabulary, "tokenizer_config.json": #"{"model_max_length": 0}"#]))
        guard case .invalidMaxLength = fromConfig else { Issue.record("got \(fromConfig)"); return }
        let fromCap = try #require(try loadError(["vocab.txt": vocabulary], maxLength: 0))
        #expect(fromCap == .invalidMaxLength(source: "the maxLength argument", value: 0))
    }

    @Test func messagesNameTheSourceAndAFix() throws {
        let cases: [(TokenizerError, String)] = [
            (.missingFiles(folder: "/m", found: []), "/m"),
            (.unreadableFile(path: "/m/a.json", reason: "r"), "/m/a.json"),
            (.malformedJSON(path: "/m/a.json", field: "model.vocab", reason: "r"), "model.vocab"),
            (.missingField(path: "/m/a.json", field: "model.merges"), "model.merges"),
            (.unsupported(path: "/m/a.json", field: "normalizer.type", value: "NFC", supported: ["x"]), "normalizer.type"),
            (.malformedLine(path: "/m/merges.txt", line: 7, content: "c", reason: "r"), "line 7"),
            (.tokenNotInVocabulary(path: "/m/a.json", field: "unk_token", token: "[UNK]"), "[UNK]"),
            (.missingPadToken(folder: "/m"), "/m"),
            (.invalidMaxLength(source: "/m/tokenizer_config.json model_max_length", value: 0), "model_max_length"),
        ]
        for (error, named) in cases {
            let sentences = error.description.split(separator: ". ").count
            #expect(error.description.contains(named), "\(error)")
            #expect(error.description.hasSuffix("."), "\(error)")
            #expect(sentences >= 2, "no fix hint after the problem: \(error)")
        }
    }
}
