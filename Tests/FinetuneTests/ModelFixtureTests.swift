import Foundation
import Testing
import Finetune

/// The tiny RoBERTa and BERT models against transformers (scripts/make_model_fixtures.py).
@Suite struct ModelFixtureTests {
    static let models = ["roberta-tiny", "bert-tiny"]

    @Test(arguments: models)
    func logitsAndLossMatch(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        let expected = try ModelFixtures.expected(name)
        let (logits, loss) = try model.predict(try ModelFixtures.batch(name))
        // Both sides compute in fp32; differences come from summation order only.
        let mismatch = compare(logits, try expected.floats("logits"), atol: 1e-4)
        #expect(mismatch == nil, "\(name) logits: \(mismatch.map(String.init(describing:)) ?? "")")
        #expect(abs(loss! - (try expected.floats("loss"))[0]) < 1e-5)
    }

    @Test(arguments: models)
    func gradientsMatch(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        let expected = try ModelFixtures.expected(name)
        let loss = try model.computeGradients(try ModelFixtures.batch(name), lossScale: 1, dropoutSeed: 0)
        #expect(abs(loss - (try expected.floats("loss"))[0]) < 1e-5)

        let prefix = name.hasPrefix("roberta") ? "roberta." : "bert."
        for named in model.namedParameters {
            let fileName = named.name.hasPrefix("classifier.") ? named.name : prefix + named.name
            let reference = try expected.floats("grad.\(fileName)")
            let actual = Array(UnsafeBufferPointer(start: named.gradients, count: named.count))
            // fp32 on both sides, differing only in summation order (observed max 3e-8 absolute).
            let mismatch = compare(actual, reference, atol: 1e-6, rtol: 1e-4)
            #expect(mismatch == nil, "\(name) gradient of \(fileName): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test(arguments: models)
    func threeAdamWStepsMatch(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        let expected = try ModelFixtures.expected(name)
        let batch = try ModelFixtures.batch(name)
        let optimizer = AdamW(model: model)
        var losses: [Float] = []
        for _ in 0..<3 {
            losses.append(try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0))
            optimizer.step(learningRate: 1e-3)
        }
        #expect(optimizer.stepCount == 3)
        let lossMismatch = compare(losses, try expected.floats("adamw3.losses"), atol: 1e-5)
        #expect(lossMismatch == nil, "\(name) losses: \(lossMismatch.map(String.init(describing:)) ?? "")")

        let prefix = name.hasPrefix("roberta") ? "roberta." : "bert."
        for named in model.namedParameters {
            let fileName = named.name.hasPrefix("classifier.") ? named.name : prefix + named.name
            let reference = try expected.floats("adamw3.\(fileName)")
            let actual = Array(UnsafeBufferPointer(start: named.values, count: named.count))
            // Adam divides m by √v, which magnifies rounding noise in near-zero gradients (observed
            // max difference 4.4e-7 after 3 steps of lr 1e-3).
            let mismatch = compare(actual, reference, atol: 1e-5)
            #expect(mismatch == nil, "\(name) after 3 steps, \(fileName): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test(arguments: models)
    func fiveStepsEndOnSameLogits(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        let batch = try ModelFixtures.batch(name, key: "batch8")
        let optimizer = AdamW(model: model)
        for _ in 0..<5 {
            _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0)
            optimizer.step(learningRate: 1e-4)
        }
        let logits = try model.predict(batch).logits
        let mismatch = compare(logits, try ModelFixtures.expected(name).floats("adamw5.logits"), atol: 2e-3)
        #expect(mismatch == nil, "\(name) logits after 5 steps: \(mismatch.map(String.init(describing:)) ?? "")")
    }

    @Test(arguments: models)
    func logitsIgnoreExtraPadding(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        let batch = try ModelFixtures.batch(name)
        let pad = Int32(model.config.padTokenId)
        let extra = 9, wide = batch.sequenceLength + extra
        var ids: [Int32] = [], mask: [Int32] = []
        for row in 0..<batch.batchSize {
            let range = row * batch.sequenceLength ..< (row + 1) * batch.sequenceLength
            ids += batch.ids[range] + Array(repeating: pad, count: extra)
            mask += batch.attentionMask[range] + Array(repeating: 0, count: extra)
        }
        let padded = Batch(ids: ids, attentionMask: mask, labels: batch.labels, batchSize: batch.batchSize, sequenceLength: wide)
        let difference = maxAbsDifference(try model.predict(padded).logits, try model.predict(batch).logits)
        #expect(difference < 1e-5)
    }
}
