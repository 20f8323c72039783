/// Learning rate per optimizer step, as transformers' schedules define it.
///
/// `constant` is the reference recipe. With `warmupSteps` > 0 the rate rises linearly from 0 over
/// the warm-up (transformers' `get_constant_schedule_with_warmup`); `linear` then decays it linearly
/// to 0 at `totalSteps` (`get_linear_schedule_with_warmup`).
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case constant
        case linear
    }

    public var kind: Kind
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, peak: Float, warmupSteps: Int = 0, totalSteps: Int) {
        self.kind = kind
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// Returns the rate for the optimizer step with 0-based index `step` (the number of steps already taken).
    public func rate(atStep step: Int) -> Float {
        if step < warmupSteps {
            return peak * Float(step) / Float(max(1, warmupSteps))
        }
        switch kind {
        case .constant:
            return peak
        case .linear:
            let remaining = Float(max(0, totalSteps - step))
            return peak * remaining / Float(max(1, totalSteps - warmupSteps))
        }
    }
}
