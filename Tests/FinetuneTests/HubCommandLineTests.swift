// The Hub acceptance check, run as a user would with the built `finetune` executable. It downloads
// a model and a Parquet data set from a fake Hub on 127.0.0.1 into an empty HF_HUB_CACHE and stops
// the server. Then it trains and evaluates offline, naming both by Hub id.

import Foundation
import Testing
import Finetune

/// The model and data set repositories that the fake Hub serves, built from Fixtures/hubcli
/// (written by scripts/make_hubcli_fixtures.py).
enum HubCommandLineFixtures {
    static let modelId = "test-org/tiny-model"
    static let datasetId = "test-org/tiny-emotion"
    static let modelCommit = "1111111111aaaaaaaaaa2222222222bbbbbbbbbb"
    static let datasetCommit = "3333333333cccccccccc4444444444dddddddddd"

    /// The card's class_label names in id order, which is not alphabetical.
    static let labelNames = ["sadness", "joy", "love", "anger", "fear", "surprise"]
    static let splitSizes = ["train": 60, "validation": 18, "test": 18]
    static let parquetFiles = ["train", "validation", "test"].map { "data/\($0)-00000-of-00001.parquet" }

    static let root = TestPaths.fixtures.appendingPathComponent("hubcli")

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    /// Builds a one-layer BERT base checkpoint from the fixture's config and tokenizer files, with
    /// seeded random weights for the encoder and pooler (no classifier, as in bert-base-uncased).
    static func modelRepo(scratch: URL) throws -> FakeHub.Repo {
        let configURL = root.appendingPathComponent("tiny-model/config.json")
        let model = SequenceClassifier(config: try EncoderConfig.load(configURL), labelNames: ["LABEL_0", "LABEL_1"], seed: 7)
        let tensors = model.namedParameters.filter { !$0.name.hasPrefix("classifier.") }.map { named in
            SafetensorsWriter.Tensor(name: "bert." + named.name, shape: named.shape,
                                     values: UnsafeBufferPointer(start: named.values, count: named.count))
        }
        let weightsURL = scratch.appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: weightsURL)

        return FakeHub.Repo(
            commit: modelCommit,
            files: [
                ".gitattributes": Array("*.safetensors filter=lfs diff=lfs merge=lfs -text\n".utf8),
                "README.md": Array("# tiny-model\n".utf8),
                "config.json": try bytes("tiny-model/config.json"),
                "model.safetensors": [UInt8](try Data(contentsOf: weightsURL)),
                "tokenizer_config.json": try bytes("tiny-model/tokenizer_config.json"),
                "vocab.txt": try bytes("tiny-model/vocab.txt"),
            ],
            lfs: ["model.safetensors"])
    }

    static func datasetRepo() throws -> FakeHub.Repo {
        var files: [String: [UInt8]] = [
            ".gitattributes": Array("*.parquet filter=lfs diff=lfs merge=lfs -text\n".utf8),
            "README.md": try bytes("tiny-emotion/README.md"),
        ]
        for path in parquetFiles {
            files[path] = try bytes("tiny-emotion/\(path)")
        }
        return FakeHub.Repo(commit: datasetCommit, files: files, lfs: Set(parquetFiles))
    }

    /// Hub settings for the tool, isolated from the caller's HF_* variables: an empty value counts as
    /// unset, and the token file path points into `home`, where there is none.
    static func environment(endpoint: URL, cache: URL, home: URL, offline: Bool) -> [String: String] {
        [
            "HF_ENDPOINT": endpoint.absoluteString,
            "HF_HUB_CACHE": cache.path,
            "HF_HOME": home.path,
            "HF_TOKEN": "",
            "HUGGING_FACE_HUB_TOKEN": "",
            "HF_TOKEN_PATH": home.appendingPathComponent("token").path,
            "HF_HUB_OFFLINE": offline ? "1" : "",
            "TRANSFORMERS_OFFLINE": "",
        ]
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hubcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts and stops a server, and returns its endpoint, where connections are now refused.
    static func deadEndpoint() throws -> URL {
        let server = try TestHTTPServer { _ in .text(500, "unused") }
        server.stop()
        return server.baseURL
    }
}

/// Checks of one cached repository: refs/main, snapshot links into blobs, and file contents.
struct CachedRepo {
    let folder: URL
    let commit: String

    var snapshot: URL { folder.appendingPathComponent("snapshots/\(commit)") }

    /// Compares every file below the snapshot with `files`, and checks that each is a relative
    /// symlink to blobs/<ETag>, where the ETag is the SHA-256 for Git LFS files.
    func expectSnapshot(of files: [String: [UInt8]], lfs: Set<String>) throws {
        let fileManager = FileManager.default
        let ref = try String(contentsOf: folder.appendingPathComponent("refs/main"), encoding: .utf8)
        #expect(ref == commit, "refs/main of \(folder.lastPathComponent)")

        let listed = (fileManager.enumerator(atPath: snapshot.path)?.allObjects as? [String] ?? [])
            .filter { !isDirectory(snapshot.appendingPathComponent($0)) }
        #expect(Set(listed) == Set(files.keys), "files in \(snapshot.path)")

        for (path, expected) in files.sorted(by: { $0.key < $1.key }) {
            let link = snapshot.appendingPathComponent(path)
            let target = try fileManager.destinationOfSymbolicLink(atPath: link.path)
            let etag = lfs.contains(path) ? SHA256.hexDigest(expected) : FakeHub.gitEtag(expected)
            let depth = 2 + path.split(separator: "/").count - 1
            #expect(target == String(repeating: "../", count: depth) + "blobs/\(etag)", "link target of \(path)")

            let blob = folder.appendingPathComponent("blobs/\(etag)")
            #expect(fileManager.fileExists(atPath: blob.path), "blob of \(path)")
            #expect([UInt8](try Data(contentsOf: link)) == expected, "bytes of \(path)")
        }

        let blobs = try fileManager.contentsOfDirectory(atPath: folder.appendingPathComponent("blobs").path)
        #expect(blobs.count == files.count, "blobs: \(blobs.sorted())")
        #expect(!blobs.contains { $0.hasSuffix(".incomplete") }, "partial downloads left: \(blobs.sorted())")
    }

    private func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }
}

/// Returns the lines of `text` that start with "Error: ".
private func errorLines(_ text: String) -> [Substring] {
    text.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
}

/// Returns the text after `prefix` on the first line of `text` that starts with it, trimmed.
private func logValue(_ text: String, _ prefix: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix(prefix) }
        .map { $0.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) }
}

@Suite struct HubCommandLineTests {
    typealias Fixtures = HubCommandLineFixtures

    @Test func downloadThenTrainOffline() throws {
        let scratch = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cache = scratch.appendingPathComponent("hub")
        let home = scratch.appendingPathComponent("hf-home")
        let model = try Fixtures.modelRepo(scratch: scratch)
        let dataset = try Fixtures.datasetRepo()

        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", Fixtures.modelId, model)
        hub.add("datasets", Fixtures.datasetId, dataset)
        let endpoint = hub.hub.baseURL
        let online = Fixtures.environment(endpoint: endpoint, cache: cache, home: home, offline: false)

        // 1. Download both repositories into the cache.
        let modelRun = try ToolRun.run(["download", Fixtures.modelId], environment: online)
        #expect(modelRun.status == 0, "stderr: \(modelRun.error)")
        let cachedModel = CachedRepo(folder: cache.appendingPathComponent("models--test-org--tiny-model"), commit: Fixtures.modelCommit)
        #expect(modelRun.output == cachedModel.snapshot.path + "\n")
        let modelFiles = model.files.filter { ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"].contains($0.key) }
        try cachedModel.expectSnapshot(of: modelFiles, lfs: model.lfs)

        let datasetRun = try ToolRun.run(["download", "--dataset", Fixtures.datasetId], environment: online)
        #expect(datasetRun.status == 0, "stderr: \(datasetRun.error)")
        let cachedDataset = CachedRepo(folder: cache.appendingPathComponent("datasets--test-org--tiny-emotion"), commit: Fixtures.datasetCommit)
        #expect(datasetRun.output == cachedDataset.snapshot.path + "\n")
        #expect(logValue(datasetRun.error, "Splits:") == "train (1 file), validation (1 file), test (1 file)")
        #expect(logValue(datasetRun.error, "Labels:") == Fixtures.labelNames.joined(separator: ", "))
        let datasetFiles = dataset.files.filter { $0.key != ".gitattributes" }
        try cachedDataset.expectSnapshot(of: datasetFiles, lfs: dataset.lfs)

        // 2. With the Hub gone, the cache serves both ids: as a fallback, and with HF_HUB_OFFLINE=1.
        hub.stop()
        let fallback = try ToolRun.run(["download", Fixtures.modelId], environment: online)
        #expect(fallback.status == 0, "stderr: \(fallback.error)")
        #expect(fallback.output == cachedModel.snapshot.path + "\n")
        #expect(fallback.error.contains("using cached commit \(Fixtures.modelCommit)"), "stderr: \(fallback.error)")

        let offline = Fixtures.environment(endpoint: endpoint, cache: cache, home: home, offline: true)
        try expectTokenizerFromCache(offline)
        let output = scratch.appendingPathComponent("trained")
        try expectTraining(offline, output: output)
        try expectEvaluation(offline, model: output)
    }

    /// `tokenize` by Hub id loads vocab.txt from the snapshot: known words get their line numbers.
    private func expectTokenizerFromCache(_ environment: [String: String]) throws {
        let vocabulary = try String(decoding: Fixtures.bytes("tiny-model/vocab.txt"), as: UTF8.self).split(separator: "\n").map(String.init)
        let run = try ToolRun.run(["tokenize", "--model", Fixtures.modelId, "I feel wonderful today!"], environment: environment)
        #expect(run.status == 0, "stderr: \(run.error)")
        let expected = ["[CLS]", "i", "feel", "wonderful", "today", "!", "[SEP]"].map { vocabulary.firstIndex(of: $0) }
        #expect(!expected.contains(nil), "a token of the test sentence is missing from vocab.txt")
        #expect(run.output == "[\(expected.map { "\($0 ?? -1)" }.joined(separator: ","))]\n")
    }

    private func expectTraining(_ environment: [String: String], output: URL) throws {
        let run = try ToolRun.run(["train", "--model", Fixtures.modelId, "--data", Fixtures.datasetId, "--output", output.path,
                                   "--max-steps", "2", "--epochs", "1"], environment: environment)
        try #require(run.status == 0, "stderr: \(run.error)")
        #expect(logValue(run.error, "Data:") == "train 60, validation 18 examples", "stderr: \(run.error)")
        #expect(logValue(run.error, "Labels:") == Fixtures.labelNames.joined(separator: ", "))
        #expect(run.error.contains("New classification head for 6 labels"), "stderr: \(run.error)")

        let data = try Data(contentsOf: output.appendingPathComponent("config.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let id2label = try #require(config["id2label"] as? [String: String], "config.json: \(config)")
        let ordered = id2label.compactMap { key, name in Int(key).map { ($0, name) } }.sorted { $0.0 < $1.0 }
        #expect(ordered.map(\.0) == Array(0..<6))
        #expect(ordered.map(\.1) == Fixtures.labelNames)
        let label2id = config["label2id"] as? [String: Int]
        #expect(label2id == Dictionary(uniqueKeysWithValues: Fixtures.labelNames.enumerated().map { ($1, $0) }))

        // The snapshot's tokenizer files are symlinks into blobs/, so the trained folder needs copies
        // of their contents: a copied relative link would dangle there.
        for name in ["tokenizer_config.json", "vocab.txt"] {
            let url = output.appendingPathComponent(name)
            let type = try FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType
            #expect(type == .typeRegular, "\(name) in the trained folder is \(type.map { "\($0.rawValue)" } ?? "missing"), not a regular file")
            #expect((try? Data(contentsOf: url)).map { [UInt8]($0) } == (try Fixtures.bytes("tiny-model/\(name)")), "bytes of the trained \(name)")
        }
    }

    private func expectEvaluation(_ environment: [String: String], model: URL) throws {
        let run = try ToolRun.run(["evaluate", "--model", model.path, "--data", Fixtures.datasetId, "--json"], environment: environment)
        try #require(run.status == 0, "stderr: \(run.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "stdout: \(run.output)")
        #expect(report["examples"] as? Int == Fixtures.splitSizes["test"])
        #expect(report["labels"] as? [String] == Fixtures.labelNames)
        #expect(report["split"] as? String == "test")
        // Rows are true labels: the test split has 3 examples of each card id.
        let matrix = try #require(report["confusion_matrix"] as? [[Int]])
        #expect(matrix.map { $0.reduce(0, +) } == Array(repeating: 3, count: 6))
    }

    @Test(arguments: [["download", "test-org/missing"], ["download", "--dataset", "test-org/missing"]])
    func missingRepositoryError(arguments: [String]) throws {
        let scratch = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let hub = try FakeHub()
        defer { hub.stop() }
        let environment = Fixtures.environment(endpoint: hub.hub.baseURL, cache: scratch.appendingPathComponent("hub"),
                                               home: scratch, offline: false)

        let run = try ToolRun.run(arguments, environment: environment)
        #expect(run.status != 0)
        #expect(run.output.isEmpty)
        let lines = errorLines(run.error)
        #expect(lines.count == 1, "stderr: \(run.error)")
        #expect(lines.first?.contains("test-org/missing") == true, "stderr: \(run.error)")
        #expect(lines.first?.contains("not found") == true, "stderr: \(run.error)")
    }

    /// With the Hub down, no offline flag and an empty cache, each command that needs the Hub stops
    /// at once with one line that names the endpoint and the offline alternative.
    @Test(arguments: [
        ["download", HubCommandLineFixtures.modelId],
        ["download", "--dataset", HubCommandLineFixtures.datasetId],
        ["train", "--model", HubCommandLineFixtures.modelId, "--data", HubCommandLineFixtures.datasetId, "--output", "unused"],
    ])
    func unreachableHubError(arguments: [String]) throws {
        let scratch = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let endpoint = try Fixtures.deadEndpoint()
        let cache = scratch.appendingPathComponent("hub")
        let environment = Fixtures.environment(endpoint: endpoint, cache: cache, home: scratch, offline: false)
        let arguments = arguments.map { $0 == "unused" ? scratch.appendingPathComponent("out").path : $0 }

        let started = Date()
        let run = try ToolRun.run(arguments, environment: environment)
        let seconds = Date().timeIntervalSince(started)
        #expect(run.status != 0)
        #expect(run.output.isEmpty)
        let lines = errorLines(run.error)
        #expect(lines.count == 1, "stderr: \(run.error)")
        #expect(lines.first?.contains("cannot reach \(endpoint.absoluteString)") == true, "stderr: \(run.error)")
        #expect(lines.first?.contains("HF_HUB_OFFLINE=1") == true, "stderr: \(run.error)")
        // A refused connection is final, so no retry loop may delay the message.
        #expect(seconds < 10, "took \(seconds) s")
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("out").path))
    }
}
