import CZlib
import Foundation
import Finetune

/// Fixtures and model folders for the tokenizer tests, written by scripts/make_tokenizer_fixtures.py.
enum TokenizerFixtures {
    static let folder = TestPaths.fixtures.appendingPathComponent("tokenizer")
    static let roberta = TestPaths.sharedData.appendingPathComponent("roberta-base")
    static let emotion = TestPaths.sharedData.appendingPathComponent("emotion")

    static var hasRoberta: Bool { TestPaths.exists(roberta.appendingPathComponent("merges.txt")) }
    static var hasEmotion: Bool { TestPaths.exists(emotion.appendingPathComponent("train.txt")) }
    static var hasMiniLM: Bool { TestPaths.exists(TestPaths.miniLM.appendingPathComponent("tokenizer.json")) }

    // MARK: Tricky strings

    struct Expected {
        let maxLength: Int
        let ids: [[Int32]]
        let decoded: [String]
    }

    /// The strings of tricky.json and the expected ids and decodings per tokenizer name.
    static let tricky: (texts: [String], expected: [String: Expected]) = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("tricky.json"))
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let texts = root["texts"] as! [String]
        var expected: [String: Expected] = [:]
        for (name, value) in root["expected"] as! [String: Any] {
            let entry = value as! [String: Any]
            expected[name] = Expected(
                maxLength: entry["max_length"] as! Int,
                ids: (entry["ids"] as! [[Int]]).map { $0.map(Int32.init) },
                decoded: entry["decoded"] as! [String])
        }
        return (texts, expected)
    }()

    // MARK: Emotion texts

    /// The 20,000 emotion texts in fixture order (train, validation, test): each line up to its last ';'.
    static func emotionTexts() throws -> [String] {
        var texts: [String] = []
        for name in ["train.txt", "validation.txt", "test.txt"] {
            let content = try String(contentsOf: emotion.appendingPathComponent(name), encoding: .utf8)
            var lines = content.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.last == "" { lines.removeLast() }
            for line in lines {
                let end = line.lastIndex(of: ";") ?? line.endIndex
                texts.append(String(line[..<end]))
            }
        }
        return texts
    }

    /// FNV-1a 64 of the texts, each followed by a newline, as the script computes it.
    static func digest(_ texts: [String]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for text in texts {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            hash = (hash ^ 0x0A) &* 0x100_0000_01B3
        }
        return String(format: "%016llx", hash)
    }

    /// Ids of an .ids.gz fixture: gzip of LEB128 varints (row count, then per row its length and ids).
    static func readIds(_ name: String) throws -> [[Int32]] {
        let bytes = try gunzip(Data(contentsOf: folder.appendingPathComponent(name)))
        var index = 0
        func next() -> Int {
            var value = 0
            var shift = 0
            while true {
                let byte = bytes[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        return (0..<next()).map { _ in (0..<next()).map { _ in Int32(next()) } }
    }

    static func gunzip(_ data: Data) throws -> [UInt8] {
        var input = [UInt8](data)
        var output: [UInt8] = []
        var stream = z_stream()
        // 16 + MAX_WBITS selects the gzip wrapper.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FixtureError.corrupt("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            while status == Z_OK {
                chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: chunkBuffer.prefix(chunkBuffer.count - Int(stream.avail_out)))
                }
            }
        }
        guard status == Z_STREAM_END else { throw FixtureError.corrupt("inflate returned \(status)") }
        return output
    }

    enum FixtureError: Error { case corrupt(String) }

    // MARK: Model folders

    /// Creates an empty folder under the system temporary directory.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// roberta-base vocab.json and merges.txt linked into a temporary folder with roberta-base's config.json
    /// values (so the model maximum is 514 - 1 - 1 = 512).
    static func robertaVocabularyFolder() throws -> URL {
        let folder = try temporaryFolder()
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: roberta.appendingPathComponent(name))
        }
        try writeJSON(["model_type": "roberta", "max_position_embeddings": 514, "pad_token_id": 1],
                      to: folder.appendingPathComponent("config.json"))
        return folder
    }

    /// roberta-base as a tokenizer.json, laid out as `transformers` 5.25 saves the tokenizer it builds from
    /// vocab.json and merges.txt (`backend_tokenizer.save`), plus the same config.json.
    static func robertaTokenizerJSONFolder() throws -> URL {
        let folder = try temporaryFolder()
        let vocabulary = try JSONSerialization.jsonObject(with: Data(contentsOf: roberta.appendingPathComponent("vocab.json")))
        let mergeLines = try String(contentsOf: roberta.appendingPathComponent("merges.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#version") }
        let merges = mergeLines.map { line in line.split(separator: " ").map(String.init) }
        func added(_ content: String, _ id: Int) -> [String: Any] {
            ["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false,
             "normalized": false, "special": true]
        }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let root: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": [added("<s>", 0), added("<pad>", 1), added("</s>", 2), added("<unk>", 3), added("<mask>", 50264)],
            "normalizer": NSNull(),
            "pre_tokenizer": byteLevel,
            "post_processor": ["type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                               "trim_offsets": true, "add_prefix_space": false] as [String: Any],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true] as [String: Any],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocabulary, "merges": merges] as [String: Any],
        ]
        try writeJSON(root, to: folder.appendingPathComponent("tokenizer.json"))
        try writeJSON(["model_type": "roberta", "max_position_embeddings": 514, "pad_token_id": 1],
                      to: folder.appendingPathComponent("config.json"))
        return folder
    }

    /// all-MiniLM-L6-v2 without its tokenizer.json: vocab.txt and the JSON configs only.
    static func miniLMVocabularyFolder() throws -> URL {
        let folder = try temporaryFolder()
        for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "config.json"] {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: TestPaths.miniLM.appendingPathComponent(name))
        }
        return folder
    }

    static func writeJSON(_ value: Any, to url: URL) throws {
        try JSONSerialization.data(withJSONObject: value).write(to: url)
    }

    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    static func remove(_ folder: URL) {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Index of the first differing row, with a message showing the text and both id lists around it.
    static func firstMismatch(texts: [String], expected: [[Int32]], actual: [[Int32]]) -> String? {
        guard expected.count == actual.count else { return "expected \(expected.count) rows, got \(actual.count)" }
        for index in expected.indices where expected[index] != actual[index] {
            let e = expected[index]
            let a = actual[index]
            let position = (0..<min(e.count, a.count)).first(where: { e[$0] != a[$0] }) ?? min(e.count, a.count)
            let window = max(0, position - 3)
            return "text \(index) \(String(reflecting: String(texts[index].prefix(80)))): lengths \(e.count) vs \(a.count), "
                + "first difference at \(position): expected \(Array(e[window..<min(e.count, position + 5)])), "
                + "got \(Array(a[window..<min(a.count, position + 5)]))"
        }
        return nil
    }
}
