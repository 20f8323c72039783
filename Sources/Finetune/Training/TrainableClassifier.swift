import Foundation

/// What the trainer needs from a model: train-mode gradients, eval-mode logits, gradient
/// utilities for loss scaling and clipping, and saving. `SequenceClassifier` conforms.
public protocol TrainableClassifier: AnyObject {
    var labelNames: [String] { get }
    var precision: Precision { get set }

    /// Eval-mode forward (no dropout): logits (B, labels) row-major, and the mean loss when the batch has labels.
    func predict(_ batch: Batch) throws -> (logits: [Float], loss: Float?)
    /// Train-mode forward and backward. Gradients are overwritten with d(loss * lossScale)/dθ.
    /// Returns the unscaled mean loss.
    func computeGradients(_ batch: Batch, lossScale: Float, dropoutSeed: UInt64) throws -> Float
    /// Divides every gradient by `scale`. Returns false when any gradient is inf or NaN.
    func unscaleGradients(by scale: Float) -> Bool
    /// Returns the global L2 norm of all gradients.
    func gradientNorm() -> Float
    /// Scales gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
    func clipGradients(maxNorm: Float) -> Float
    /// Names the first layer and pass (forward or backward) that produces inf/NaN on `batch`, if any.
    func locateNonFinite(_ batch: Batch) -> String?
    /// Writes the model as a Hugging Face folder, atomically.
    func save(to folder: URL, tokenizerSource: URL?) throws
}

/// What the trainer needs from an optimizer.
public protocol GradientOptimizer: AnyObject {
    /// Applies one update with the current gradients.
    func step(learningRate: Float)
    /// Updates applied so far; skipped fp16 steps do not count.
    var stepCount: Int { get }
}

extension SequenceClassifier: TrainableClassifier {}
extension AdamW: GradientOptimizer {}
