import Foundation

/// AdamW with the semantics and defaults of torch.optim.AdamW (torch 2.x): betas (0.9, 0.999),
/// eps 1e-8, decoupled weight decay 0.01 applied to every parameter, bias correction.
///
/// Master weights and both moments are fp32. After each step the model's 16-bit weight copies
/// (bf16/fp16 precision) are refreshed from the updated fp32 values.
public final class AdamW {
    public let model: SequenceClassifier
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    /// Updates applied so far.
    public private(set) var stepCount = 0
    /// First moment m, laid out as the model's flat parameter block.
    public let firstMoment: Tensor
    /// Second moment v, laid out as the model's flat parameter block.
    public let secondMoment: Tensor

    public init(model: SequenceClassifier, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.model = model
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = Tensor(shape: [model.parameterCount])
        secondMoment = Tensor(shape: [model.parameterCount])
    }

    /// Applies one update with the model's current gradients.
    public func step(learningRate: Float) {
        stepCount += 1
        // torch computes the bias corrections in Python floats (double) and passes fp32 scalars.
        let t = Double(stepCount)
        let correction1 = 1 - Foundation.pow(Double(beta1), t)
        let correction2 = 1 - Foundation.pow(Double(beta2), t)
        model.backend.adamW(parameters: model.parameterValues, gradients: model.parameterGradients,
                            firstMoment: firstMoment, secondMoment: secondMoment,
                            beta1: beta1, beta2: beta2, epsilon: epsilon,
                            stepSize: Float(Double(learningRate) / correction1),
                            biasCorrection2Root: Float(correction2.squareRoot()),
                            decay: Float(1 - Double(learningRate) * Double(weightDecay)))
        model.refreshHalfWeights()
    }
}
