import Foundation
import Testing
import Finetune

/// Loading and saving Hugging Face folders: names, labels, heads, and round trips.
@Suite struct ModelCheckpointTests {
    /// Creates a temporary folder, which the caller removes.
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Copies a fixture model folder and rewrites its weights with `transform` (name -> new name or nil to drop).
    func rewrittenCopy(_ name: String, config: ((inout [String: Any]) -> Void)? = nil,
                       transform: (String) -> String?) throws -> URL {
        let source = ModelFixtures.folder(name)
        let folder = try temporaryFolder()
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        config?(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent("config.json"))
        let file = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        var arrays: [(String, [Int], [Float])] = []
        for entry in file.entries {
            guard let newName = transform(entry.name) else { continue }
            arrays.append((newName, entry.shape, try file.floats(entry.name)))
        }
        try withBuffers(arrays) { tensors in
            try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
        }
        return folder
    }

    func withBuffers(_ arrays: [(String, [Int], [Float])], _ body: ([SafetensorsWriter.Tensor]) throws -> Void) throws {
        var pointers: [UnsafeMutableBufferPointer<Float>] = []
        defer { pointers.forEach { $0.deallocate() } }
        var tensors: [SafetensorsWriter.Tensor] = []
        for (name, shape, values) in arrays {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
            _ = buffer.initialize(from: values)
            pointers.append(buffer)
            tensors.append(SafetensorsWriter.Tensor(name: name, shape: shape, values: UnsafeBufferPointer(buffer)))
        }
        try body(tensors)
    }

    @Test func saveThenLoadKeepsLogitsAndConfig() throws {
        let model = try ModelFixtures.load("roberta-tiny")
        let batch = try ModelFixtures.batch("roberta-tiny")
        let before = try model.predict(batch).logits
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let output = parent.appendingPathComponent("saved")
        let tokenizer = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: tokenizer) }
        try Data("{\"model\": {}}".utf8).write(to: tokenizer.appendingPathComponent("tokenizer.json"))

        try model.save(to: output, tokenizerSource: tokenizer)
        let reloaded = try SequenceClassifier.load(folder: output, labelNames: nil, seed: 0, log: { _ in })
        #expect(try reloaded.predict(batch).logits == before)
        #expect(reloaded.labelNames == ["negative", "neutral", "positive"])
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("tokenizer.json").path))

        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: ModelFixtures.folder("roberta-tiny").appendingPathComponent("config.json"))) as! NSDictionary
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("config.json"))) as! NSDictionary
        #expect(saved == original)

        let weights = try SafetensorsFile(url: output.appendingPathComponent("model.safetensors"))
        #expect(weights.metadata == ["format": "pt"])
        #expect(weights.entry("roberta.encoder.layer.1.attention.self.key.weight")?.shape == [32, 32])
        #expect(weights.entry("classifier.out_proj.bias")?.shape == [3])
        #expect(weights.entries.allSatisfy { $0.dtype == "F32" })
    }

    @Test func saveIntoExistingFolderKeepsOtherFiles() throws {
        let model = try ModelFixtures.load("bert-tiny")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{\"step\": 1}\n".utf8).write(to: folder.appendingPathComponent("metrics.jsonl"))
        try model.save(to: folder, tokenizerSource: nil)
        try model.save(to: folder, tokenizerSource: nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["config.json", "metrics.jsonl", "model.safetensors"])
        let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
        #expect(!siblings.contains { $0.hasPrefix(".\(folder.lastPathComponent)") })
    }

    @Test func unprefixedAndLegacyNamesLoad() throws {
        let folder = try rewrittenCopy("roberta-tiny") { name in
            var renamed = name.hasPrefix("roberta.") ? String(name.dropFirst("roberta.".count)) : name
            if renamed.hasSuffix("LayerNorm.weight") { renamed = String(renamed.dropLast(6)) + "gamma" }
            if renamed.hasSuffix("LayerNorm.bias") { renamed = String(renamed.dropLast(4)) + "beta" }
            return renamed
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let batch = try ModelFixtures.batch("roberta-tiny")
        let model = try SequenceClassifier.load(folder: folder, labelNames: nil, seed: 0, log: { _ in })
        #expect(try model.predict(batch).logits == (try ModelFixtures.load("roberta-tiny").predict(batch).logits))
    }

    @Test func missingTensorIsNamed() throws {
        let folder = try rewrittenCopy("bert-tiny") { $0.contains("layer.1.output.dense.bias") ? nil : $0 }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ModelError.missingTensors(path: folder.appendingPathComponent("model.safetensors").path,
                                                  names: ["encoder.layer.1.output.dense.bias"])) {
            _ = try SequenceClassifier.load(folder: folder, labelNames: nil, seed: 0, log: { _ in })
        }
    }

    @Test func renamedTensorIsNamedBothWays() throws {
        let folder = try rewrittenCopy("bert-tiny") { $0 == "bert.pooler.dense.bias" ? "bert.pooler.extra.bias" : $0 }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ModelError.mismatchedTensors(path: folder.appendingPathComponent("model.safetensors").path,
                                                     missing: ["pooler.dense.bias"], unexpected: ["bert.pooler.extra.bias"])) {
            _ = try SequenceClassifier.load(folder: folder, labelNames: nil, seed: 0, log: { _ in })
        }
    }

    @Test func pretrainingHeadsAreSkippedButOtherExtrasAreNot() throws {
        let withHeads = try rewrittenCopy("roberta-tiny") { $0 }
        defer { try? FileManager.default.removeItem(at: withHeads) }
        // Append tensors a RoBERTa base checkpoint carries: the LM head and the pooler.
        let file = try SafetensorsFile(url: withHeads.appendingPathComponent("model.safetensors"))
        var arrays = try file.entries.map { ($0.name, $0.shape, try file.floats($0.name)) }
        arrays.append(("lm_head.bias", [100], [Float](repeating: 0, count: 100)))
        arrays.append(("roberta.pooler.dense.bias", [32], [Float](repeating: 0, count: 32)))
        try withBuffers(arrays) { try SafetensorsWriter.write($0, metadata: [:], to: withHeads.appendingPathComponent("model.safetensors")) }
        _ = try SequenceClassifier.load(folder: withHeads, labelNames: nil, seed: 0, log: { _ in })

        arrays.append(("roberta.encoder.layer.2.output.dense.bias", [32], [Float](repeating: 0, count: 32)))
        try withBuffers(arrays) { try SafetensorsWriter.write($0, metadata: [:], to: withHeads.appendingPathComponent("model.safetensors")) }
        #expect(throws: ModelError.unexpectedTensors(path: withHeads.appendingPathComponent("model.safetensors").path,
                                                     names: ["roberta.encoder.layer.2.output.dense.bias"])) {
            _ = try SequenceClassifier.load(folder: withHeads, labelNames: nil, seed: 0, log: { _ in })
        }
    }

    @Test func wrongShapeIsNamed() throws {
        let folder = try rewrittenCopy("bert-tiny", config: { $0["intermediate_size"] = 48 }) { $0 }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ModelError.self) {
            _ = try SequenceClassifier.load(folder: folder, labelNames: nil, seed: 0, log: { _ in })
        }
    }

    @Test func baseCheckpointGetsNewHead() throws {
        let folder = try rewrittenCopy("roberta-tiny", config: { $0["id2label"] = nil; $0["label2id"] = nil }) { name in
            name.hasPrefix("classifier.") ? nil : name
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ModelError.missingLabels(folder: folder.path)) {
            _ = try SequenceClassifier.load(folder: folder, labelNames: nil, seed: 0, log: { _ in })
        }
        var messages: [String] = []
        let model = try SequenceClassifier.load(folder: folder, labelNames: ["a", "b", "c", "d"], seed: 3) { messages.append($0) }
        #expect(messages.count == 1)
        #expect(model.labelNames == ["a", "b", "c", "d"])
        let weight = model.namedParameters.first { $0.name == "classifier.out_proj.weight" }!
        let bias = model.namedParameters.first { $0.name == "classifier.out_proj.bias" }!
        let values = Array(UnsafeBufferPointer(start: weight.values, count: weight.count))
        let std = (values.map { $0 * $0 }.reduce(0, +) / Float(values.count)).squareRoot()
        #expect(weight.shape == [4, 32])
        #expect(abs(std - 0.02) < 0.006)
        #expect(UnsafeBufferPointer(start: bias.values, count: bias.count).allSatisfy { $0 == 0 })
    }

    @Test func conflictingLabelsAreRejected() throws {
        let folder = ModelFixtures.folder("roberta-tiny")
        #expect(throws: ModelError.self) {
            _ = try SequenceClassifier.load(folder: folder, labelNames: ["a", "b"], seed: 0, log: { _ in })
        }
        #expect(throws: ModelError.self) {
            _ = try SequenceClassifier.load(folder: folder, labelNames: ["positive", "neutral", "negative"], seed: 0, log: { _ in })
        }
        let same = try SequenceClassifier.load(folder: folder, labelNames: ["negative", "neutral", "positive"], seed: 0, log: { _ in })
        #expect(same.labelNames == ["negative", "neutral", "positive"])
    }

    @Test func shardedCheckpointLoads() throws {
        let source = ModelFixtures.folder("bert-tiny")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        let file = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        var weightMap: [String: String] = [:]
        let halves = [Array(file.entries.prefix(file.entries.count / 2)), Array(file.entries.dropFirst(file.entries.count / 2))]
        for (index, entries) in halves.enumerated() {
            let shard = "model-0000\(index + 1)-of-00002.safetensors"
            let arrays = try entries.map { ($0.name, $0.shape, try file.floats($0.name)) }
            try withBuffers(arrays) { try SafetensorsWriter.write($0, metadata: ["format": "pt"], to: folder.appendingPathComponent(shard)) }
            for entry in entries { weightMap[entry.name] = shard }
        }
        try SafetensorsWriter.writeIndex(weightMap: weightMap, totalSize: 0, to: folder.appendingPathComponent("model.safetensors.index.json"))
        let batch = try ModelFixtures.batch("bert-tiny")
        let model = try SequenceClassifier.load(folder: folder, labelNames: nil, seed: 0, log: { _ in })
        #expect(try model.predict(batch).logits == (try ModelFixtures.load("bert-tiny").predict(batch).logits))
    }

    @Test func tooLongRobertaInputIsRejected() throws {
        let model = try ModelFixtures.load("roberta-tiny")
        // max_position_embeddings 40 and pad id 1 leave 38 positions.
        #expect(model.maxSequenceLength == 38)
        let ids = [Int32](repeating: 7, count: 39)
        let batch = Batch(ids: ids, attentionMask: Array(repeating: 1, count: 39), labels: [1], batchSize: 1, sequenceLength: 39)
        #expect(throws: ModelError.sequenceTooLong(row: 0, length: 39, maximum: 38)) { try model.predict(batch) }
        #expect(throws: ModelError.sequenceTooLong(row: 0, length: 39, maximum: 38)) {
            try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0)
        }
    }

    @Test func outOfRangeTokenIsRejected() throws {
        let model = try ModelFixtures.load("bert-tiny")
        let batch = Batch(ids: [2, 100, 3], attentionMask: [1, 1, 1], labels: [], batchSize: 1, sequenceLength: 3)
        #expect(throws: ModelError.tokenOutOfRange(row: 0, position: 1, id: 100, vocabularySize: 100)) { try model.predict(batch) }
    }
}
