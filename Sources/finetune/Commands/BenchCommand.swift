import Finetune
import Foundation

/// `finetune bench`: times full training steps (forward, backward, AdamW) on random token ids.
/// The last line with `--json` is an object with `step_seconds_median` and every step's time.
enum BenchCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let batchSize = try arguments.int("batch-size", in: 1...65_536)!
        let sequenceLength = try arguments.int("seq-len", in: 2...100_000)!
        let steps = try arguments.int("steps", in: 1...10_000)!
        let labelCount = try arguments.int("labels", in: 2...100_000)!
        let precision = try arguments.choice("precision", as: Precision.self) ?? .fp32
        let folder = URL(fileURLWithPath: try arguments.required("model"))
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw UsageError("No config.json in '\(folder.path)'. Pass a model folder; weights are optional for bench.")
        }

        // The pretrained weights when the folder has them, random ones otherwise: timing is the same.
        let labels = (0..<labelCount).map { "LABEL_\($0)" }
        let hasWeights = ["model.safetensors", "model.safetensors.index.json"].contains {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
        let model = hasWeights
            ? try SequenceClassifier.load(folder: folder, labelNames: labels, seed: 42, log: { _ in })
            : SequenceClassifier(config: try EncoderConfig.load(configURL), labelNames: labels, seed: 42)
        guard sequenceLength <= model.maxSequenceLength else {
            throw UsageError("--seq-len \(sequenceLength) exceeds the model maximum of \(model.maxSequenceLength) tokens.")
        }
        model.precision = precision
        let optimizer = AdamW(model: model)
        let batch = randomBatch(config: model.config, batchSize: batchSize, sequenceLength: sequenceLength, labelCount: labelCount)

        // One warm-up step (primitive creation, first-touch of buffers), then the timed steps.
        let cpu = CPUFeatures.current
        Console.log("Benchmark: \(model.config.modelType) \(formatCount(model.parameterCount)) parameters, batch \(batchSize) x \(sequenceLength), \(precision.rawValue), \(cpu.logicalCores) threads, \(cpu.summary)")
        var times: [Double] = []
        for step in 0...steps {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: UInt64(step))
            optimizer.step(learningRate: 5e-5)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if step > 0 {
                times.append(seconds)
                Console.log(String(format: "step %d: %.3f s", step, seconds))
            }
        }
        let median = times.sorted()[times.count / 2]
        let peak = MemoryUsage.peakResidentBytes()
        if arguments.flag("json") {
            let object: [String: Any] = [
                "step_seconds_median": median, "step_seconds": times, "batch_size": batchSize, "seq_len": sequenceLength,
                "precision": precision.rawValue, "parameters": model.parameterCount, "peak_memory_bytes": peak ?? NSNull(),
                "threads": cpu.logicalCores,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            Console.output(String(decoding: data, as: UTF8.self))
        } else {
            Console.output(String(format: "median step: %.3f s (%.1f examples/s), peak memory %@", median,
                                  Double(batchSize) / median, peak.map(formatBytes) ?? "n/a"))
        }
    }

    /// Random ids that avoid the special tokens 0...3 (pad, start, end, unknown in both families).
    static func randomBatch(config: EncoderConfig, batchSize: Int, sequenceLength: Int, labelCount: Int) -> Batch {
        var generator = Philox(seed: 7)
        let ids = (0..<batchSize * sequenceLength).map { _ in Int32(4 + generator.nextInt(below: config.vocabSize - 4)) }
        let labels = (0..<batchSize).map { _ in Int32(generator.nextInt(below: labelCount)) }
        return Batch(ids: ids, attentionMask: Array(repeating: 1, count: ids.count), labels: labels,
                     batchSize: batchSize, sequenceLength: sequenceLength)
    }
}
