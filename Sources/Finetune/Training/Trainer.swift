import Foundation

/// Settings of one training run. Defaults are the reference recipe: constant learning rate 5e-5,
/// 3 epochs, no warm-up, no clipping.
public struct TrainingOptions: Sendable {
    public var epochs = 3
    /// Stops after this many batches when set, even in the middle of an epoch.
    public var maxSteps: Int?
    public var learningRate: Float = 5e-5
    public var schedule: LearningRateSchedule.Kind = .constant
    public var warmupSteps = 0
    public var maxGradNorm: Float?
    public var precision: Precision = .fp32
    public var seed: UInt64 = 42
    /// Writes a `metrics.jsonl` step record every this many steps (and always the last step).
    public var logEvery = 10

    public init() {}
}

/// The training loop: forward, loss, backward, (unscale and check), AdamW, then per epoch the
/// validation loss and an atomic checkpoint.
public final class Trainer {
    public let model: any TrainableClassifier
    public let optimizer: any GradientOptimizer
    public let options: TrainingOptions
    /// The batches of epoch k (1-based). Called once per epoch so shuffling can depend on the epoch.
    public let trainBatches: (Int) -> [Batch]
    public let validationBatches: [Batch]
    /// Where checkpoints and `metrics.jsonl` go; nil trains without writing anything.
    public let output: URL?
    public let tokenizerSource: URL?

    public init(model: any TrainableClassifier, optimizer: any GradientOptimizer, options: TrainingOptions,
                trainBatches: @escaping (Int) -> [Batch], validationBatches: [Batch],
                output: URL?, tokenizerSource: URL?) {
        self.model = model
        self.optimizer = optimizer
        self.options = options
        self.trainBatches = trainBatches
        self.validationBatches = validationBatches
        self.output = output
        self.tokenizerSource = tokenizerSource
    }

    /// Runs every epoch (or `maxSteps` batches) and returns the summary.
    public func run(onEvent: (TrainingEvent) -> Void) throws -> TrainingSummary {
        let runStart = Date()
        model.precision = options.precision
        let metrics = output.map { MetricsLog(url: $0.appendingPathComponent("metrics.jsonl")) }

        // Batches per epoch, cut short by maxSteps.
        let epochBatches = (1...max(1, options.epochs)).map { epoch in trainBatches(epoch) }
        var stepsPerEpoch = epochBatches.map(\.count)
        if let maxSteps = options.maxSteps {
            var left = maxSteps
            stepsPerEpoch = stepsPerEpoch.map { count in
                defer { left -= min(left, count) }
                return min(left, count)
            }
            while stepsPerEpoch.count > 1, stepsPerEpoch.last == 0 { stepsPerEpoch.removeLast() }
        }
        let totalSteps = stepsPerEpoch.reduce(0, +)
        guard totalSteps > 0 else { throw TrainingError.emptySplit(name: "train") }
        let schedule = LearningRateSchedule(kind: options.schedule, peak: options.learningRate,
                                            warmupSteps: options.warmupSteps, totalSteps: totalSteps)
        onEvent(.started(totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch))

        var state = LoopState(scaler: options.precision == .fp16 ? LossScaler() : nil)
        var summary = TrainingSummary(steps: 0, optimizerSteps: 0, examples: 0, epochsCompleted: 0, trainSeconds: 0, totalSeconds: 0,
                                      trainLossPerEpoch: [], validationLossPerEpoch: [], skippedSteps: 0,
                                      finalLossScale: nil, peakMemoryBytes: nil)

        for (index, steps) in stepsPerEpoch.enumerated() {
            let epoch = index + 1
            onEvent(.epochStarted(epoch: epoch, steps: steps))
            var lossSum: Double = 0
            for (stepInEpoch, batch) in epochBatches[index].prefix(steps).enumerated() {
                let report = try trainOneStep(batch, schedule: schedule, state: &state, epoch: epoch,
                                              stepInEpoch: stepInEpoch + 1, stepsInEpoch: steps,
                                              totalSteps: totalSteps, onEvent: onEvent)
                lossSum += Double(report.loss)
                summary.examples += batch.batchSize
                if report.step % options.logEvery == 0 || report.step == totalSteps || stepInEpoch + 1 == steps {
                    try metrics?.append(stepRecord(report))
                }
            }

            // Validation loss, weighted by examples like transformers' Trainer.
            let validationLoss = try validationBatches.isEmpty ? nil : evaluateLoss(validationBatches)
            let trainLoss = Float(lossSum / Double(max(1, steps)))
            summary.trainLossPerEpoch.append(trainLoss)
            if let validationLoss { summary.validationLossPerEpoch.append(validationLoss) }
            summary.epochsCompleted = epoch
            let elapsed = Date().timeIntervalSince(runStart)
            onEvent(.epochFinished(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss, elapsedSeconds: elapsed))
            var record: [String: Any] = ["epoch": epoch, "train_loss": jsonNumber(trainLoss),
                                          "elapsed_seconds": (elapsed * 1000).rounded() / 1000]
            if let validationLoss { record["val_loss"] = jsonNumber(validationLoss) }
            try metrics?.append(record)

            // Checkpoint: the save replaces the folder atomically, so the log is written back after it.
            if let output {
                try model.save(to: output, tokenizerSource: tokenizerSource)
                try metrics?.flush()
                onEvent(.checkpointSaved(output))
            }
        }

        summary.steps = state.step
        summary.optimizerSteps = optimizer.stepCount
        summary.trainSeconds = state.trainSeconds
        summary.totalSeconds = Date().timeIntervalSince(runStart)
        summary.skippedSteps = state.scaler?.totalSkips ?? 0
        summary.finalLossScale = state.scaler?.scale
        summary.peakMemoryBytes = MemoryUsage.peakResidentBytes()
        return summary
    }

    /// Mean loss over `batches`, weighted by the number of examples in each.
    public func evaluateLoss(_ batches: [Batch]) throws -> Float {
        var total: Double = 0
        var count = 0
        for batch in batches {
            let (_, loss) = try model.predict(batch)
            total += Double(loss ?? 0) * Double(batch.batchSize)
            count += batch.batchSize
        }
        return Float(total / Double(max(1, count)))
    }

    // MARK: - One step

    private struct LoopState {
        var scaler: LossScaler?
        var step = 0
        var trainSeconds: Double = 0
        /// Exponential moving average of examples per second; step 1 is left out as warm-up.
        var examplesPerSecond: Double = 0
        /// The first batch's size: the last batch of an epoch may be smaller, and must not skew the ETA.
        var nominalBatchSize = 0
    }

    private func trainOneStep(_ batch: Batch, schedule: LearningRateSchedule, state: inout LoopState, epoch: Int,
                              stepInEpoch: Int, stepsInEpoch: Int, totalSteps: Int,
                              onEvent: (TrainingEvent) -> Void) throws -> StepReport {
        let start = DispatchTime.now().uptimeNanoseconds
        state.step += 1
        let learningRate = schedule.rate(atStep: optimizer.stepCount)
        let lossScale = state.scaler?.scale ?? 1

        // Forward and backward; the dropout seed differs per step but is fixed by the run's seed.
        let loss = try model.computeGradients(batch, lossScale: lossScale,
                                              dropoutSeed: options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(state.step))

        // fp16: unscale, then skip the step on overflow. fp32/bf16: inf/NaN stops the run.
        var applyStep = true
        if var scaler = state.scaler {
            let finite = model.unscaleGradients(by: lossScale) && loss.isFinite
            applyStep = try scaler.update(gradientsFinite: finite)
            state.scaler = scaler
            if !applyStep { onEvent(.stepSkipped(step: state.step, lossScale: scaler.scale)) }
        } else if !loss.isFinite || !model.gradientNorm().isFinite {
            throw TrainingError.nonFinite(step: state.step, location: model.locateNonFinite(batch))
        }
        if applyStep {
            if let maxGradNorm = options.maxGradNorm { _ = model.clipGradients(maxNorm: maxGradNorm) }
            optimizer.step(learningRate: learningRate)
        }

        // Throughput and ETA.
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        state.trainSeconds += seconds
        if state.nominalBatchSize == 0 { state.nominalBatchSize = batch.batchSize }
        let rate = Double(batch.batchSize) / max(seconds, 1e-9)
        if state.step == 2 || (state.step > 2 && state.examplesPerSecond == 0) {
            state.examplesPerSecond = rate
        } else if state.step > 2 {
            state.examplesPerSecond = 0.9 * state.examplesPerSecond + 0.1 * rate
        }
        let perStep = state.examplesPerSecond > 0 ? Double(state.nominalBatchSize) / state.examplesPerSecond : seconds
        let report = StepReport(step: state.step, totalSteps: totalSteps, epoch: epoch, stepInEpoch: stepInEpoch,
                                stepsInEpoch: stepsInEpoch, loss: loss, learningRate: learningRate,
                                lossScale: state.scaler?.scale, skippedSteps: state.scaler?.totalSkips ?? 0,
                                examplesPerSecond: state.step == 1 ? rate : state.examplesPerSecond,
                                etaSeconds: perStep * Double(totalSteps - state.step), stepSeconds: seconds)
        onEvent(.step(report))
        return report
    }

    private func stepRecord(_ report: StepReport) -> [String: Any] {
        var record: [String: Any] = [
            "step": report.step, "epoch": report.epoch, "loss": jsonNumber(report.loss), "lr": jsonNumber(report.learningRate),
            "skipped_steps": report.skippedSteps, "examples_per_second": (report.examplesPerSecond * 100).rounded() / 100,
        ]
        if let scale = report.lossScale { record["loss_scale"] = jsonNumber(scale) }
        return record
    }
}
