import Foundation
import Testing
import Finetune

/// Ids and decodings against Hugging Face, from fixtures written by scripts/make_tokenizer_fixtures.py
/// with tokenizers 0.23.3 and transformers 5.25.
@Suite struct TokenizerParityTests {
    // MARK: Tricky strings

    /// Encodes every tricky string with the tokenizer in `folder` and compares ids, maximum and decoding.
    private func checkTrickyStrings(folder: URL, expectedName: String) throws {
        let tokenizer = try TokenizerLoader.load(folder: folder)
        let texts = TokenizerFixtures.tricky.texts
        let expected = try #require(TokenizerFixtures.tricky.expected[expectedName])
        #expect(tokenizer.maxLength == expected.maxLength)

        let ids = tokenizer.encodeBatch(texts)
        let mismatch = TokenizerFixtures.firstMismatch(texts: texts, expected: expected.ids, actual: ids)
        #expect(mismatch == nil, "\(expectedName): \(mismatch ?? "")")

        let sequential = texts.map { tokenizer.encode($0) }
        #expect(sequential == ids, "encode and encodeBatch differ")

        for (index, row) in expected.ids.enumerated() {
            let decoded = tokenizer.decode(row)
            #expect(decoded == expected.decoded[index], "decode of text \(index) \(String(reflecting: texts[index].prefix(60)))")
        }
    }

    @Test(arguments: ["small_bpe", "small_bpe_template", "small_wordpiece_cased", "small_wordpiece_strip"])
    func smallTokenizerJSONTrickyStrings(name: String) throws {
        try checkTrickyStrings(folder: TokenizerFixtures.folder.appendingPathComponent(name), expectedName: name)
    }

    @Test(.enabled(if: TokenizerFixtures.hasRoberta, "needs ../shared/data/roberta-base"))
    func robertaVocabularyFilesTrickyStrings() throws {
        let folder = try TokenizerFixtures.robertaVocabularyFolder()
        defer { TokenizerFixtures.remove(folder) }
        try checkTrickyStrings(folder: folder, expectedName: "roberta")
    }

    @Test(.enabled(if: TokenizerFixtures.hasRoberta, "needs ../shared/data/roberta-base"))
    func robertaTokenizerJSONTrickyStrings() throws {
        let folder = try TokenizerFixtures.robertaTokenizerJSONFolder()
        defer { TokenizerFixtures.remove(folder) }
        try checkTrickyStrings(folder: folder, expectedName: "roberta")
    }

    @Test(.enabled(if: TokenizerFixtures.hasMiniLM, "needs .cache/models/all-MiniLM-L6-v2 (make model)"))
    func miniLMTokenizerJSONTrickyStrings() throws {
        try checkTrickyStrings(folder: TestPaths.miniLM, expectedName: "minilm")
    }

    @Test(.enabled(if: TokenizerFixtures.hasMiniLM, "needs .cache/models/all-MiniLM-L6-v2 (make model)"))
    func miniLMVocabularyFileTrickyStrings() throws {
        let folder = try TokenizerFixtures.miniLMVocabularyFolder()
        defer { TokenizerFixtures.remove(folder) }
        try checkTrickyStrings(folder: folder, expectedName: "minilm")
    }

    // MARK: Emotion data set

    /// Encodes the 20,000 emotion texts and compares with the ids in `idsFile`.
    private func checkEmotion(folder: URL, idsFile: String) throws {
        let texts = try TokenizerFixtures.emotionTexts()
        let metadata = try JSONSerialization.jsonObject(
            with: Data(contentsOf: TokenizerFixtures.folder.appendingPathComponent("emotion.json"))) as! [String: Any]
        try #require(texts.count == metadata["text_count"] as? Int, "emotion text count changed")
        try #require(TokenizerFixtures.digest(texts) == metadata["texts_fnv1a64"] as? String,
                     "the emotion files differ from those the fixtures were made from; rerun the fixture script")

        let expected = try TokenizerFixtures.readIds(idsFile)
        let tokenizer = try TokenizerLoader.load(folder: folder)
        let ids = tokenizer.encodeBatch(texts)
        let mismatch = TokenizerFixtures.firstMismatch(texts: texts, expected: expected, actual: ids)
        #expect(mismatch == nil, "\(idsFile): \(mismatch ?? "")")
    }

    @Test(.enabled(if: TokenizerFixtures.hasRoberta && TokenizerFixtures.hasEmotion, "needs ../shared/data"))
    func robertaVocabularyFilesEmotion() throws {
        let folder = try TokenizerFixtures.robertaVocabularyFolder()
        defer { TokenizerFixtures.remove(folder) }
        try checkEmotion(folder: folder, idsFile: "emotion_roberta.ids.gz")
    }

    @Test(.enabled(if: TokenizerFixtures.hasRoberta && TokenizerFixtures.hasEmotion, "needs ../shared/data"))
    func robertaTokenizerJSONEmotion() throws {
        let folder = try TokenizerFixtures.robertaTokenizerJSONFolder()
        defer { TokenizerFixtures.remove(folder) }
        try checkEmotion(folder: folder, idsFile: "emotion_roberta.ids.gz")
    }

    @Test(.enabled(if: TokenizerFixtures.hasMiniLM && TokenizerFixtures.hasEmotion, "needs ../shared/data and the MiniLM folder"))
    func miniLMTokenizerJSONEmotion() throws {
        try checkEmotion(folder: TestPaths.miniLM, idsFile: "emotion_minilm.ids.gz")
    }

    @Test(.enabled(if: TokenizerFixtures.hasMiniLM && TokenizerFixtures.hasEmotion, "needs ../shared/data and the MiniLM folder"))
    func miniLMVocabularyFileEmotion() throws {
        let folder = try TokenizerFixtures.miniLMVocabularyFolder()
        defer { TokenizerFixtures.remove(folder) }
        try checkEmotion(folder: folder, idsFile: "emotion_minilm.ids.gz")
    }
}
