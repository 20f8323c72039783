import Foundation

/// Every split of a data set, read and mapped to class ids through one label set.
public struct LabeledDataset: Sendable {
    /// How to read the files and where the label set comes from.
    public struct Options: Sendable, Equatable {
        public var reader: DatasetReader.Options
        /// The model's `id2label`, when the model already has a classification head.
        public var id2label: [Int: String]?
        /// Class names in id order (`--labels`).
        public var labelNames: [String]?
        /// Skip and count rows with no label instead of failing on them (`--skip-unlabeled`).
        public var skipUnlabeled: Bool

        public init(
            reader: DatasetReader.Options = DatasetReader.Options(), id2label: [Int: String]? = nil,
            labelNames: [String]? = nil, skipUnlabeled: Bool = false
        ) {
            self.reader = reader
            self.id2label = id2label
            self.labelNames = labelNames
            self.skipUnlabeled = skipUnlabeled
        }
    }

    public var files: DataFiles
    public var labels: LabelSet
    /// The splits present in `files`.
    public var splits: [Split: LabeledSplit]

    public subscript(split: Split) -> LabeledSplit? { splits[split] }

    /// Finds the split files of `url` (see `DataFiles.locate`), reads every split present,
    /// builds the label set (see `LabelSet`) and maps each split's labels to class ids.
    ///
    /// The label set is inferred from the train split, so without `id2label` or
    /// `labelNames` the data must have one.
    public static func load(_ url: URL, options: Options = Options(), required: Split = .train) throws -> LabeledDataset {
        let files = try DataFiles.locate(url, required: required)
        var records: [Split: [DatasetRecord]] = [:]
        for (split, urls) in files.files {
            records[split] = try DatasetReader.read(urls: urls, options: options.reader)
        }

        if options.id2label == nil && options.labelNames == nil && records[.train] == nil {
            let names = files.files.values.flatMap { $0 }.map { $0.lastPathComponent }.sorted()
            throw DatasetError.missingSplit(split: Split.train.rawValue, path: url.path, files: names)
        }
        let labels = try LabelSet.resolve(id2label: options.id2label, names: options.labelNames, training: records[.train] ?? [])

        var splits: [Split: LabeledSplit] = [:]
        for split in records.keys.sorted() {
            splits[split] = try labels.assign(records[split] ?? [], skipUnlabeled: options.skipUnlabeled)
        }
        return LabeledDataset(files: files, labels: labels, splits: splits)
    }
}
