// The parts of a data set card (README.md YAML front matter) that locate data files and label names,
// as the `datasets` library reads them:
//
//   configs:                          one entry per config
//   - config_name: default
//     default: true                   marks the default when there are several
//     data_dir: data                  optional base folder for the patterns
//     data_files:                     a pattern, a list of patterns (both mean the train split),
//     - split: train                  a list of {split, path} where path is a pattern or a list,
//       path: data/train-*            or a mapping from split to pattern(s)
//   dataset_info:                     one mapping, or a list with one mapping per config_name
//     features:
//     - name: label
//       dtype:
//         class_label:
//           names:                    a mapping '0': name, '1': name, ... or a list of names
//             '0': sadness

/// A column described in the card's `dataset_info.features`.
public struct DatasetFeature: Sendable, Equatable {
    public let name: String
    /// The `dtype` when it is a scalar (`string`, `int64`), `class_label`, or the first key of a nested type
    /// (`sequence`, `list`, `struct`).
    public let dtype: String
    /// Label names in id order, for `class_label` features.
    public let classLabelNames: [String]?
}

/// One entry of the card's `configs` list.
public struct DatasetCardConfig: Sendable, Equatable {
    public let name: String
    public let isDefault: Bool
    public let dataDir: String?
    /// Split name and its path patterns, in card order; empty when the config lists no data files.
    public let dataFiles: [(split: String, patterns: [String])]
    /// Other scalar keys, such as `sep` for CSV files, for the data readers.
    public let options: [String: String]

    public static func == (lhs: DatasetCardConfig, rhs: DatasetCardConfig) -> Bool {
        lhs.name == rhs.name && lhs.isDefault == rhs.isDefault && lhs.dataDir == rhs.dataDir && lhs.options == rhs.options
            && lhs.dataFiles.map(\.split) == rhs.dataFiles.map(\.split)
            && lhs.dataFiles.map(\.patterns) == rhs.dataFiles.map(\.patterns)
    }
}

/// A card entry that has the wrong shape, such as `data_files` given as a number.
public struct DatasetCardError: Error, Equatable, CustomStringConvertible {
    /// The file line, for YAML syntax errors; nil for entries with the wrong shape.
    public let line: Int?
    public let reason: String

    public var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}

public struct DatasetCard: Sendable, Equatable {
    public let configs: [DatasetCardConfig]
    /// Features by config name; a `dataset_info` without `config_name` is stored under "default".
    public let features: [String: [DatasetFeature]]

    /// Parses the front matter of README.md. A card without front matter has no configs and no features.
    public init(markdown: String) throws {
        guard let (text, firstLine) = YAMLSubset.frontMatter(of: markdown) else {
            configs = []
            features = [:]
            return
        }
        let entries: [YAMLEntry]
        do {
            entries = try YAMLSubset.parseDocument(text, firstLine: firstLine, keys: ["configs", "dataset_info"])
        } catch let error as YAMLParseError {
            throw DatasetCardError(line: error.line, reason: error.reason)
        }
        let document = YAMLValue.mapping(entries)
        configs = try Self.parseConfigs(document["configs"])
        features = try Self.parseInfos(document["dataset_info"])
    }

    /// Picks the config named `name`, else the one marked `default: true`, else the one named "default",
    /// else the only one. Returns nil when the card has no configs.
    public func selectConfig(_ name: String?, repo: String) throws -> DatasetCardConfig? {
        guard !configs.isEmpty else {
            if let name, name != "default" {
                throw HubError.configNotFound(repo: repo, config: name, available: ["default"])
            }
            return nil
        }
        if let name {
            guard let config = configs.first(where: { $0.name == name }) else {
                throw HubError.configNotFound(repo: repo, config: name, available: configs.map(\.name))
            }
            return config
        }
        if let marked = configs.first(where: \.isDefault) { return marked }
        if let named = configs.first(where: { $0.name == "default" }) { return named }
        if configs.count == 1 { return configs[0] }
        throw HubError.configRequired(repo: repo, available: configs.map(\.name))
    }

    /// Returns the features for a config, falling back to the only `dataset_info` entry when there is one.
    public func features(forConfig name: String?) -> [DatasetFeature]? {
        if let found = features[name ?? "default"] { return found }
        return features.count == 1 ? features.values.first : nil
    }

    // MARK: - configs

    private static func parseConfigs(_ value: YAMLValue?) throws -> [DatasetCardConfig] {
        guard let value, value != .null else { return [] }
        guard let items = value.items else { throw DatasetCardError(line: nil, reason: "'configs' is not a list") }
        return try items.map { item in
            guard let entries = item.entries else {
                throw DatasetCardError(line: nil, reason: "an entry of 'configs' is not a mapping")
            }
            let name = item["config_name"]?.scalar ?? "default"
            var options: [String: String] = [:]
            for entry in entries where !["config_name", "data_files", "data_dir", "default"].contains(entry.key) {
                if let scalar = entry.value.scalar { options[entry.key] = scalar }
            }
            return DatasetCardConfig(
                name: name,
                isDefault: item["default"]?.scalar.map { ["true", "True", "TRUE", "yes"].contains($0) } ?? false,
                dataDir: item["data_dir"]?.scalar,
                dataFiles: try parseDataFiles(item["data_files"], config: name),
                options: options)
        }
    }

    private static func parseDataFiles(_ value: YAMLValue?, config: String) throws -> [(split: String, patterns: [String])] {
        guard let value, value != .null else { return [] }
        if let pattern = value.scalar { return [("train", [pattern])] }
        if let entries = value.entries {
            return try entries.map { entry in (entry.key, try patterns(entry.value, config: config)) }
        }
        guard let items = value.items else {
            throw DatasetCardError(line: nil, reason: "'data_files' of config '\(config)' is not a pattern, list or mapping")
        }
        if items.allSatisfy({ $0.scalar != nil }) {
            return [("train", items.compactMap(\.scalar))]
        }
        var result: [(split: String, patterns: [String])] = []
        for item in items {
            guard let split = item["split"]?.scalar, let path = item["path"] else {
                throw DatasetCardError(line: nil, reason: "a 'data_files' entry of config '\(config)' lacks 'split' or 'path'")
            }
            result.append((split, try patterns(path, config: config)))
        }
        return result
    }

    private static func patterns(_ value: YAMLValue, config: String) throws -> [String] {
        if let scalar = value.scalar { return [scalar] }
        if let items = value.items, items.allSatisfy({ $0.scalar != nil }) { return items.compactMap(\.scalar) }
        throw DatasetCardError(line: nil, reason: "a 'path' of config '\(config)' is not a pattern or a list of patterns")
    }

    // MARK: - dataset_info

    private static func parseInfos(_ value: YAMLValue?) throws -> [String: [DatasetFeature]] {
        guard let value, value != .null else { return [:] }
        let infos = value.items ?? [value]
        var result: [String: [DatasetFeature]] = [:]
        for info in infos {
            guard info.entries != nil else { continue }
            let name = info["config_name"]?.scalar ?? "default"
            guard let features = info["features"], let items = features.items else { continue }
            result[name] = try items.compactMap(parseFeature)
        }
        return result
    }

    private static func parseFeature(_ item: YAMLValue) throws -> DatasetFeature? {
        guard let name = item["name"]?.scalar else { return nil }
        guard let dtype = item["dtype"] else { return DatasetFeature(name: name, dtype: "unknown", classLabelNames: nil) }
        if let scalar = dtype.scalar {
            return DatasetFeature(name: name, dtype: scalar, classLabelNames: nil)
        }
        if let classLabel = dtype["class_label"] {
            return DatasetFeature(name: name, dtype: "class_label", classLabelNames: try labelNames(classLabel["names"], feature: name))
        }
        return DatasetFeature(name: name, dtype: dtype.entries?.first?.key ?? "unknown", classLabelNames: nil)
    }

    /// Orders `names` by label id, and throws unless a mapping uses the ids 0...n-1 exactly once each.
    private static func labelNames(_ value: YAMLValue?, feature: String) throws -> [String] {
        guard let value, value != .null else {
            throw DatasetCardError(line: nil, reason: "class_label feature '\(feature)' has no 'names'")
        }
        if let items = value.items {
            return try items.map { item in
                guard let name = item.scalar else {
                    throw DatasetCardError(line: nil, reason: "a class_label name of '\(feature)' is not text")
                }
                return name
            }
        }
        guard let entries = value.entries else {
            throw DatasetCardError(line: nil, reason: "'names' of class_label feature '\(feature)' is not a list or mapping")
        }
        var byId: [Int: String] = [:]
        for entry in entries {
            guard let id = Int(entry.key), let name = entry.value.scalar else {
                throw DatasetCardError(line: nil, reason: "class_label '\(feature)' maps '\(entry.key)' to a non-text name or uses a non-integer id")
            }
            byId[id] = name
        }
        guard byId.count == entries.count, Set(byId.keys) == Set(0..<byId.count) else {
            throw DatasetCardError(line: nil, reason: "class_label '\(feature)' ids are not 0...\(entries.count - 1), each once")
        }
        return (0..<byId.count).map { byId[$0]! }
    }
}
