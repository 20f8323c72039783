import Foundation
import Testing
import Finetune

/// Gradients with dropout (finite differences), loss scaling, clipping and non-finite detection.
@Suite struct ModelGradientTests {
    /// Builds the tiny RoBERTa with dropout everywhere and larger weights, so gradients are large.
    func droppingModel() throws -> SequenceClassifier {
        let url = ModelFixtures.folder("roberta-tiny").appendingPathComponent("config.json")
        var fields = try JSONDecoder().decode([String: EncoderConfig.JSONValue].self, from: Data(contentsOf: url))
        fields["hidden_dropout_prob"] = .double(0.2)
        fields["attention_probs_dropout_prob"] = .double(0.2)
        fields["classifier_dropout"] = .double(0.3)
        fields["initializer_range"] = .double(0.3)
        return SequenceClassifier(config: try EncoderConfig(fields: fields), labelNames: ["a", "b", "c"], seed: 17)
    }

    @Test func dropoutGradientsMatchFiniteDifferences() throws {
        let model = try droppingModel()
        let batch = try ModelFixtures.batch("roberta-tiny")
        let seed: UInt64 = 99
        _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: seed)
        let analytic = model.parameterGradients.toFloatArray()

        // One element from every named tensor that has a nonzero gradient somewhere.
        var checked = 0
        for named in model.namedParameters {
            let gradients = UnsafeBufferPointer(start: named.gradients, count: named.count)
            guard let index = gradients.indices.max(by: { abs(gradients[$0]) < abs(gradients[$1]) }), gradients[index] != 0 else { continue }
            let flat = named.values - model.parameterValues.floats + index
            let original = named.values[index]
            let step: Float = 1e-2
            named.values[index] = original + step
            let plus = try model.computeGradients(batch, lossScale: 1, dropoutSeed: seed)
            named.values[index] = original - step
            let minus = try model.computeGradients(batch, lossScale: 1, dropoutSeed: seed)
            named.values[index] = original
            let numeric = (plus - minus) / (2 * step)
            // Central differences in fp32: O(step²) curvature error plus ~1e-6/step rounding.
            #expect(abs(numeric - analytic[flat]) <= 2e-3 + 0.05 * abs(analytic[flat]),
                    "\(named.name)[\(index)]: analytic \(analytic[flat]), numeric \(numeric)")
            checked += 1
        }
        #expect(checked > 30)
    }

    @Test func dropoutSeedFixesTheMasks() throws {
        let model = try droppingModel()
        let batch = try ModelFixtures.batch("roberta-tiny")
        let first = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 1)
        let again = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 1)
        let other = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 2)
        #expect(first == again)
        #expect(first != other)
        // Evaluation runs without dropout, so it differs from every training loss.
        let evaluation = try model.predict(batch).loss!
        #expect(evaluation != first)
    }

    @Test func lossScaleScalesGradientsOnly() throws {
        let model = try ModelFixtures.load("bert-tiny")
        let batch = try ModelFixtures.batch("bert-tiny")
        let loss = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0)
        let plain = model.parameterGradients.toFloatArray()
        let scaledLoss = try model.computeGradients(batch, lossScale: 1024, dropoutSeed: 0)
        #expect(scaledLoss == loss)
        #expect(model.unscaleGradients(by: 1024))
        let mismatch = compare(model.parameterGradients.toFloatArray(), plain, atol: 1e-9, rtol: 1e-6)
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }

    @Test func clippingFollowsTorch() throws {
        let model = try ModelFixtures.load("roberta-tiny")
        _ = try model.computeGradients(try ModelFixtures.batch("roberta-tiny"), lossScale: 1, dropoutSeed: 0)
        let before = model.parameterGradients.toFloatArray()
        let norm = model.gradientNorm()
        let expected = Float(before.map { Double($0) * Double($0) }.reduce(0, +).squareRoot())
        #expect(abs(norm - expected) <= 1e-6 * expected)

        // A max norm above the norm leaves the gradients alone.
        #expect(model.clipGradients(maxNorm: norm * 2) == norm)
        #expect(model.parameterGradients.toFloatArray() == before)

        let clippedNorm = model.clipGradients(maxNorm: norm / 4)
        #expect(clippedNorm == norm)
        #expect(abs(model.gradientNorm() - norm / 4) <= 1e-5 * norm)
    }

    @Test func nonFiniteValuesAreLocated() throws {
        let model = try ModelFixtures.load("roberta-tiny")
        let batch = try ModelFixtures.batch("roberta-tiny")
        #expect(model.locateNonFinite(batch) == nil)
        _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0)
        model.parameterGradients.floats[3] = .infinity
        #expect(!model.unscaleGradients(by: 1))

        let query = model.namedParameters.first { $0.name == "encoder.layer.1.attention.self.query.weight" }!
        query.values[5] = .nan
        #expect(model.locateNonFinite(batch) == "forward: layer 1 attention")
        #expect(throws: ModelError.self) { try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0) }
        do {
            _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0)
        } catch let error as ModelError {
            #expect(error.description.contains("layer 1 attention"))
        }
    }

    @Test func unlabeledBatchCannotTrain() throws {
        let model = try ModelFixtures.load("bert-tiny")
        var batch = try ModelFixtures.batch("bert-tiny")
        batch.labels = []
        #expect(throws: ModelError.unlabeledBatch) { try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0) }
        #expect(try model.predict(batch).loss == nil)
    }

    @Test(arguments: [Precision.fp32, .bf16])
    func benchmarkTimesEveryStep(_ precision: Precision) throws {
        let config = try EncoderConfig.load(ModelFixtures.folder("bert-tiny").appendingPathComponent("config.json"))
        var reported: [Int] = []
        let times = try TrainingStepBenchmark.run(config: config, labels: 3, batchSize: 2, sequenceLength: 8, precision: precision,
                                                  steps: 3, warmupSteps: 1) { step, _ in reported.append(step) }
        #expect(times.count == 3)
        #expect(times.allSatisfy { $0 > 0 })
        #expect(reported == [0, 1, 2])
    }
}
