import Finetune
import Foundation

/// `finetune train`: fine-tune, checkpoint each epoch, write metrics.jsonl and a summary.
enum TrainCommand {
    /// Written into the output folder after training; `compare` reads it.
    static let summaryFileName = "training_summary.json"

    /// Validates every training option and returns them, before any work starts.
    static func trainingOptions(_ arguments: ParsedArguments) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.epochs = try arguments.int("epochs", in: 1...10_000)!
        options.maxSteps = try arguments.int("max-steps", in: 1...Int.max)
        options.learningRate = try arguments.float("lr", in: Float.leastNonzeroMagnitude...10)!
        options.schedule = try arguments.choice("schedule", as: LearningRateSchedule.Kind.self)!
        options.warmupSteps = try arguments.int("warmup-steps", in: 0...Int.max)!
        options.maxGradNorm = try arguments.float("max-grad-norm", in: Float.leastNonzeroMagnitude...Float.greatestFiniteMagnitude)
        options.precision = try arguments.choice("precision", as: Precision.self) ?? .fp32
        options.seed = UInt64(try arguments.int("seed", in: 0...Int.max)!)
        options.logEvery = try arguments.int("log-every", in: 1...Int.max)!
        _ = try arguments.int("batch-size", in: 1...65_536)
        _ = try arguments.float("weight-decay", in: 0...10)
        _ = try arguments.int("max-length", in: 2...1_000_000)
        _ = try arguments.choice("padding", as: Padding.self)
        _ = try arguments.list("labels")
        return options
    }

    static func run(_ arguments: ParsedArguments) throws {
        let options = try trainingOptions(arguments)
        let output = URL(fileURLWithPath: try arguments.required("output"))
        try checkOutput(output)
        let session = try TrainingSession(arguments, splits: [.train, .validation], precision: options.precision)

        let train = session.data.splits[.train] ?? []
        guard !train.isEmpty else { throw TrainingError.emptySplit(name: "train") }
        let batcher = try session.batcher(train, shuffle: !arguments.flag("no-shuffle"), seed: options.seed)
        let validation = session.data.splits[.validation].map { examples in
            (try? session.batcher(examples, shuffle: false, seed: options.seed))?.batches(epoch: 1).map { $0 } ?? []
        } ?? []
        if session.data.splits[.validation] == nil {
            Console.log("No validation split found: validation loss is not computed.")
        }

        // The optimizer and the loop.
        let weightDecay = try arguments.float("weight-decay", in: 0...10)!
        let optimizer = AdamW(model: session.model, weightDecay: weightDecay)
        let trainer = Trainer(model: session.model, optimizer: optimizer, options: options,
                              trainBatches: { epoch in Array(batcher.batches(epoch: epoch)) },
                              validationBatches: validation, output: output, tokenizerSource: session.modelFolder)
        let display = ProgressDisplay(lineEvery: options.logEvery)
        let summary = try trainer.run(onEvent: display.handle)

        // The summary lands next to the model, for `compare` and for people.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: output.appendingPathComponent(summaryFileName), options: .atomic)
        let throughput = Double(summary.examples) / max(summary.trainSeconds, 1e-9)
        Console.log("Done: \(summary.steps) step\(summary.steps == 1 ? "" : "s") in \(formatDuration(summary.totalSeconds)) "
            + "(training \(String(format: "%.1f", summary.trainSeconds)) s, \(String(format: "%.1f", throughput)) examples/s"
            + (summary.skippedSteps > 0 ? ", \(summary.skippedSteps) fp16 steps skipped" : "")
            + (summary.peakMemoryBytes.map { ", peak memory \(formatBytes($0))" } ?? "") + ")")
        Console.log("Model saved to \(output.path)")
    }

    /// Rejects an output path that is a file, or a non-empty folder that contains no model, so a
    /// typo cannot replace an unrelated folder.
    static func checkOutput(_ output: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) else {
            // The folder is created at the first checkpoint; check now that it can be, so a bad
            // path fails before training instead of after an epoch.
            var ancestor = output.deletingLastPathComponent()
            while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), ancestor.path != "/" {
                ancestor = ancestor.deletingLastPathComponent()
            }
            guard isDirectory.boolValue, FileManager.default.isWritableFile(atPath: ancestor.path) else {
                throw UsageError("Cannot create --output folder '\(output.path)': '\(ancestor.path)' is a file or is not writable. Pass another folder.")
            }
            return
        }
        guard isDirectory.boolValue else {
            throw UsageError("--output '\(output.path)' is a file. Pass a folder path.")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        guard FileManager.default.isWritableFile(atPath: output.path) else {
            throw UsageError("--output '\(output.path)' is not writable. Pass a folder you can write to.")
        }
        let isModel = contents.contains("config.json") || contents.contains("metrics.jsonl") || contents.contains("report.json")
        guard contents.isEmpty || isModel else {
            throw UsageError("--output '\(output.path)' is a non-empty folder without a model. Pass a new or empty folder, or a previous output folder to replace.")
        }
    }
}
