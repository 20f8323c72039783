/// Errors raised while training or evaluating.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// fp16 overflowed so often that the loss scale dropped below 1 or too many steps in a row were skipped.
    case lossScaleCollapsed(scale: Float, consecutiveSkips: Int)
    /// A loss or gradient became inf/NaN in fp32 or bf16, where there is no loss scaling to recover.
    case nonFinite(step: Int, location: String?)
    /// A split that the command needs has no examples.
    case emptySplit(name: String)
    /// The options cannot work together or with this data.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case let .lossScaleCollapsed(scale, skips):
            return "fp16 gradients overflowed in \(skips) consecutive steps and the loss scale fell to \(scale). "
                + "Training cannot progress in fp16: use --precision bf16 or fp32, or lower --lr."
        case let .nonFinite(step, location):
            let place = location.map { " in \($0)" } ?? ""
            return "Loss or gradients became inf/NaN at step \(step)\(place). The last saved model is unchanged. "
                + "Lower --lr, set --max-grad-norm 1.0, or check the input data."
        case let .emptySplit(name):
            return "The \(name) split has no examples. Add examples to it or choose another data folder."
        case let .invalidSetting(message):
            return message
        }
    }
}
