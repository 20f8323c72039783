import Foundation
import Testing
import Finetune

@Suite struct HubYAMLTests {
    @Test func parsesNestedBlocks() throws {
        let text = """
            name: plain text   # a comment
            'quoted key': "double \\"quoted\\" \\u00e9"
            single: 'it''s # not a comment'
            empty:
            tilde: ~
            list:
            - a
            - b: 1
              c: 2
            -   d: 3
            -
              - nested
              - [x, "y, z"]
            map:
              inner:
                deep: value
              flow: {k: v, n: [1, 2]}
            """
        let entries = try YAMLSubset.parseDocument(text)
        let document = YAMLValue.mapping(entries)
        #expect(document["name"] == .scalar("plain text"))
        #expect(document["quoted key"] == .scalar("double \"quoted\" é"))
        #expect(document["single"] == .scalar("it's # not a comment"))
        #expect(document["empty"] == .null)
        #expect(document["tilde"] == .null)
        #expect(document["list"] == .sequence([
            .scalar("a"),
            .mapping([YAMLEntry(key: "b", value: .scalar("1")), YAMLEntry(key: "c", value: .scalar("2"))]),
            .mapping([YAMLEntry(key: "d", value: .scalar("3"))]),
            .sequence([.scalar("nested"), .sequence([.scalar("x"), .scalar("y, z")])]),
        ]))
        #expect(document["map"]?["inner"]?["deep"] == .scalar("value"))
        #expect(document["map"]?["flow"]?["n"] == .sequence([.scalar("1"), .scalar("2")]))
    }

    @Test func parsesMultiLineScalars() throws {
        let text = """
            literal: |
              line one
                indented

              line three
            folded: >-
              folded
              text

              para
            plain: starts here
              and continues
            quoted: "spans
              two lines"
            flow: [a,
              b]
            after: end
            """
        let document = YAMLValue.mapping(try YAMLSubset.parseDocument(text))
        #expect(document["literal"] == .scalar("line one\n  indented\n\nline three\n"))
        #expect(document["folded"] == .scalar("folded text\n\npara"))
        #expect(document["plain"] == .scalar("starts here and continues"))
        #expect(document["quoted"] == .scalar("spans two lines"))
        #expect(document["flow"] == .sequence([.scalar("a"), .scalar("b")]))
        #expect(document["after"] == .scalar("end"))
    }

    @Test func reportsErrorLine() {
        let text = "configs:\n- config_name: a\n  data_files: &files x\n"
        let error = #expect(throws: YAMLParseError.self) { try YAMLSubset.parseDocument(text, firstLine: 2) }
        #expect(error?.line == 4)
        #expect(error?.reason.contains("anchors") == true)

        let tabs = "configs:\n\t- a\n"
        #expect(throws: YAMLParseError.self) { try YAMLSubset.parseDocument(tabs) }
    }

    @Test func skipsUnwantedSections() throws {
        let text = """
            train-eval-index:
            - weird: &anchor [1, 2]
              more: *anchor
            configs:
            - config_name: default
            other: {unclosed
            """
        let entries = try YAMLSubset.parseDocument(text, keys: ["configs"])
        #expect(entries.map(\.key) == ["configs"])
        #expect(throws: YAMLParseError.self) { try YAMLSubset.parseDocument(text) }
    }

    @Test func findsFrontMatter() throws {
        #expect(YAMLSubset.frontMatter(of: "# Title\n---\na: b\n---\n") == nil)
        let found = try #require(YAMLSubset.frontMatter(of: "\u{FEFF}---\r\na: b\r\n...\r\nbody"))
        #expect(found.text == "a: b")
        #expect(found.firstLine == 2)
        #expect(YAMLSubset.frontMatter(of: "---\na: b\n") == nil, "an unclosed header is not front matter")
    }
}

@Suite struct HubCardTests {
    @Test func readsEmotionStyleCard() throws {
        let card = try DatasetCard(markdown: HubFixtures.datasetCard)
        #expect(card.configs.map(\.name) == ["split", "unsplit"])
        let split = try #require(try card.selectConfig(nil, repo: "r"))
        #expect(split.name == "split")
        #expect(split.isDefault)
        #expect(split.dataFiles.map(\.split) == ["train", "validation", "test"])
        #expect(split.dataFiles.map(\.patterns) == [["split/train-*"], ["split/validation-*"], ["split/test-*"]])

        let unsplit = try #require(try card.selectConfig("unsplit", repo: "r"))
        #expect(unsplit.dataFiles.map(\.split) == ["train"])
        #expect(unsplit.dataFiles.first?.patterns == ["unsplit/*.parquet"])

        let labels = card.features(forConfig: "split")?.first { $0.name == "label" }
        #expect(labels?.dtype == "class_label")
        #expect(labels?.classLabelNames == ["sadness", "joy", "love", "anger", "fear", "surprise"])
        #expect(card.features(forConfig: "unsplit")?.last?.classLabelNames == ["a", "b"])
        #expect(card.features(forConfig: "split")?.first?.dtype == "string")
    }

    @Test func readsDataFileForms() throws {
        let markdown = """
            ---
            configs:
            - config_name: listed
              data_files: ["a.csv", "b.csv"]
              sep: ";"
            - config_name: mapped
              data_files:
                train: train/*.jsonl
                test: [test/a.jsonl, test/b.jsonl]
            - config_name: multi
              data_dir: data
              data_files:
              - split: train
                path:
                - one/*.parquet
                - two/*.parquet
            dataset_info:
              features:
              - name: label
                dtype:
                  class_label:
                    names:
                    - neg
                    - pos
            ---
            """
        let card = try DatasetCard(markdown: markdown)
        let listed = try #require(try card.selectConfig("listed", repo: "r"))
        #expect(listed.dataFiles.map(\.split) == ["train"])
        #expect(listed.dataFiles.first?.patterns == ["a.csv", "b.csv"])
        #expect(listed.options == ["sep": ";"])
        let mapped = try #require(try card.selectConfig("mapped", repo: "r"))
        #expect(mapped.dataFiles.map(\.split) == ["train", "test"])
        #expect(mapped.dataFiles.last?.patterns == ["test/a.jsonl", "test/b.jsonl"])
        let multi = try #require(try card.selectConfig("multi", repo: "r"))
        #expect(multi.dataDir == "data")
        #expect(multi.dataFiles.first?.patterns == ["one/*.parquet", "two/*.parquet"])

        // dataset_info without config_name applies to any config.
        #expect(card.features(forConfig: "mapped")?.first?.classLabelNames == ["neg", "pos"])

        let error = #expect(throws: HubError.self) { try card.selectConfig(nil, repo: "org/set") }
        #expect(error == .configRequired(repo: "org/set", available: ["listed", "mapped", "multi"]))
    }

    @Test func picksDefaultConfig() throws {
        let named = try DatasetCard(markdown: "---\nconfigs:\n- config_name: other\n- config_name: default\n---\n")
        #expect(try named.selectConfig(nil, repo: "r")?.name == "default")
        let single = try DatasetCard(markdown: "---\nconfigs:\n- config_name: only\n  data_files: x.csv\n---\n")
        #expect(try single.selectConfig(nil, repo: "r")?.name == "only")
        let none = try DatasetCard(markdown: "# no front matter")
        #expect(try none.selectConfig(nil, repo: "r") == nil)
        #expect(throws: HubError.self) { try none.selectConfig("named", repo: "r") }
    }

    @Test func rejectsBadLabelIds() {
        let markdown = """
            ---
            dataset_info:
              features:
              - name: label
                dtype:
                  class_label:
                    names:
                      '0': a
                      '2': c
            ---
            """
        let error = #expect(throws: DatasetCardError.self) { try DatasetCard(markdown: markdown) }
        #expect(error?.reason.contains("ids are not 0...1") == true)
    }

    @Test func reportsCardSyntaxLine() {
        let markdown = "---\npretty_name: x\nconfigs:\n- config_name: a\n   data_files: b\n---\n"
        let error = #expect(throws: DatasetCardError.self) { try DatasetCard(markdown: markdown) }
        #expect(error?.line == 5)
    }
}

@Suite struct HubDataFilesTests {
    /// Creates `files` (relative paths) in a new folder and resolves it as a local data set.
    static func resolve(_ files: [String], card: String? = nil) throws -> (ResolvedDataset, URL) {
        let folder = try HubFixtures.temporaryFolder()
        for file in files {
            let url = folder.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("text,label\n".utf8).write(to: url)
        }
        if let card {
            try Data(card.utf8).write(to: folder.appendingPathComponent("README.md"))
        }
        let resolver = HubFixtures.resolver(endpoint: URL(string: "http://127.0.0.1:9")!, cache: folder.appendingPathComponent(".cache"))
        return (try resolver.resolveDataset(folder.path), folder)
    }

    static func names(_ dataset: ResolvedDataset, _ split: String, in folder: URL) -> [String] {
        (dataset.splits[split] ?? []).map { String($0.path.dropFirst(folder.path.count + 1)) }
    }

    @Test func infersSplitsFromFileNames() throws {
        let (dataset, folder) = try Self.resolve(["train.csv", "test.csv", "dev.jsonl", ".hidden/train.csv", "pretraining_notes.txt"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(dataset.splitNames == ["train", "validation", "test"])
        #expect(Self.names(dataset, "train", in: folder) == ["train.csv"])
        #expect(Self.names(dataset, "validation", in: folder) == ["dev.jsonl"])
        #expect(Self.names(dataset, "test", in: folder) == ["test.csv"])
    }

    @Test func infersSplitsFromFolders() throws {
        let (dataset, folder) = try Self.resolve(["default/train/0001.parquet", "default/train/0000.parquet", "default/test/0000.parquet"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(dataset.splitNames == ["train", "test"])
        #expect(Self.names(dataset, "train", in: folder) == ["default/train/0000.parquet", "default/train/0001.parquet"])
    }

    @Test func unnamedFilesAreTrain() throws {
        let (dataset, folder) = try Self.resolve(["b.csv", "a.csv", "readme.md"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(dataset.splitNames == ["train"])
        #expect(Self.names(dataset, "train", in: folder) == ["a.csv", "b.csv"])
    }

    @Test func matchesCardGlobs() throws {
        let card = """
            ---
            configs:
            - config_name: default
              data_files:
              - split: train
                path: data/**/*.csv
              - split: validation
                path: "[ab].tsv"
              - split: test
                path: [file?.txt, extra]
            ---
            """
        let files = [
            "data/x.csv", "data/deep/er/y.csv", "data/z.tsv", "a.tsv", "b.tsv", "c.tsv", "file1.txt", "file12.txt",
            "extra/one.jsonl", "extra/two/three.jsonl",
        ]
        let (dataset, folder) = try Self.resolve(files, card: card)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(Self.names(dataset, "train", in: folder) == ["data/deep/er/y.csv", "data/x.csv"])
        #expect(Self.names(dataset, "validation", in: folder) == ["a.tsv", "b.tsv"])
        #expect(Self.names(dataset, "test", in: folder) == ["extra/one.jsonl", "extra/two/three.jsonl", "file1.txt"])
    }

    @Test func reportsUnmatchedPattern() throws {
        let card = "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n---\n"
        let error = #expect(throws: HubError.self) { _ = try Self.resolve(["other.csv"], card: card) }
        #expect(error?.description.contains("data/train-*") == true)
        #expect(error?.description.contains("split 'train'") == true)
    }
}

@Suite struct HubSHA256Tests {
    @Test func matchesKnownDigests() {
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two blocks: the 448-bit message from FIPS 180-4's examples.
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamsInUnevenPieces() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 127, 3000, 6680] {
            hasher.update(bytes[offset..<offset + size])
            offset += size
        }
        #expect(offset == bytes.count)
        #expect(SHA256.hex(hasher.finalize()) == SHA256.hexDigest(bytes))
        #expect(SHA256.hexDigest(Data(bytes)) == SHA256.hexDigest(bytes))
    }
}
