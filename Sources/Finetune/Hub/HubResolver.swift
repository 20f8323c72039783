// Turns a `--model` or `--data` argument into local files: an existing path is used as it is, anything
// else is a Hub id whose files are downloaded into the shared cache (or found there when offline).

import Foundation

/// A data set's files by split, with the card's description of its columns.
public struct ResolvedDataset: Sendable, Equatable {
    /// The Hub id, or the local path as given.
    public let source: String
    /// The Hub repository, or nil for a local path.
    public let repo: HubRepo?
    /// The commit of the cached snapshot, or nil for a local path.
    public let commit: String?
    /// The snapshot folder or the local folder that contains the files.
    public let folder: URL
    /// The card config whose files were chosen, or nil when the card defines none.
    public let config: String?
    /// Files per split name, in shard order. Split names are the card's; inferred ones are
    /// "train", "validation" and "test".
    public let splits: [String: [URL]]
    /// Label names in id order, from the card's `class_label` feature, else from the `huggingface`
    /// metadata of the first Parquet file.
    public let labelNames: [String]?
    /// The column that contains label ids, when the card or Parquet metadata names a `class_label` feature.
    public let labelColumn: String?
    /// The card's features for the chosen config; empty when the card has none.
    public let features: [DatasetFeature]
    /// Other scalar keys of the card config, such as `sep` for CSV files.
    public let options: [String: String]

    /// Split names with train, validation and test first, then the rest sorted.
    public var splitNames: [String] {
        let preferred = ["train", "validation", "test"].filter { splits[$0] != nil }
        return preferred + splits.keys.filter { !preferred.contains($0) }.sorted()
    }
}

public final class HubResolver: @unchecked Sendable {
    public let configuration: HubConfiguration
    let client: HubClient

    /// Model files fetched besides the weights, when the repository has them.
    public static let modelSupportFiles = [
        "config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "vocab.txt",
        "special_tokens_map.json",
    ]

    public init(configuration: HubConfiguration, onEvent: HubEventHandler? = nil) {
        self.configuration = configuration
        self.client = HubClient(configuration: configuration, onEvent: onEvent)
    }

    /// Builds a resolver from HF_* environment variables (see `HubConfiguration.fromEnvironment`).
    ///
    /// - Parameter token: a token from the command line, which takes precedence over HF_TOKEN.
    public convenience init(
        environment: [String: String] = ProcessInfo.processInfo.environment, token: String? = nil,
        onEvent: HubEventHandler? = nil
    ) throws {
        self.init(configuration: try HubConfiguration.fromEnvironment(environment, token: token), onEvent: onEvent)
    }

    public var cache: HubCache { client.cache }

    // MARK: - Models

    /// Returns a local model folder: `argument` itself when it exists, else the cache snapshot of the Hub
    /// id `argument` at `revision`, downloaded when needed.
    public func resolveModel(_ argument: String, revision: String = "main") throws -> URL {
        if let local = try localPath(argument) { return local }
        return try downloadModel(argument, revision: revision)
    }

    /// Downloads config.json, the safetensors weights (one file, or an index and its shards) and the
    /// tokenizer files of a Hub model into the cache, and returns the snapshot folder.
    public func downloadModel(_ id: String, revision: String = "main") throws -> URL {
        let repo = try HubRepo(id: id, kind: .model)
        try checkRevision(revision)
        if configuration.offline {
            return try cachedModel(repo, revision: revision, reason: "HF_HUB_OFFLINE is set")
        }
        let info: HubRepoInfo
        do {
            info = try client.repoInfo(repo, revision: revision)
        } catch let error as HubError {
            guard let reason = error.cacheFallbackReason,
                  let cached = try? cachedModel(repo, revision: revision, reason: reason)
            else { throw error }
            return cached
        }

        let plan = try Self.modelFiles(info.files, repo: repo, revision: revision)
        for path in plan.files {
            _ = try client.downloadFile(repo, commit: info.commit, revision: revision, path: path)
        }
        if let index = plan.index {
            let indexURL = try client.downloadFile(repo, commit: info.commit, revision: revision, path: index)
            for shard in try Self.shardFiles(indexURL: indexURL, repo: repo, revision: revision) {
                _ = try client.downloadFile(repo, commit: info.commit, revision: revision, path: shard)
            }
        }
        try cache.writeRef(repo, revision: revision, commit: info.commit)
        return cache.snapshotFolder(repo, commit: info.commit)
    }

    /// Chooses the files to fetch from a model repository's file list.
    static func modelFiles(_ files: [String], repo: HubRepo, revision: String) throws -> (files: [String], index: String?) {
        let available = Set(files)
        guard available.contains("config.json") else {
            throw HubError.missingFiles(
                repo: repo.description, revision: revision,
                reason: "has no config.json, so it is not a transformers model; check the id or pass a local model folder")
        }
        let support = modelSupportFiles.filter(available.contains)
        if available.contains("model.safetensors") {
            return (support + ["model.safetensors"], nil)
        }
        if available.contains("model.safetensors.index.json") {
            return (support, "model.safetensors.index.json")
        }
        let pickles = files.filter { file in
            !file.contains("/") && ["bin", "pt", "pth", "ckpt", "pkl"].contains(DataFileMatcher.fileExtension(file))
        }
        if !pickles.isEmpty {
            throw HubError.pickleOnly(repo: repo.description, revision: revision, files: pickles)
        }
        let others = files.filter { ["h5", "msgpack", "onnx", "ot"].contains(DataFileMatcher.fileExtension($0)) }
        let found = others.isEmpty ? "" : " (it has \(others.joined(separator: ", ")))"
        throw HubError.missingFiles(
            repo: repo.description, revision: revision,
            reason: "has no model.safetensors or model.safetensors.index.json\(found); pick a revision with safetensors weights or pass a local model folder")
    }

    /// Reads the shard file names from a safetensors index (`weight_map` values).
    static func shardFiles(indexURL: URL, repo: HubRepo, revision: String) throws -> [String] {
        struct Index: Decodable {
            let weightMap: [String: String]

            enum CodingKeys: String, CodingKey {
                case weightMap = "weight_map"
            }
        }
        let index: Index
        do {
            index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: indexURL))
        } catch {
            throw HubError.missingFiles(
                repo: repo.description, revision: revision,
                reason: "has an invalid model.safetensors.index.json (\(error)); pick another revision")
        }
        let shards = Set(index.weightMap.values).sorted()
        guard !shards.isEmpty, shards.allSatisfy(isSafeRelativePath) else {
            throw HubError.missingFiles(
                repo: repo.description, revision: revision,
                reason: "has a model.safetensors.index.json with no usable shard names; pick another revision")
        }
        return shards
    }

    /// Returns the cached snapshot when it contains config.json and the weights, else throws `notCached`.
    private func cachedModel(_ repo: HubRepo, revision: String, reason: String) throws -> URL {
        guard let commit = cache.cachedCommit(repo, revision: revision) else {
            throw notCached(repo, revision: revision, missing: "no snapshot is recorded for this revision")
        }
        let folder = cache.snapshotFolder(repo, commit: commit)
        let has = { (path: String) in self.cache.fileExists(folder.appendingPathComponent(path)) }
        guard has("config.json") else {
            throw notCached(repo, revision: revision, missing: "config.json is missing from snapshot \(commit)")
        }
        if !has("model.safetensors") {
            let indexURL = folder.appendingPathComponent("model.safetensors.index.json")
            guard has("model.safetensors.index.json"),
                  let shards = try? Self.shardFiles(indexURL: indexURL, repo: repo, revision: revision),
                  shards.allSatisfy(has)
            else {
                throw notCached(repo, revision: revision, missing: "the safetensors weights are missing from snapshot \(commit)")
            }
        }
        client.emit(.usingCache(repo: repo, commit: commit, reason: reason))
        return folder
    }

    // MARK: - Shared helpers

    /// Returns the URL of an existing local path, nil for a valid Hub id, and throws for anything else.
    func localPath(_ argument: String) throws -> URL? {
        let expanded = argument == "~" || argument.hasPrefix("~/")
            ? FileManager.default.homeDirectoryForCurrentUser.path + argument.dropFirst()
            : argument
        if FileManager.default.fileExists(atPath: expanded) {
            return URL(fileURLWithPath: expanded).standardizedFileURL
        }
        let looksLikePath = argument.hasPrefix("/") || argument.hasPrefix(".") || argument.hasPrefix("~")
            || argument.split(separator: "/").count > 2 || !DataFileMatcher.fileExtension(argument).isEmpty
                && DataFileMatcher.dataExtensions.contains(DataFileMatcher.fileExtension(argument))
        if looksLikePath {
            throw HubError.invalidArgument(argument: argument, reason: "no such file or folder")
        }
        _ = try HubRepo(id: argument, kind: .model)
        return nil
    }

    func checkRevision(_ revision: String) throws {
        guard isSafeRevision(revision) else {
            throw HubError.invalidArgument(argument: revision, reason: "a revision is a branch, tag or commit sha without '..' parts")
        }
    }

    func notCached(_ repo: HubRepo, revision: String, missing: String) -> HubError {
        .notCached(repo: repo.description, revision: revision, cache: cache.root.path, missing: missing)
    }
}

extension HubError {
    /// Explains why the cache may stand in for the Hub: the Hub is unreachable, busy or failing, as in
    /// huggingface_hub, which also falls back to cached files then. Nil for errors the cache cannot fix.
    var cacheFallbackReason: String? {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "\(endpoint) is unreachable: \(reason)"
        case .httpStatus(_, let status, _) where HubClient.transientStatuses.contains(status):
            return "the Hub returned HTTP \(status)"
        default:
            return nil
        }
    }
}
