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
        let cpu = CPUFeatures.current
        Console.log("Benchmark: \(model.config.modelType) \(formatCount(model.parameterCount)) parameters, batch \(batchSize) x \(sequenceLength), \(precision.rawValue), \(cpu.logicalCores) threads, \(cpu.summary)")

        // One untimed warm-up step (primitive creation, first touch of buffers), then the timed steps.
        let times = try TrainingStepBenchmark.run(model: model, batchSize: batchSize, sequenceLength: sequenceLength,
                                                  precision: precision, steps: steps, warmupSteps: 1) { index, seconds in
            Console.log(String(format: "step %d: %.3f s", index + 1, seconds))
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
}
