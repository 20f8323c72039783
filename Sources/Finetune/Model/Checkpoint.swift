import Foundation

/// Loading from and saving to Hugging Face model folders.
///
/// Tensor names are matched with or without the `roberta.`/`bert.` prefix, and legacy layer-norm
/// names (`LayerNorm.gamma`/`LayerNorm.beta`) map to `weight`/`bias`. Buffers transformers does
/// not load (`embeddings.position_ids`, `embeddings.token_type_ids`) and pretraining heads of base
/// checkpoints (`lm_head.*`, `cls.*`, and the RoBERTa pooler, which RobertaForSequenceClassification
/// has no use for) are skipped. Every other missing, unexpected or mis-shaped tensor is an error.
extension SequenceClassifier {
    /// Tokenizer files copied into saved folders when present in the source folder.
    static let tokenizerFileNames = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "merges.txt", "vocab.txt", "sentencepiece.bpe.model", "spiece.model",
    ]

    /// Loads config.json and the safetensors weights of `folder`.
    ///
    /// `labelNames` are the run's label names in id order, or nil to use the folder's `id2label`.
    /// A folder without a classification head (a base checkpoint) gets a new head with
    /// N(0, initializer_range) weights and zero biases drawn from `seed`, announced through `log`.
    /// A folder whose trained head was made for other labels than `labelNames` is an error.
    public static func load(folder: URL, labelNames: [String]?, seed: UInt64, log: (String) -> Void) throws -> SequenceClassifier {
        let config = try EncoderConfig.load(folder.appendingPathComponent("config.json"))
        guard let checkpoint = try SafetensorsCheckpoint.open(folder: folder) else {
            throw ModelError.missingWeights(folder: folder.path)
        }
        let tensors = try CheckpointNames(checkpoint: checkpoint, modelType: config.modelType)

        // Decide the labels from the trained head (if any), the folder's id2label and the run's names.
        let headNames = config.modelType == .roberta
            ? ["classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight", "classifier.out_proj.bias"]
            : ["classifier.weight", "classifier.bias"]
        let presentHead = headNames.filter { tensors.original[$0] != nil }
        if !presentHead.isEmpty && presentHead.count < headNames.count {
            throw ModelError.missingTensors(path: checkpoint.path, names: headNames.filter { tensors.original[$0] == nil })
        }
        let hasTrainedHead = !presentHead.isEmpty
        let outputName = config.modelType == .roberta ? "classifier.out_proj.weight" : "classifier.weight"
        let trainedLabelCount = hasTrainedHead ? tensors.shape(outputName)?.first : nil
        let names = try resolveLabels(folder: folder, config: config, requested: labelNames, trainedLabelCount: trainedLabelCount)

        let model = SequenceClassifier(config: config, labelNames: names, backend: CPUBackend())
        try model.loadWeights(tensors, hasTrainedHead: hasTrainedHead, seed: seed, log: log)
        return model
    }

    static func resolveLabels(folder: URL, config: EncoderConfig, requested: [String]?, trainedLabelCount: Int?) throws -> [String] {
        let folderLabels = config.labelNames
        if let requested {
            guard !requested.isEmpty else { throw ModelError.missingLabels(folder: folder.path) }
            guard let trainedLabelCount else { return requested }
            // transformers writes LABEL_0, LABEL_1, ... when a model was trained without names;
            // those carry no meaning, so only the count has to agree.
            let generic = (0..<trainedLabelCount).map { "LABEL_\($0)" }
            let conflict = requested.count != trainedLabelCount
                || (folderLabels != nil && folderLabels != requested && folderLabels != generic)
            if conflict {
                throw ModelError.labelConflict(folder: folder.path,
                                               folderLabels: folderLabels ?? generic, requested: requested)
            }
            return requested
        }
        guard let folderLabels else { throw ModelError.missingLabels(folder: folder.path) }
        if let trainedLabelCount, trainedLabelCount != folderLabels.count {
            throw ModelError.invalidConfig(path: folder.appendingPathComponent("config.json").path, field: "id2label",
                                           value: "\(folderLabels.count) labels",
                                           hint: "The trained head has \(trainedLabelCount) outputs; fix id2label or pass the label names.")
        }
        return folderLabels
    }

    func loadWeights(_ tensors: CheckpointNames, hasTrainedHead: Bool, seed: UInt64, log: (String) -> Void) throws {
        let head = network.head
        // Names a base checkpoint may lack: the classifier, and for BERT the pooler when absent.
        var fresh = Set(hasTrainedHead ? [] : head.classifierNames)
        if !hasTrainedHead && head.poolerNames.allSatisfy({ tensors.original[$0] == nil }) {
            fresh.formUnion(head.poolerNames)
        }

        var missing: [String] = []
        var consumed = Set<String>()
        for named in network.store.names where !fresh.contains(named.name) {
            guard let original = tensors.original[named.name] else { missing.append(named.name); continue }
            let entry = tensors.checkpoint.entry(original)!
            guard entry.shape == named.shape else {
                throw ModelError.shapeMismatch(path: tensors.checkpoint.path, name: original, expected: named.shape, actual: entry.shape)
            }
            try tensors.checkpoint.readFloats(original, into: named.values, count: named.count)
            consumed.insert(named.name)
        }
        let unexpected = tensors.original.keys
            .filter { !consumed.contains($0) && !fresh.contains($0) && !CheckpointNames.isSkipped($0, modelType: config.modelType) }
            .sorted().map { tensors.original[$0]! }
        switch (missing.isEmpty, unexpected.isEmpty) {
        case (true, true): break
        case (false, true): throw ModelError.missingTensors(path: tensors.checkpoint.path, names: missing)
        case (true, false): throw ModelError.unexpectedTensors(path: tensors.checkpoint.path, names: unexpected)
        case (false, false): throw ModelError.mismatchedTensors(path: tensors.checkpoint.path, missing: missing, unexpected: unexpected)
        }

        if !fresh.isEmpty {
            let freshTensors = network.store.names.filter { fresh.contains($0.name) }
            head.initialize(freshTensors, std: config.initializerRange, seed: seed)
            log("New classification head for \(labelNames.count) labels (\(freshTensors.map(\.name).joined(separator: ", "))): "
                + "N(0, \(config.initializerRange)) weights, zero biases, seed \(seed).")
        }
    }

    /// Writes a Hugging Face folder: config.json (all original fields, plus architectures,
    /// id2label and label2id), model.safetensors (fp32, Hugging Face names with the model prefix,
    /// `__metadata__` {"format": "pt"}), and the tokenizer files of `tokenizerSource`.
    ///
    /// Files are written into a temporary folder beside `folder`. A new `folder` is created by one
    /// rename. An existing one receives each file by its own rename, so other files in it (for
    /// example a training log) stay and each model file is replaced atomically. A crash between
    /// two renames can leave new and old files side by side.
    public func save(to folder: URL, tokenizerSource: URL?) throws {
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ModelError.saveFailed(path: folder.path, reason: "cannot create \(staging.path): \(error.localizedDescription)")
        }
        defer { try? fileManager.removeItem(at: staging) }

        var written: [String] = []
        do {
            try writeWeights(to: staging.appendingPathComponent(SafetensorsCheckpoint.singleFileName))
            written.append(SafetensorsCheckpoint.singleFileName)
            if let tokenizerSource {
                for name in Self.tokenizerFileNames {
                    let source = tokenizerSource.appendingPathComponent(name)
                    guard fileManager.fileExists(atPath: source.path) else { continue }
                    // Hub cache snapshots hold relative symlinks into blobs/, so copy the target's bytes.
                    try fileManager.copyItem(at: source.resolvingSymlinksInPath(), to: staging.appendingPathComponent(name))
                    written.append(name)
                }
            }
            var saved = config
            saved.architectures = [config.modelType == .roberta ? "RobertaForSequenceClassification" : "BertForSequenceClassification"]
            try saved.jsonData().write(to: staging.appendingPathComponent("config.json"))
            written.append("config.json")
        } catch let error as SafetensorsError {
            throw ModelError.saveFailed(path: folder.path, reason: error.description)
        } catch {
            throw ModelError.saveFailed(path: folder.path, reason: error.localizedDescription)
        }

        var isDirectory: ObjCBool = false
        if !fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard rename(staging.path, folder.path) == 0 else {
                throw ModelError.saveFailed(path: folder.path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
            return
        }
        guard isDirectory.boolValue else {
            throw ModelError.saveFailed(path: folder.path, reason: "it exists and is not a folder")
        }
        // Weights first and config.json last, so a reader never sees a new config with old weights.
        for name in written {
            guard rename(staging.appendingPathComponent(name).path, folder.appendingPathComponent(name).path) == 0 else {
                throw ModelError.saveFailed(path: folder.appendingPathComponent(name).path,
                                            reason: "rename failed: \(String(cString: strerror(errno)))")
            }
        }
        // A sharded index left from an earlier checkpoint would shadow nothing (model.safetensors
        // wins) but would confuse readers, so remove it.
        try? fileManager.removeItem(at: folder.appendingPathComponent(SafetensorsCheckpoint.indexFileName))
    }

    func writeWeights(to url: URL) throws {
        let prefix = config.modelType == .roberta ? "roberta." : "bert."
        let tensors = network.store.names.map { named in
            SafetensorsWriter.Tensor(name: named.name.hasPrefix("classifier.") ? named.name : prefix + named.name,
                                     shape: named.shape,
                                     values: UnsafeBufferPointer(start: named.values, count: named.count))
        }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
    }
}

/// The tensor names of a checkpoint, normalised to the model's names without prefix.
struct CheckpointNames {
    let checkpoint: SafetensorsCheckpoint
    /// Normalised name -> name in the file.
    let original: [String: String]

    init(checkpoint: SafetensorsCheckpoint, modelType: EncoderConfig.ModelType) throws {
        self.checkpoint = checkpoint
        let prefix = modelType.rawValue + "."
        var original: [String: String] = [:]
        for name in checkpoint.names {
            var normalised = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
            if normalised.hasSuffix("LayerNorm.gamma") { normalised = String(normalised.dropLast(5)) + "weight" }
            if normalised.hasSuffix("LayerNorm.beta") { normalised = String(normalised.dropLast(4)) + "bias" }
            if let other = original[normalised] {
                throw ModelError.duplicateTensor(path: checkpoint.path, names: [other, name])
            }
            original[normalised] = name
        }
        self.original = original
    }

    func shape(_ normalised: String) -> [Int]? {
        original[normalised].flatMap { checkpoint.entry($0)?.shape }
    }

    /// True for tensors a classification model does not load: buffers and pretraining heads.
    static func isSkipped(_ normalised: String, modelType: EncoderConfig.ModelType) -> Bool {
        if normalised == "embeddings.position_ids" || normalised == "embeddings.token_type_ids" { return true }
        if normalised.hasPrefix("lm_head.") || normalised.hasPrefix("cls.") { return true }
        return modelType == .roberta && normalised.hasPrefix("pooler.")
    }
}
