import Foundation
import Testing
import Finetune

/// Repositories served by the fake Hub, and helpers to point a resolver at it.
enum HubFixtures {
    static let modelCommit = "0123456789abcdef0123456789abcdef01234567"
    static let datasetCommit = "89abcdef0123456789abcdef0123456789abcdef"

    static let config = Array(#"{"model_type": "bert", "hidden_size": 8, "num_labels": 3}"#.utf8)
    static let tokenizerJSON = Array(#"{"version": "1.0", "model": {"type": "WordPiece"}}"#.utf8)
    static let vocab = Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n".utf8)
    static let weights = safetensors(floatCount: 60_000, seed: 1)

    /// Builds a valid safetensors file with one F32 tensor, large enough that a download arrives in many chunks.
    static func safetensors(floatCount: Int, seed: UInt32) -> [UInt8] {
        var header = Array(#"{"weight":{"dtype":"F32","shape":[\#(floatCount)],"data_offsets":[0,\#(floatCount * 4)]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += header
        var state = seed
        for _ in 0..<floatCount {
            state = state &* 1_664_525 &+ 1_013_904_223
            withUnsafeBytes(of: Float(Int32(bitPattern: state) % 1000) / 1000) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    static func modelRepo(requiresToken: Bool = false) -> FakeHub.Repo {
        FakeHub.Repo(
            commit: modelCommit,
            files: [
                ".gitattributes": Array("*.safetensors filter=lfs\n".utf8),
                "README.md": Array("# tiny model\n".utf8),
                "config.json": config,
                "model.safetensors": weights,
                "pytorch_model.bin": Array(repeating: 7, count: 1000),
                "tokenizer.json": tokenizerJSON,
                "tokenizer_config.json": Array(#"{"do_lower_case": true}"#.utf8),
                "vocab.txt": vocab,
            ],
            lfs: ["model.safetensors", "pytorch_model.bin"],
            requiresToken: requiresToken)
    }

    static let datasetCard = """
        ---
        language:
        - en
        pretty_name: Emotion (mini)
        description: >
          A tiny stand-in for a
          text classification set.
        dataset_info:
        - config_name: split
          features:
          - name: text
            dtype: string
          - name: label
            dtype:
              class_label:
                names:
                  '0': sadness
                  '1': joy
                  '2': love
                  '3': anger
                  '4': fear
                  '5': surprise
          splits:
          - name: train
            num_examples: 24
        - config_name: unsplit
          features:
          - name: text
            dtype: string
          - name: label
            dtype:
              class_label:
                names: [a, b]
        configs:
        - config_name: split
          data_files:
          - split: train
            path: split/train-*
          - split: validation
            path: split/validation-*
          - split: test
            path: "split/test-*"   # quoted, with a comment
          default: true
        - config_name: unsplit
          data_files: unsplit/*.parquet
        train-eval-index:
        - config: default
          col_mapping: {text: text, label: target}
          weird: &anchor [1, 2]
        ---

        # Emotion (mini)

        Synthetic texts.
        """

    static func shard(_ split: String) throws -> [UInt8] {
        let url = TestPaths.fixtures.appendingPathComponent("hub/dataset/\(split)-00000-of-00001.parquet")
        return try [UInt8](Data(contentsOf: url))
    }

    static func datasetRepo() throws -> FakeHub.Repo {
        FakeHub.Repo(
            commit: datasetCommit,
            files: [
                ".gitattributes": Array("*.parquet filter=lfs\n".utf8),
                "README.md": Array(datasetCard.utf8),
                "split/train-00000-of-00001.parquet": try shard("train"),
                "split/validation-00000-of-00001.parquet": try shard("validation"),
                "split/test-00000-of-00001.parquet": try shard("test"),
                "unsplit/train-00000-of-00001.parquet": try shard("train"),
            ],
            lfs: [
                "split/train-00000-of-00001.parquet", "split/validation-00000-of-00001.parquet",
                "split/test-00000-of-00001.parquet", "unsplit/train-00000-of-00001.parquet",
            ])
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func resolver(
        endpoint: URL, cache: URL, token: String? = nil, offline: Bool = false, events: EventRecorder? = nil
    ) -> HubResolver {
        let configuration = HubConfiguration(
            endpoint: endpoint, cacheDirectory: cache, token: token, offline: offline, requestTimeout: 10, maxRetries: 3,
            retryDelay: 0)
        let handler: HubEventHandler? = events.map { recorder in { @Sendable event in recorder.record(event) } }
        return HubResolver(configuration: configuration, onEvent: handler)
    }

    static func readLink(_ url: URL) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}

final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [HubEvent] = []

    func record(_ event: HubEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    var all: [HubEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }
}

@Suite(.serialized) struct HubDownloadTests {
    @Test func modelLandsInCacheLayout() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let resolver = HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, token: FakeHub.token)
        let folder = try resolver.resolveModel("test-org/tiny-model")

        let repoFolder = cache.appendingPathComponent("models--test-org--tiny-model")
        #expect(folder.path == repoFolder.appendingPathComponent("snapshots/\(HubFixtures.modelCommit)").path)
        #expect(try String(contentsOf: repoFolder.appendingPathComponent("refs/main"), encoding: .utf8) == HubFixtures.modelCommit)

        let expected: [(String, [UInt8], String)] = [
            ("config.json", HubFixtures.config, FakeHub.gitEtag(HubFixtures.config)),
            ("tokenizer.json", HubFixtures.tokenizerJSON, FakeHub.gitEtag(HubFixtures.tokenizerJSON)),
            ("vocab.txt", HubFixtures.vocab, FakeHub.gitEtag(HubFixtures.vocab)),
            ("model.safetensors", HubFixtures.weights, SHA256.hexDigest(HubFixtures.weights)),
        ]
        for (path, bytes, etag) in expected {
            let link = folder.appendingPathComponent(path)
            #expect(try HubFixtures.readLink(link) == "../../blobs/\(etag)", "\(path)")
            #expect(try HubFixtures.bytes(link) == bytes, "\(path) differs from the served bytes")
            #expect(try HubFixtures.bytes(repoFolder.appendingPathComponent("blobs/\(etag)")) == bytes)
        }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer_config.json").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("pytorch_model.bin").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path))

        let blobNames = try FileManager.default.contentsOfDirectory(atPath: repoFolder.appendingPathComponent("blobs").path)
        #expect(!blobNames.contains { $0.hasSuffix(".incomplete") })
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent(".locks/models--test-org--tiny-model").path))
    }

    @Test func tokenStaysOnHubHost() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        _ = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, token: FakeHub.token).resolveModel("test-org/tiny-model")

        let hubRequests = hub.hub.requests
        #expect(!hubRequests.isEmpty)
        #expect(hubRequests.allSatisfy { $0.headers["authorization"] == "Bearer \(FakeHub.token)" })
        #expect(hubRequests.allSatisfy { $0.headers["accept-encoding"] == "identity" })
        #expect(hubRequests.allSatisfy { $0.headers["user-agent"]?.hasPrefix("swift-finetune/") == true })
        let cdnRequests = hub.cdn.requests
        #expect(cdnRequests.count == 1, "one GET for model.safetensors")
        #expect(cdnRequests.allSatisfy { $0.headers["authorization"] == nil })
        #expect(hubRequests.contains { $0.method == "HEAD" && $0.path.hasSuffix("/resolve/\(HubFixtures.modelCommit)/model.safetensors") })
    }

    @Test func secondResolveUsesCache() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let resolver = HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache)
        let first = try resolver.resolveModel("test-org/tiny-model")
        let requestsAfterFirst = hub.hub.requests.count
        let second = try resolver.resolveModel("test-org/tiny-model")

        #expect(first == second)
        let newRequests = hub.hub.requests.dropFirst(requestsAfterFirst)
        #expect(newRequests.count == 1, "only the revision API call")
        #expect(newRequests.first?.path.hasPrefix("/api/models/") == true)
        #expect(hub.cdn.requests.count == 1)
    }

    @Test func offlineModeReadsCache() throws {
        let hub = try FakeHub()
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let online = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("test-org/tiny-model")
        let endpoint = hub.hub.baseURL
        hub.stop()

        let events = EventRecorder()
        let offline = HubFixtures.resolver(endpoint: endpoint, cache: cache, offline: true, events: events)
        let folder = try offline.resolveModel("test-org/tiny-model")
        #expect(folder == online)
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("model.safetensors")) == HubFixtures.weights)
        #expect(events.all.contains { if case .usingCache = $0 { return true } else { return false } })

        // A commit sha works offline as a revision too.
        #expect(try offline.resolveModel("test-org/tiny-model", revision: HubFixtures.modelCommit) == online)
    }

    @Test func offlineWithoutCacheFails() throws {
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let resolver = HubFixtures.resolver(endpoint: URL(string: "http://127.0.0.1:9")!, cache: cache, offline: true)
        let error = #expect(throws: HubError.self) { try resolver.resolveModel("test-org/tiny-model") }
        guard case .notCached(let repo, let revision, _, _)? = error else {
            Issue.record("expected .notCached, got \(String(describing: error))")
            return
        }
        #expect(repo == "model 'test-org/tiny-model'")
        #expect(revision == "main")
        #expect(error?.description.contains("HF_HUB_OFFLINE") == true)
    }

    @Test func unreachableHubFallsBackToCache() throws {
        let hub = try FakeHub()
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let online = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("test-org/tiny-model")
        let endpoint = hub.hub.baseURL
        hub.stop()

        let events = EventRecorder()
        let folder = try HubFixtures.resolver(endpoint: endpoint, cache: cache, events: events).resolveModel("test-org/tiny-model")
        #expect(folder == online)
        #expect(events.all.contains { if case .usingCache = $0 { return true } else { return false } })

        // With an empty cache the connection failure is the error, with the offline hint.
        let empty = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let error = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: endpoint, cache: empty).resolveModel("test-org/tiny-model")
        }
        guard case .unreachable(let origin, let reason)? = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(origin == "http://127.0.0.1:\(endpoint.port!)")
        #expect(reason == "connection refused")
        #expect(error?.description.contains("HF_HUB_OFFLINE=1") == true)
    }

    @Test func privateRepoNeedsToken() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "private-org/secret", HubFixtures.modelRepo(requiresToken: true))
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let error = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("private-org/secret")
        }
        #expect(error == .unauthorized(repo: "model 'private-org/secret'", status: 401, serverMessage: "Invalid credentials in Authorization header"))
        #expect(error?.description.contains("HF_TOKEN") == true)

        let wrong = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, token: "hf_wrong").resolveModel("private-org/secret")
        }
        #expect(wrong?.description.contains("HF_TOKEN") == true)
        #expect(wrong?.description.contains("hf_wrong") == false, "the token never appears in messages")

        let folder = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, token: FakeHub.token).resolveModel("private-org/secret")
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("config.json")) == HubFixtures.config)
    }

    @Test func missingRepoRevisionAndFile() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        var noTokenizer = HubFixtures.modelRepo()
        noTokenizer.commit = "1111111111111111111111111111111111111111"
        noTokenizer.files["model.safetensors"] = nil
        noTokenizer.lfs = []
        hub.add("models", "test-org/no-weights", noTokenizer)
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let resolver = HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache)

        let missingRepo = #expect(throws: HubError.self) { try resolver.resolveModel("test-org/absent") }
        #expect(missingRepo == .notFound(repo: "model 'test-org/absent'", revision: "main", path: nil, serverMessage: "Repository not found"))

        let missingRevision = #expect(throws: HubError.self) { try resolver.resolveModel("test-org/tiny-model", revision: "v9") }
        #expect(missingRevision?.description.contains("revision 'v9'") == true)

        let missingDataset = #expect(throws: HubError.self) { try resolver.resolveDataset("test-org/tiny-model") }
        guard case .notFound? = missingDataset else {
            Issue.record("a model id is not a data set: expected .notFound, got \(String(describing: missingDataset))")
            return
        }

        // Only the pickle weights remain: a clear refusal that names the file.
        let pickle = #expect(throws: HubError.self) { try resolver.resolveModel("test-org/no-weights") }
        #expect(pickle == .pickleOnly(repo: "model 'test-org/no-weights'", revision: "main", files: ["pytorch_model.bin"]))
        #expect(pickle?.description.contains("safetensors") == true)
    }

    @Test func listedFileMissingOnResolve() throws {
        // The listing names a file that /resolve/ cannot find, as after a force-push between the two calls.
        let hub = try FakeHub()
        defer { hub.stop() }
        var repo = HubFixtures.modelRepo()
        repo.listedOnly = ["vocab.json"]
        hub.add("models", "test-org/tiny-model", repo)
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let error = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("test-org/tiny-model")
        }
        #expect(error == .notFound(
            repo: "model 'test-org/tiny-model'", revision: HubFixtures.modelCommit, path: "vocab.json", serverMessage: "Entry not found"))
        #expect(error?.description.contains("file 'vocab.json' was not found") == true)
    }

    @Test func busyHubIsRetried() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        hub.failRevisionAPI(with: [503, 429])
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let events = EventRecorder()

        _ = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, events: events).resolveModel("test-org/tiny-model")
        let retries = events.all.compactMap { event -> String? in
            if case .retrying(_, _, let reason) = event { return reason }
            return nil
        }
        #expect(retries == ["HTTP 503", "HTTP 429"])

        // More failures than retries (3 in these tests) fall back to the cache when it has the model.
        hub.failRevisionAPI(with: [500, 500, 500, 500])
        let cached = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, events: events).resolveModel("test-org/tiny-model")
        #expect(cached.lastPathComponent == HubFixtures.modelCommit)
        #expect(events.all.contains(.usingCache(
            repo: try HubRepo(id: "test-org/tiny-model", kind: .model), commit: HubFixtures.modelCommit, reason: "the Hub returned HTTP 500")))

        // Without a cached copy they surface as an HTTP error.
        hub.failRevisionAPI(with: [500, 500, 500, 500])
        let empty = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let error = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: empty).resolveModel("test-org/tiny-model")
        }
        guard case .httpStatus(_, let status, let message)? = error else {
            Issue.record("expected .httpStatus, got \(String(describing: error))")
            return
        }
        #expect(status == 500)
        #expect(message == "busy")
    }

    @Test func minimalServerStillWorks() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        hub.behaveLikeMinimalServer()
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let folder = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("test-org/tiny-model")
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("model.safetensors")) == HubFixtures.weights)
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("config.json")) == HubFixtures.config)
        #expect(try HubFixtures.readLink(folder.appendingPathComponent("config.json")) == "../../blobs/\(FakeHub.gitEtag(HubFixtures.config))")

        let requests = hub.hub.requests
        #expect(requests.contains { $0.method == "GET" && $0.path.hasSuffix("/resolve/main/config.json") })
        // The GET that stands in for HEAD stops after the headers, so the CDN sees one body download.
        #expect(hub.cdn.requests.filter { $0.method == "GET" }.count == 1)
    }

    @Test func interruptedDownloadResumes() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        // Two drops in a row: after 70 000 bytes, then after 50 000 more.
        hub.cutDownloads(of: HubFixtures.weights, after: [70_000, 50_000])
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let events = EventRecorder()

        let folder = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, events: events).resolveModel("test-org/tiny-model")
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("model.safetensors")) == HubFixtures.weights)

        let gets = hub.cdn.requests.filter { $0.method == "GET" }
        #expect(gets.count == 3)
        #expect(gets.first?.headers["range"] == nil)
        #expect(gets.dropFirst().first?.headers["range"] == "bytes=70000-")
        #expect(gets.last?.headers["range"] == "bytes=120000-")
        let retries = events.all.filter { if case .retrying = $0 { return true } else { return false } }
        #expect(retries.count == 2)
        #expect(events.all.contains(.downloadStarted(path: "model.safetensors", totalBytes: Int64(HubFixtures.weights.count), resumedFrom: 70_000)))
    }

    @Test func partialBlobFromEarlierRunResumes() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        // A previous process stopped after 100 000 bytes.
        let etag = SHA256.hexDigest(HubFixtures.weights)
        let blobs = cache.appendingPathComponent("models--test-org--tiny-model/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try Data(HubFixtures.weights.prefix(100_000)).write(to: blobs.appendingPathComponent("\(etag).incomplete"))

        let folder = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("test-org/tiny-model")
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("model.safetensors")) == HubFixtures.weights)
        let gets = hub.cdn.requests.filter { $0.method == "GET" }
        #expect(gets.map { $0.headers["range"] } == ["bytes=100000-"])
        #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent("\(etag).incomplete").path))
    }

    @Test func corruptedDownloadFailsCheck() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("models", "test-org/tiny-model", HubFixtures.modelRepo())
        hub.corrupt(HubFixtures.weights)
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let error = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("test-org/tiny-model")
        }
        guard case .integrityCheckFailed(let path, let expected, _)? = error else {
            Issue.record("expected .integrityCheckFailed, got \(String(describing: error))")
            return
        }
        #expect(path == "model.safetensors")
        #expect(expected == "SHA-256 \(SHA256.hexDigest(HubFixtures.weights))")
        let blobs = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("models--test-org--tiny-model/blobs").path)
        #expect(!blobs.contains { $0.hasPrefix(SHA256.hexDigest(HubFixtures.weights)) }, "no blob or partial file is kept")
        #expect(!FileManager.default.fileExists(atPath: cache.appendingPathComponent("models--test-org--tiny-model/refs/main").path))
    }

    @Test func shardedModelFetchesShards() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let first = HubFixtures.safetensors(floatCount: 10, seed: 2)
        let second = HubFixtures.safetensors(floatCount: 12, seed: 3)
        let index = Array(#"{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}"#.utf8)
        hub.add("models", "sharded", FakeHub.Repo(
            commit: HubFixtures.modelCommit,
            files: [
                "config.json": HubFixtures.config, "model.safetensors.index.json": index,
                "model-00001-of-00002.safetensors": first, "model-00002-of-00002.safetensors": second,
            ],
            lfs: ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]))
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let folder = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveModel("sharded")
        #expect(folder.path.contains("/models--sharded/snapshots/"))
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("model-00001-of-00002.safetensors")) == first)
        #expect(try HubFixtures.bytes(folder.appendingPathComponent("model-00002-of-00002.safetensors")) == second)

        // Offline, every shard must be present.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        let offline = HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache, offline: true)
        #expect(throws: HubError.self) { try offline.resolveModel("sharded") }
    }

    @Test func datasetDownloadThenOffline() throws {
        let hub = try FakeHub()
        hub.add("datasets", "test-org/emotion-mini", try HubFixtures.datasetRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let online = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveDataset("test-org/emotion-mini")
        #expect(online.config == "split")
        #expect(online.commit == HubFixtures.datasetCommit)
        #expect(online.splitNames == ["train", "validation", "test"])
        #expect(online.labelNames == ["sadness", "joy", "love", "anger", "fear", "surprise"])
        #expect(online.labelColumn == "label")
        #expect(online.features.map(\.name) == ["text", "label"])

        let repoFolder = cache.appendingPathComponent("datasets--test-org--emotion-mini")
        #expect(try String(contentsOf: repoFolder.appendingPathComponent("refs/main"), encoding: .utf8) == HubFixtures.datasetCommit)
        for (split, count) in [("train", 24), ("validation", 6), ("test", 8)] {
            let files = try #require(online.splits[split])
            #expect(files.count == 1)
            let shard = try #require(files.first)
            #expect(try HubFixtures.readLink(shard) == "../../../blobs/\(SHA256.hexDigest(try HubFixtures.shard(split)))")
            #expect(try HubFixtures.bytes(shard) == (try HubFixtures.shard(split)))
            #expect(try ParquetFile(url: shard).readRows().count == count)
        }
        // The other config's files stay on the Hub.
        #expect(!FileManager.default.fileExists(atPath: online.folder.appendingPathComponent("unsplit").path))

        let endpoint = hub.hub.baseURL
        hub.stop()
        let offline = try HubFixtures.resolver(endpoint: endpoint, cache: cache, offline: true).resolveDataset("test-org/emotion-mini")
        #expect(offline == online)

        let otherConfig = #expect(throws: HubError.self) {
            try HubFixtures.resolver(endpoint: endpoint, cache: cache, offline: true).resolveDataset("test-org/emotion-mini", config: "unsplit")
        }
        guard case .notCached? = otherConfig else {
            Issue.record("expected .notCached for an undownloaded config, got \(String(describing: otherConfig))")
            return
        }
    }

    @Test func datasetConfigByName() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("datasets", "test-org/emotion-mini", try HubFixtures.datasetRepo())
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let resolver = HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache)

        let unsplit = try resolver.resolveDataset("test-org/emotion-mini", config: "unsplit")
        #expect(unsplit.splitNames == ["train"])
        #expect(unsplit.labelNames == ["a", "b"])
        #expect(unsplit.splits["train"]?.first?.path.hasSuffix("unsplit/train-00000-of-00001.parquet") == true)

        let error = #expect(throws: HubError.self) { try resolver.resolveDataset("test-org/emotion-mini", config: "nope") }
        #expect(error == .configNotFound(repo: "data set 'test-org/emotion-mini'", config: "nope", available: ["split", "unsplit"]))
    }

    @Test func datasetWithoutCardUsesFileNames() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        hub.add("datasets", "plain", FakeHub.Repo(
            commit: HubFixtures.datasetCommit,
            files: [
                "data/train-00000-of-00001.parquet": try HubFixtures.shard("train"),
                "data/dev.parquet": try HubFixtures.shard("validation"),
                "notes.md": Array("notes".utf8),
            ]))
        let cache = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }

        let dataset = try HubFixtures.resolver(endpoint: hub.hub.baseURL, cache: cache).resolveDataset("plain")
        #expect(dataset.config == nil)
        #expect(dataset.splitNames == ["train", "validation"])
        // No card, so the label names come from the Parquet footer's `huggingface` metadata.
        #expect(dataset.labelNames == ["sadness", "joy", "love", "anger", "fear", "surprise"])
        #expect(dataset.labelColumn == "label")
        #expect(try HubFixtures.readLink(try #require(dataset.splits["validation"]?.first)) == "../../../blobs/\(FakeHub.gitEtag(try HubFixtures.shard("validation")))")
    }

    @Test func localPathWinsOverHubId() throws {
        let folder = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let resolver = HubFixtures.resolver(endpoint: URL(string: "http://127.0.0.1:9")!, cache: folder.appendingPathComponent("cache"))

        // A relative path that also reads as a Hub id resolves to the folder; swift test runs in the package root.
        if FileManager.default.currentDirectoryPath == TestPaths.packageRoot.path {
            #expect(try resolver.resolveModel("Tests/FinetuneTests").path == TestPaths.packageRoot.appendingPathComponent("Tests/FinetuneTests").path)
        }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("org/model"), withIntermediateDirectories: true)
        #expect(try resolver.resolveModel(folder.appendingPathComponent("org/model").path).lastPathComponent == "model")

        try Data("text,label\nhi,0\n".utf8).write(to: folder.appendingPathComponent("train.csv"))
        let single = try resolver.resolveDataset(folder.appendingPathComponent("train.csv").path)
        #expect(single.splits["train"]?.map(\.lastPathComponent) == ["train.csv"])

        let missing = #expect(throws: HubError.self) { try resolver.resolveModel("./no/such/folder") }
        #expect(missing?.description.contains("not an existing local path") == true)
        let invalid = #expect(throws: HubError.self) { try resolver.resolveModel("bad--id") }
        guard case .invalidArgument? = invalid else {
            Issue.record("expected .invalidArgument, got \(String(describing: invalid))")
            return
        }
    }

    @Test func localFolderWithCard() throws {
        let folder = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("split"), withIntermediateDirectories: true)
        try Data(HubFixtures.datasetCard.utf8).write(to: folder.appendingPathComponent("README.md"))
        for split in ["train", "validation", "test"] {
            try Data(try HubFixtures.shard(split)).write(to: folder.appendingPathComponent("split/\(split)-00000-of-00001.parquet"))
        }
        let resolver = HubFixtures.resolver(endpoint: URL(string: "http://127.0.0.1:9")!, cache: folder.appendingPathComponent(".cache"))
        let dataset = try resolver.resolveDataset(folder.path)
        #expect(dataset.repo == nil)
        #expect(dataset.config == "split")
        #expect(dataset.splitNames == ["train", "validation", "test"])
        #expect(dataset.labelNames?.count == 6)
    }
}

@Suite struct HubConfigurationTests {
    @Test func readsEnvironment() throws {
        let folder = try HubFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("hf_from_file\n".utf8).write(to: folder.appendingPathComponent("token"))

        let fromHome = try HubConfiguration.fromEnvironment(["HOME": "/home/u", "HF_HOME": folder.path])
        #expect(fromHome.endpoint.absoluteString == "https://huggingface.co")
        #expect(fromHome.cacheDirectory.path == folder.appendingPathComponent("hub").path)
        #expect(fromHome.token == "hf_from_file")
        #expect(fromHome.offline == false)

        let explicit = try HubConfiguration.fromEnvironment(
            ["HOME": "/home/u", "HF_HOME": folder.path, "HF_HUB_CACHE": "~/hubcache", "HF_TOKEN": "hf_env",
             "HF_ENDPOINT": "http://127.0.0.1:8080/", "HF_HUB_OFFLINE": "yes"],
            token: "hf_flag")
        #expect(explicit.endpoint.absoluteString == "http://127.0.0.1:8080")
        #expect(explicit.cacheDirectory.path == "/home/u/hubcache")
        #expect(explicit.token == "hf_flag")
        #expect(explicit.offline)

        let defaults = try HubConfiguration.fromEnvironment(["HOME": "/home/u", "HF_TOKEN_PATH": "/nonexistent/token"])
        #expect(defaults.cacheDirectory.path == "/home/u/.cache/huggingface/hub")
        #expect(defaults.token == nil)
        let xdg = try HubConfiguration.fromEnvironment(["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg", "TRANSFORMERS_OFFLINE": "1"])
        #expect(xdg.cacheDirectory.path == "/xdg/huggingface/hub")
        #expect(xdg.offline)

        #expect(throws: HubError.self) { try HubConfiguration.fromEnvironment(["HF_ENDPOINT": "ftp://x"]) }
    }

    @Test func validatesRepoIds() throws {
        #expect(HubRepo.isValidId("roberta-base"))
        #expect(HubRepo.isValidId("dair-ai/emotion"))
        #expect(HubRepo.isValidId("FacebookAI/roberta-base"))
        #expect(HubRepo.isValidId("sentence-transformers/all-MiniLM-L6-v2"))
        #expect(!HubRepo.isValidId("a/b/c"))
        #expect(!HubRepo.isValidId("bad--id"))
        #expect(!HubRepo.isValidId("../etc"))
        #expect(!HubRepo.isValidId("-leading"))
        #expect(!HubRepo.isValidId(""))
        #expect(try HubRepo(id: "dair-ai/emotion", kind: .dataset).cacheFolderName == "datasets--dair-ai--emotion")
        #expect(try HubRepo(id: "roberta-base", kind: .model).cacheFolderName == "models--roberta-base")
    }
}

@Suite struct HubResolverEnvironmentTests {
    @Test func resolverReadsEnvironment() throws {
        let resolver = try HubResolver(
            environment: ["HOME": "/home/u", "HF_HUB_CACHE": "/tmp/hub-cache", "HF_HUB_OFFLINE": "1"], token: "hf_cli")
        #expect(resolver.configuration.offline)
        #expect(resolver.configuration.token == "hf_cli")
        #expect(resolver.cache.root.path == "/tmp/hub-cache")
        #expect(resolver.cache.snapshotFolder(try HubRepo(id: "dair-ai/emotion", kind: .dataset), commit: "abc").path
            == "/tmp/hub-cache/datasets--dair-ai--emotion/snapshots/abc")
    }
}
