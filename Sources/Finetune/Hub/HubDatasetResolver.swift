// Data set resolution: the card (README.md) picks a config and its data files by split. Without a card
// config, splits come from file and folder names (HubDataFiles.swift). The same selection runs on the
// Hub's file list, on a cached snapshot and on a local folder.
//
// NOTE: only the chosen config's files are downloaded, so offline use of another config needs its own
// download first, and offline selection sees only files that are already in the snapshot.

import Foundation

extension HubResolver {
    /// Returns a data set's files by split: from `argument` itself when it is an existing file or folder,
    /// else from the cache snapshot of the Hub id `argument`, downloaded when needed.
    ///
    /// - Parameter config: a card config name, or nil for the default config.
    public func resolveDataset(_ argument: String, config: String? = nil, revision: String = "main") throws -> ResolvedDataset {
        if let local = try localPath(argument) {
            return try localDataset(local, source: argument, config: config)
        }
        return try downloadDataset(argument, config: config, revision: revision)
    }

    /// Downloads README.md and the data files of one config of a Hub data set into the cache.
    public func downloadDataset(_ id: String, config: String? = nil, revision: String = "main") throws -> ResolvedDataset {
        let repo = try HubRepo(id: id, kind: .dataset)
        try checkRevision(revision)
        if configuration.offline {
            return try cachedDataset(repo, config: config, revision: revision, reason: "HF_HUB_OFFLINE is set")
        }
        let info: HubRepoInfo
        do {
            info = try client.repoInfo(repo, revision: revision)
        } catch let error as HubError {
            guard let reason = error.cacheFallbackReason,
                  let cached = try? cachedDataset(repo, config: config, revision: revision, reason: reason)
            else { throw error }
            return cached
        }

        var card: DatasetCard?
        if info.files.contains("README.md") {
            let readme = try client.downloadFile(repo, commit: info.commit, revision: revision, path: "README.md")
            card = try readCard(readme, source: repo.description)
        }
        let selection = try selectFiles(card: card, config: config, files: info.files, source: repo.description, revision: revision)
        for path in selection.splits.flatMap(\.files) {
            _ = try client.downloadFile(repo, commit: info.commit, revision: revision, path: path)
        }
        try cache.writeRef(repo, revision: revision, commit: info.commit)

        let folder = cache.snapshotFolder(repo, commit: info.commit)
        return makeDataset(source: id, repo: repo, commit: info.commit, folder: folder, card: card, selection: selection)
    }

    // MARK: - Cache and local folders

    private func cachedDataset(_ repo: HubRepo, config: String?, revision: String, reason: String) throws -> ResolvedDataset {
        guard let commit = cache.cachedCommit(repo, revision: revision) else {
            throw notCached(repo, revision: revision, missing: "no snapshot is recorded for this revision")
        }
        let folder = cache.snapshotFolder(repo, commit: commit)
        let files = listFiles(folder)
        let card = files.contains("README.md")
            ? try readCard(folder.appendingPathComponent("README.md"), source: repo.description) : nil
        let selection: FileSelection
        do {
            selection = try selectFiles(card: card, config: config, files: files, source: repo.description, revision: revision)
        } catch let error as HubError {
            if case .missingFiles(_, _, let reason) = error {
                throw notCached(repo, revision: revision, missing: "snapshot \(commit) \(reason)")
            }
            throw error
        }
        client.emit(.usingCache(repo: repo, commit: commit, reason: reason))
        return makeDataset(source: repo.id, repo: repo, commit: commit, folder: folder, card: card, selection: selection)
    }

    private func localDataset(_ url: URL, source: String, config: String?) throws -> ResolvedDataset {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        guard isDirectory.boolValue else {
            let selection = FileSelection(config: nil, splits: [("train", [url.lastPathComponent])])
            return makeDataset(source: source, repo: nil, commit: nil, folder: url.deletingLastPathComponent(), card: nil, selection: selection)
        }
        let files = listFiles(url)
        let card = files.contains("README.md") ? try readCard(url.appendingPathComponent("README.md"), source: source) : nil
        let selection = try selectFiles(card: card, config: config, files: files, source: source, revision: "local")
        return makeDataset(source: source, repo: nil, commit: nil, folder: url, card: card, selection: selection)
    }

    /// Lists files below `folder` as relative paths, following symlinks and skipping broken ones.
    func listFiles(_ folder: URL) -> [String] {
        cache.listSnapshotFiles(folder)
    }

    // MARK: - Selection

    struct FileSelection {
        let config: DatasetCardConfig?
        let splits: [(split: String, files: [String])]
    }

    func readCard(_ url: URL, source: String) throws -> DatasetCard {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw HubError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
        do {
            return try DatasetCard(markdown: text)
        } catch let error as DatasetCardError {
            throw HubError.invalidCard(repo: source, line: error.line, reason: error.reason)
        }
    }

    /// Chooses the config and its files by split from a file list.
    func selectFiles(card: DatasetCard?, config: String?, files: [String], source: String, revision: String) throws -> FileSelection {
        let chosen = try (card ?? DatasetCard.empty).selectConfig(config, repo: source)

        var splits: [(split: String, files: [String])]
        if let chosen, !chosen.dataFiles.isEmpty {
            splits = []
            for (split, patterns) in chosen.dataFiles {
                let matched = DataFileMatcher.resolve(patterns: patterns, base: chosen.dataDir, files: files)
                guard !matched.isEmpty else {
                    throw HubError.missingFiles(
                        repo: source, revision: revision,
                        reason: "has no file matching \(patterns.joined(separator: ", ")) for split '\(split)' of config '\(chosen.name)'")
                }
                splits.append((split, matched))
            }
        } else {
            splits = DataFileMatcher.inferSplits(files: files, base: chosen?.dataDir)
        }

        guard !splits.isEmpty else {
            let script = files.contains { $0.hasSuffix(".py") } ? " It seems to use a loading script, so try --revision refs/convert/parquet." : ""
            throw HubError.missingFiles(
                repo: source, revision: revision,
                reason: "has no data files (\(DataFileMatcher.dataExtensions.sorted().joined(separator: ", "))).\(script) Or pass a local path")
        }
        return FileSelection(config: chosen, splits: splits)
    }

    func makeDataset(
        source: String, repo: HubRepo?, commit: String?, folder: URL, card: DatasetCard?, selection: FileSelection
    ) -> ResolvedDataset {
        var splits: [String: [URL]] = [:]
        for (split, files) in selection.splits {
            splits[split, default: []].append(contentsOf: files.map { folder.appendingPathComponent($0) })
        }
        let features = card?.features(forConfig: selection.config?.name) ?? []
        let classLabels = features.filter { $0.classLabelNames != nil }
        var label = classLabels.first { $0.name == "label" } ?? classLabels.first
        if label == nil, let first = selection.splits.first?.files.first, DataFileMatcher.fileExtension(first) == "parquet" {
            label = Self.parquetClassLabel(folder.appendingPathComponent(first))
        }
        return ResolvedDataset(
            source: source, repo: repo, commit: commit, folder: folder, config: selection.config?.name, splits: splits,
            labelNames: label?.classLabelNames, labelColumn: label?.name, features: features,
            options: selection.config?.options ?? [:])
    }

    /// Reads a ClassLabel feature from the `huggingface` footer metadata that the `datasets` library writes:
    /// {"info": {"features": {"label": {"_type": "ClassLabel", "names": [...]}}}}. Nil when absent or unreadable.
    static func parquetClassLabel(_ url: URL) -> DatasetFeature? {
        guard let file = try? ParquetFile(url: url),
              let json = file.keyValueMetadata["huggingface"],
              let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let info = root["info"] as? [String: Any],
              let features = info["features"] as? [String: Any]
        else { return nil }
        var labels: [DatasetFeature] = []
        for column in file.columnNames {
            guard let feature = features[column] as? [String: Any], feature["_type"] as? String == "ClassLabel",
                  let names = feature["names"] as? [String]
            else { continue }
            labels.append(DatasetFeature(name: column, dtype: "class_label", classLabelNames: names))
        }
        return labels.first { $0.name == "label" } ?? labels.first
    }
}

extension DatasetCard {
    /// A card with no configs and no features, for repositories without README.md.
    static let empty = DatasetCard(configs: [], features: [:])

    init(configs: [DatasetCardConfig], features: [String: [DatasetFeature]]) {
        self.configs = configs
        self.features = features
    }
}
