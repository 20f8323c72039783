import Foundation

/// One logged optimizer step.
public struct StepReport: Sendable {
    /// 1-based count of batches trained so far, skipped fp16 steps included.
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    public var stepInEpoch: Int
    public var stepsInEpoch: Int
    /// Mean training loss of this batch.
    public var loss: Float
    public var learningRate: Float
    /// The fp16 loss scale after this step; nil in fp32 and bf16.
    public var lossScale: Float?
    public var skippedSteps: Int
    /// Training examples per second, an exponential moving average that leaves out step 1 (warm-up).
    public var examplesPerSecond: Double
    /// Estimated seconds left in the run, from the moving average.
    public var etaSeconds: Double
    public var stepSeconds: Double
}

/// What the trainer reports while it runs. The command-line tool renders these as a progress
/// bar or plain lines.
public enum TrainingEvent: Sendable {
    case started(totalSteps: Int, stepsPerEpoch: [Int])
    case epochStarted(epoch: Int, steps: Int)
    case step(StepReport)
    case stepSkipped(step: Int, lossScale: Float)
    case epochFinished(epoch: Int, trainLoss: Float, validationLoss: Float?, elapsedSeconds: Double)
    case checkpointSaved(URL)
}

/// The outcome of a training run.
public struct TrainingSummary: Sendable, Codable {
    public var steps: Int
    public var optimizerSteps: Int
    /// Training examples processed, skipped fp16 steps included.
    public var examples: Int
    public var epochsCompleted: Int
    /// Seconds in forward, backward and optimizer steps (validation and checkpoint writes excluded).
    public var trainSeconds: Double
    /// Seconds for the whole run, validation and checkpoint writes included.
    public var totalSeconds: Double
    public var trainLossPerEpoch: [Float]
    public var validationLossPerEpoch: [Float]
    public var skippedSteps: Int
    public var finalLossScale: Float?
    public var peakMemoryBytes: Int?

    enum CodingKeys: String, CodingKey {
        case steps
        case optimizerSteps = "optimizer_steps"
        case examples
        case epochsCompleted = "epochs_completed"
        case trainSeconds = "train_seconds"
        case totalSeconds = "total_seconds"
        case trainLossPerEpoch = "train_loss_per_epoch"
        case validationLossPerEpoch = "validation_loss_per_epoch"
        case skippedSteps = "skipped_steps"
        case finalLossScale = "final_loss_scale"
        case peakMemoryBytes = "peak_memory_bytes"
    }
}
