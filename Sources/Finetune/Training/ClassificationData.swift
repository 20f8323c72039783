import Foundation

/// The splits of a data set, read, labelled and tokenised for one model: what `train`,
/// `evaluate` and `compare` feed to the trainer.
public struct ClassificationData: Sendable {
    public let labels: LabelSet
    public let splits: [Split: [EncodedExample]]
    /// Rows skipped with `skipUnlabeled`, per split.
    public let skippedUnlabeled: [Split: Int]
    /// Texts longer than the tokenizer's maximum, which were truncated, per split.
    public let truncated: [Split: Int]

    /// Reads `needed` splits from `files` (the train split is always read when labels must be
    /// inferred), maps labels through one `LabelSet` and encodes the texts.
    ///
    /// Labels come from, in order: `modelLabels` (a trained head's `id2label`), `requestedLabels`
    /// (`--labels` or a data set card's names), the training split.
    public static func prepare(files: DataFiles, needed: [Split], readerOptions: DatasetReader.Options,
                               modelLabels: [Int: String]?, requestedLabels: [String]?, skipUnlabeled: Bool,
                               tokenizer: any Tokenizer) throws -> ClassificationData {
        var records: [Split: [DatasetRecord]] = [:]
        for split in needed {
            guard let urls = files[split] else {
                let present = files.files.values.flatMap { $0 }
                throw DatasetError.missingSplit(split: split.rawValue, path: present.first?.deletingLastPathComponent().path ?? "",
                                                files: present.map(\.lastPathComponent).sorted())
            }
            records[split] = try DatasetReader.read(urls: urls, options: readerOptions)
        }

        // One label map for every split.
        var trainingRecords = records[.train] ?? []
        if modelLabels == nil, requestedLabels == nil, trainingRecords.isEmpty, let urls = files[.train] {
            trainingRecords = try DatasetReader.read(urls: urls, options: readerOptions)
        }
        let labels = try LabelSet.resolve(id2label: modelLabels, names: requestedLabels, training: trainingRecords)

        // Label ids, then token ids for all texts of a split at once (parallel inside).
        var splits: [Split: [EncodedExample]] = [:]
        var skipped: [Split: Int] = [:]
        var truncated: [Split: Int] = [:]
        for (split, splitRecords) in records {
            let labelled = try labels.assign(splitRecords, skipUnlabeled: skipUnlabeled)
            let encoded = tokenizer.encodeBatch(labelled.examples.map(\.text))
            splits[split] = zip(encoded, labelled.examples).map { EncodedExample(ids: $0, label: Int32($1.label)) }
            skipped[split] = labelled.skippedUnlabeled
            truncated[split] = encoded.filter { $0.count >= tokenizer.maxLength }.count
        }
        return ClassificationData(labels: labels, splits: splits, skippedUnlabeled: skipped, truncated: truncated)
    }
}
