import Foundation

/// A data set split.
public enum Split: String, Sendable, CaseIterable, Hashable, Comparable {
    case train
    case validation
    case test

    /// File name stems (lowercase) that name each split.
    public static let fileStems: [String: Split] = [
        "train": .train,
        "validation": .validation, "val": .validation, "valid": .validation, "dev": .validation,
        "test": .test,
    ]

    /// Splits order as train, validation, test.
    public static func < (lhs: Split, rhs: Split) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .train: return 0
        case .validation: return 1
        case .test: return 2
        }
    }
}

/// The files of each split of a data set, found from a `--data` path.
public struct DataFiles: Sendable, Equatable {
    /// The files of each split present, in reading order. A split has several files only
    /// when they are shards named `<split>-NNNNN-of-NNNNN`.
    public var files: [Split: [URL]]

    public init(files: [Split: [URL]]) {
        self.files = files
    }

    public subscript(split: Split) -> [URL]? { files[split] }

    /// Finds the split files of `url`, a data file or a folder.
    ///
    /// A file is the `required` split (train unless given). In a folder, a file belongs to a
    /// split when its extension is one of `DatasetFormat.extensions` and its name without the
    /// extension is a key of `Split.fileStems`, ignoring case. A shard name, such a stem
    /// followed by `-NNNNN-of-NNNNN`, also counts. Other files and subfolders are ignored.
    /// Hidden files (a name starting with `.`) are ignored too.
    /// Throws for a missing path, a folder with no files, two files for one split, or no
    /// file for the `required` split.
    public static func locate(_ url: URL, required: Split = .train) throws -> DataFiles {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DatasetError.dataNotFound(path: url.path)
        }
        guard isDirectory.boolValue else { return DataFiles(files: [required: [url]]) }

        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        } catch {
            throw DatasetError.fileUnreadable(path: url.path, reason: error.localizedDescription)
        }
        let fileNames = names.filter { name in
            var isFolder: ObjCBool = false
            let path = url.appendingPathComponent(name).path
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
        }
        guard !fileNames.isEmpty else { throw DatasetError.emptyFolder(path: url.path) }

        var wholeFiles: [Split: [URL]] = [:]
        var shards: [Split: [URL]] = [:]
        for name in fileNames {
            let fileURL = url.appendingPathComponent(name)
            guard DatasetFormat(url: fileURL) != nil else { continue }
            let stem = fileURL.deletingPathExtension().lastPathComponent.lowercased()
            if let split = Split.fileStems[stem] {
                wholeFiles[split, default: []].append(fileURL)
            } else if let split = shardSplit(stem) {
                shards[split, default: []].append(fileURL)
            }
        }

        var files: [Split: [URL]] = [:]
        for split in Split.allCases {
            let candidates = (wholeFiles[split] ?? []) + (shards[split] ?? [])
            // Shards may be several, but not with a whole file, nor twice the same shard.
            let stems = Set(candidates.map { $0.deletingPathExtension().lastPathComponent.lowercased() })
            if candidates.count > 1 && (wholeFiles[split] != nil || stems.count < candidates.count) {
                throw DatasetError.duplicateSplit(split: split.rawValue, paths: candidates.map(\.path))
            }
            if !candidates.isEmpty { files[split] = candidates }
        }
        guard files[required] != nil else {
            throw DatasetError.missingSplit(split: required.rawValue, path: url.path, files: fileNames)
        }
        return DataFiles(files: files)
    }

    /// Returns the split of a shard stem such as `train-00000-of-00002`, the naming of
    /// Hugging Face Parquet exports.
    private static func shardSplit(_ stem: String) -> Split? {
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[2] == "of",
              let split = Split.fileStems[String(parts[0])],
              !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit),
              !parts[3].isEmpty, parts[3].allSatisfy(\.isASCIIDigit) else { return nil }
        return split
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
