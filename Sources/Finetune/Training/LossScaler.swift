/// Dynamic loss scaling for fp16 training, with the semantics of PyTorch's `torch.amp.GradScaler`
/// (torch 2.x defaults: initial scale 65536, growth factor 2, backoff factor 0.5, growth interval 2000).
///
/// The loss is multiplied by `scale` before backward so that small fp16 gradients do not flush to zero.
/// After backward the trainer unscales the gradients and reports whether all were finite:
/// - any inf/NaN: the optimizer step is skipped (no weight, moment or step counter changes),
///   the scale is multiplied by `backoffFactor` and the clean-step counter restarts;
/// - all finite: the step runs, and after `growthInterval` consecutive clean steps the scale is
///   multiplied by `growthFactor`.
public struct LossScaler: Sendable, Equatable {
    public private(set) var scale: Float
    public let growthFactor: Float
    public let backoffFactor: Float
    public let growthInterval: Int
    /// Consecutive skipped steps after which training stops, because the gradients are not
    /// recoverable by scaling.
    public let maxConsecutiveSkips: Int

    /// Clean steps since the last growth or overflow.
    public private(set) var cleanSteps = 0
    public private(set) var consecutiveSkips = 0
    public private(set) var totalSkips = 0

    public init(initialScale: Float = 65536, growthFactor: Float = 2, backoffFactor: Float = 0.5,
                growthInterval: Int = 2000, maxConsecutiveSkips: Int = 25) {
        precondition(initialScale > 0 && growthFactor > 1 && backoffFactor > 0 && backoffFactor < 1 && growthInterval > 0,
                     "LossScaler: invalid settings")
        self.scale = initialScale
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
        self.maxConsecutiveSkips = maxConsecutiveSkips
    }

    /// Records the outcome of one step and updates the scale. Returns true when the optimizer
    /// step must run, false when it must be skipped.
    ///
    /// Throws when the scale falls below 1 or `maxConsecutiveSkips` steps in a row overflowed,
    /// because then every step would be skipped and training could not progress.
    public mutating func update(gradientsFinite: Bool) throws(TrainingError) -> Bool {
        guard gradientsFinite else {
            scale *= backoffFactor
            cleanSteps = 0
            consecutiveSkips += 1
            totalSkips += 1
            if scale < 1 || consecutiveSkips >= maxConsecutiveSkips {
                throw .lossScaleCollapsed(scale: scale, consecutiveSkips: consecutiveSkips)
            }
            return false
        }

        consecutiveSkips = 0
        cleanSteps += 1
        if cleanSteps == growthInterval {
            scale *= growthFactor
            cleanSteps = 0
        }
        return true
    }
}
