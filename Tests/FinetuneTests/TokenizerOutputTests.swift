import Foundation
import Testing
import Finetune

@Suite struct TokenizerOutputTests {
    @Test func jsonLinesFormat() {
        #expect(TokenizerOutput.jsonLines([[0, 713, 2], [], [5]]) == "[0,713,2]\n[]\n[5]\n")
        #expect(TokenizerOutput.jsonLines([]) == "")
    }

    @Test func plainTextInput() throws {
        let folder = try TokenizerFixtures.temporaryFolder()
        defer { TokenizerFixtures.remove(folder) }
        let url = folder.appendingPathComponent("texts.txt")
        try TokenizerFixtures.write("first line\r\n\nthird; with label\n", to: url)
        #expect(try TokenizerOutput.readTexts(url) == ["first line", "", "third; with label"])
    }

    @Test func jsonLinesInput() throws {
        let folder = try TokenizerFixtures.temporaryFolder()
        defer { TokenizerFixtures.remove(folder) }
        let url = folder.appendingPathComponent("texts.jsonl")
        try TokenizerFixtures.write("{\"text\": \"a\\nb\", \"label\": 1}\n\n{\"text\": \"c\"}\n", to: url)
        #expect(try TokenizerOutput.readTexts(url) == ["a\nb", "c"])

        try TokenizerFixtures.write("{\"text\": \"a\"}\n{\"label\": 2}\n", to: url)
        #expect(throws: TokenizerError.invalidInputLine(
            path: url.path, line: 2, reason: "expected a JSON object with a \"text\" string")) {
            try TokenizerOutput.readTexts(url)
        }
    }

    @Test func benchmarkRunMatchesEncodeBatch() throws {
        let folder = try TokenizerFixtures.temporaryFolder()
        defer { TokenizerFixtures.remove(folder) }
        let input = folder.appendingPathComponent("texts.txt")
        let texts = (0..<100).map { "text number \($0), quick river" }
        try TokenizerFixtures.write(texts.joined(separator: "\n") + "\n", to: input)
        let model = TokenizerFixtures.folder.appendingPathComponent("small_bpe")

        let result = try tokenizeFileForBenchmark(model: model, input: input, repeats: 3)
        #expect(result.ids == (try TokenizerLoader.load(folder: model)).encodeBatch(texts))
        #expect(result.encodeSeconds.count == 3)
        let timing = try JSONSerialization.jsonObject(with: Data(result.timingJSON.utf8)) as? [String: Any]
        #expect(timing?["texts"] as? Int == 100)
        #expect(timing?["ids"] as? Int == result.idCount)
        #expect(timing?["encode_seconds_min"] as? Double != nil)
    }
}
