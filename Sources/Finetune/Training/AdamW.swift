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
        let stepSize = Float(Double(learningRate) / correction1)
        let root = Float(correction2.squareRoot())
        let decay = Float(1 - Double(learningRate) * Double(weightDecay))
        let store = model.network.store
        // Parameters with a 16-bit copy are updated one by one, so the copy is written in the same
        // pass. The rest (embeddings, biases, layer norms, head) run as contiguous spans.
        var spanStart = 0
        for parameter in store.parameters {
            guard let half = parameter.half else { continue }
            let offset = parameter.value.byteOffset / 4
            update(spanStart..<offset, half: nil, stepSize: stepSize, root: root, decay: decay)
            update(offset..<offset + parameter.value.count, half: half, stepSize: stepSize, root: root, decay: decay)
            spanStart = offset + parameter.value.count
        }
        update(spanStart..<store.count, half: nil, stepSize: stepSize, root: root, decay: decay)
    }

    /// Runs the AdamW kernel on elements `range` of the flat blocks.
    private func update(_ range: Range<Int>, half: Tensor?, stepSize: Float, root: Float, decay: Float) {
        guard !range.isEmpty else { return }
        func slice(_ tensor: Tensor) -> Tensor {
            Tensor(storage: tensor.storage, byteOffset: tensor.byteOffset + range.lowerBound * 4, shape: [range.count], dtype: .float32)
        }
        model.backend.adamW(parameters: slice(model.parameterValues), gradients: slice(model.parameterGradients),
                            firstMoment: slice(firstMoment), secondMoment: slice(secondMoment),
                            beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: stepSize,
                            biasCorrection2Root: root, decay: decay, halfCopy: half)
    }
}
