import Foundation
import Testing
import Finetune

/// all-MiniLM-L6-v2 (a BERT base checkpoint with a pooler and no head) with the seeded 6-label
/// head of scripts/make_model_fixtures.py, against transformers' BertForSequenceClassification.
@Suite(.enabled(if: TestPaths.exists(TestPaths.miniLM.appendingPathComponent("model.safetensors")),
                "all-MiniLM-L6-v2 is not unpacked in .cache/models (run `make model`)"))
struct ModelMiniLMTests {
    static let labels = ["sadness", "joy", "love", "anger", "fear", "surprise"]

    /// Loads MiniLM with a new head, then overwrites the head with the fixture's weights.
    func loadWithFixtureHead() throws -> (SequenceClassifier, [String]) {
        var messages: [String] = []
        let model = try SequenceClassifier.load(folder: TestPaths.miniLM, labelNames: Self.labels, seed: 5) { messages.append($0) }
        let expected = try ModelFixtures.expected("minilm")
        for named in model.namedParameters where named.name.hasPrefix("classifier.") {
            try expected.readFloats(named.name, into: named.values, count: named.count)
        }
        return (model, messages)
    }

    static func texts() throws -> [[Int32]] {
        let data = try Data(contentsOf: ModelFixtures.folder("minilm").appendingPathComponent("inputs.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (object["ids"] as! [[NSNumber]]).map { $0.map { Int32($0.intValue) } }
    }

    @Test func newHeadIsAnnouncedOnce() throws {
        let (model, messages) = try loadWithFixtureHead()
        #expect(messages.count == 1)
        #expect(messages.first?.contains("classifier.weight") == true)
        #expect(model.labelNames == Self.labels)
        #expect(model.maxSequenceLength == 512)
    }

    @Test func logitsMatchPerText() throws {
        let (model, _) = try loadWithFixtureHead()
        let expected = try ModelFixtures.expected("minilm")
        for (index, ids) in try Self.texts().enumerated() {
            let batch = Batch(ids: ids, attentionMask: Array(repeating: 1, count: ids.count), labels: [],
                              batchSize: 1, sequenceLength: ids.count)
            let logits = try model.predict(batch).logits
            let mismatch = compare(logits, try expected.floats("logits.\(index)"), atol: 1e-4)
            #expect(mismatch == nil, "text \(index) (\(ids.count) tokens): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func logitsMatchInOnePaddedBatch() throws {
        let (model, _) = try loadWithFixtureHead()
        let expected = try ModelFixtures.expected("minilm")
        let texts = try Self.texts()
        let length = texts.map(\.count).max()!
        var ids: [Int32] = [], mask: [Int32] = []
        for text in texts {
            ids += text + Array(repeating: 0, count: length - text.count)
            mask += Array(repeating: 1, count: text.count) + Array(repeating: 0, count: length - text.count)
        }
        let batch = Batch(ids: ids, attentionMask: mask, labels: [], batchSize: texts.count, sequenceLength: length)
        let logits = try model.predict(batch).logits
        for index in texts.indices {
            let row = Array(logits[index * 6 ..< (index + 1) * 6])
            let mismatch = compare(row, try expected.floats("logits.\(index)"), atol: 1e-4)
            #expect(mismatch == nil, "text \(index) padded to \(length): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func tooLongInputIsRejected() throws {
        let (model, _) = try loadWithFixtureHead()
        let ids = [Int32](repeating: 1000, count: 513)
        let batch = Batch(ids: ids, attentionMask: Array(repeating: 1, count: 513), labels: [], batchSize: 1, sequenceLength: 513)
        #expect(throws: ModelError.sequenceTooLong(row: 0, length: 513, maximum: 512)) { try model.predict(batch) }
    }
}
