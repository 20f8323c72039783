import Finetune
import Foundation

/// What `train` and `evaluate` share: the model folder, its tokenizer, the labelled and encoded
/// splits, and the model itself, with the start-up summary logged.
struct TrainingSession {
    let modelFolder: URL
    let tokenizer: any Tokenizer
    let data: ClassificationData
    let model: SequenceClassifier
    let batchSize: Int
    let padding: Padding
    let maxLength: Int?

    /// `forEvaluation` takes labels from the model only; training may define them from the data.
    init(_ arguments: ParsedArguments, splits: [Split], precision: Precision, forEvaluation: Bool = false) throws {
        batchSize = try arguments.int("batch-size", in: 1...65_536)!
        padding = try arguments.choice("padding", as: Padding.self) ?? .longest
        let requestedMaxLength = try arguments.int("max-length", in: 2...1_000_000)

        modelFolder = try Inputs.modelFolder(arguments)
        let source = try Inputs.dataFiles(arguments, required: splits[0])
        let files = source.files
        tokenizer = try TokenizerLoader.load(folder: modelFolder, maxLength: requestedMaxLength)
        maxLength = padding == .maxLength ? tokenizer.maxLength : requestedMaxLength

        // Labels: a trained head's id2label, else --labels or the card's names, else the training data.
        let modelLabels = try Inputs.modelLabels(modelFolder, ignoringDefaults: !forEvaluation)
        if forEvaluation, modelLabels == nil {
            throw UsageError("\(modelFolder.path)/config.json has no id2label, so it has no trained classification head to evaluate. Train it first with 'finetune train'.")
        }
        let requested = try arguments.list("labels") ?? source.labelNames
        let needed = splits.filter { $0 == splits[0] || files[$0] != nil }
        data = try ClassificationData.prepare(files: files, needed: needed, readerOptions: Inputs.readerOptions(arguments, cardLabelColumn: source.labelColumn),
                                              modelLabels: modelLabels, requestedLabels: requested,
                                              skipUnlabeled: arguments.flag("skip-unlabeled"), tokenizer: tokenizer)

        model = try SequenceClassifier.load(folder: modelFolder, labelNames: data.labels.names,
                                            seed: UInt64(try arguments.int("seed", in: 0...Int.max) ?? 42), log: Console.log)
        model.precision = precision
        logSummary(precision: precision)
    }

    func batcher(_ examples: [EncodedExample], shuffle: Bool, seed: UInt64) throws -> Batcher {
        Batcher(examples: examples, options: Batcher.Options(batchSize: batchSize, padding: padding, maxLength: maxLength,
                                                              padID: tokenizer.padTokenId, shuffle: shuffle,
                                                              groupByLength: false, seed: seed))
    }

    private func logSummary(precision: Precision) {
        let cpu = CPUFeatures.current
        let sizes = Split.allCases.compactMap { split in data.splits[split].map { "\(split.rawValue) \($0.count)" } }
        var lines = [
            "Model:      \(modelFolder.path) (\(model.config.modelType), \(formatCount(model.parameterCount)) parameters)",
            "Precision:  \(precision.rawValue)",
            "CPU:        \(cpu.modelName), \(cpu.logicalCores) threads, \(cpu.summary)",
            "Data:       \(sizes.joined(separator: ", ")) examples",
            "Labels:     \(data.labels.names.joined(separator: ", "))",
        ]
        for (split, count) in data.skippedUnlabeled.sorted(by: { $0.key < $1.key }) where count > 0 {
            lines.append("Skipped:    \(count) unlabeled rows in \(split.rawValue)")
        }
        for (split, count) in data.truncated.sorted(by: { $0.key < $1.key }) where count > 0 {
            lines.append("Truncated:  \(count) \(split.rawValue) texts to \(tokenizer.maxLength) tokens")
        }
        lines.forEach(Console.log)
        if precision == .bf16, !cpu.hasFastBF16 {
            Console.log("Warning: this CPU has no AVX512-BF16 or AMX, so bf16 runs correctly but slower than fp32.")
        }
        if precision == .fp16 {
            Console.log("Note: CPUs have no fast fp16 arithmetic, so fp16 stores 16-bit values but computes in fp32; bf16 is the fast mode on CPU.")
        }
    }
}

/// 124645632 as "124.6M".
func formatCount(_ count: Int) -> String {
    count >= 1_000_000 ? String(format: "%.1fM", Double(count) / 1e6) : String(format: "%.1fk", Double(count) / 1e3)
}
