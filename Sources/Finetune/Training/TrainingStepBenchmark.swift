import Dispatch
import Foundation

/// Times full training steps (forward, backward and one AdamW update) on random token ids.
public enum TrainingStepBenchmark {
    /// Returns a config of the roberta-base shape: vocabulary 50265, hidden 768, 12 layers of 12
    /// heads, feed-forward 3072, 514 positions, with `labels` outputs.
    public static func robertaBaseConfig(labels: Int = 6) -> EncoderConfig {
        let fields: [String: EncoderConfig.JSONValue] = [
            "model_type": .string("roberta"), "vocab_size": .int(50265), "hidden_size": .int(768),
            "num_hidden_layers": .int(12), "num_attention_heads": .int(12), "intermediate_size": .int(3072),
            "max_position_embeddings": .int(514), "type_vocab_size": .int(1), "pad_token_id": .int(1),
            "bos_token_id": .int(0), "eos_token_id": .int(2), "layer_norm_eps": .double(1e-5),
            "hidden_dropout_prob": .double(0.1), "attention_probs_dropout_prob": .double(0.1),
            "initializer_range": .double(0.02), "hidden_act": .string("gelu"),
        ]
        // The fields above satisfy every check of EncoderConfig(fields:).
        return try! EncoderConfig(fields: fields)
    }

    /// Returns a batch of `batchSize` x `sequenceLength` random ids from 4..<V (no special or pad
    /// ids), every position unmasked, and random labels.
    public static func randomBatch(vocabularySize: Int, labelCount: Int, batchSize: Int, sequenceLength: Int, seed: UInt64 = 7) -> Batch {
        var generator = Philox(seed: seed)
        let ids = (0..<batchSize * sequenceLength).map { _ in Int32(4 + generator.nextInt(below: vocabularySize - 4)) }
        let labels = (0..<batchSize).map { _ in Int32(generator.nextInt(below: labelCount)) }
        return Batch(ids: ids, attentionMask: Array(repeating: 1, count: ids.count), labels: labels,
                     batchSize: batchSize, sequenceLength: sequenceLength)
    }

    /// Runs `warmupSteps` untimed steps and then `steps` timed ones on `model` in `precision`;
    /// returns the seconds of each timed step. Each step computes gradients with dropout and
    /// applies AdamW (lr 1e-5), as a training step does.
    public static func run(model: SequenceClassifier, batchSize: Int, sequenceLength: Int, precision: Precision,
                           steps: Int, warmupSteps: Int = 1, progress: (Int, Double) -> Void = { _, _ in }) throws -> [Double] {
        model.precision = precision
        let optimizer = AdamW(model: model)
        let batch = randomBatch(vocabularySize: model.config.vocabSize, labelCount: model.labelNames.count,
                                batchSize: batchSize, sequenceLength: sequenceLength)
        var times: [Double] = []
        for step in 0..<(warmupSteps + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: UInt64(step))
            optimizer.step(learningRate: 1e-5)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if step >= warmupSteps {
                times.append(seconds)
                progress(step - warmupSteps, seconds)
            }
        }
        return times
    }

    /// As `run(model:...)` on a new model with random weights built from `config`.
    public static func run(config: EncoderConfig, labels: Int = 6, batchSize: Int, sequenceLength: Int, precision: Precision,
                           steps: Int, warmupSteps: Int = 1, progress: (Int, Double) -> Void = { _, _ in }) throws -> [Double] {
        let model = SequenceClassifier(config: config, labelNames: (0..<labels).map { "LABEL_\($0)" }, seed: 42)
        return try run(model: model, batchSize: batchSize, sequenceLength: sequenceLength, precision: precision,
                       steps: steps, warmupSteps: warmupSteps, progress: progress)
    }
}
