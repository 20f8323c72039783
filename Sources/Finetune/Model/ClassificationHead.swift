/// The sequence-classification head on the first token's hidden state, and the loss.
///
/// RoBERTa (transformers' RobertaClassificationHead):
///   x0 = dropout(h[:, 0]);  t = tanh(x0 Wdᵀ + bd);  logits = dropout(t) Woᵀ + bo
/// BERT (BertPooler, then BertForSequenceClassification's dropout and classifier):
///   x0 = h[:, 0];           t = tanh(x0 Wdᵀ + bd);  logits = dropout(t) Woᵀ + bo
/// Both dropouts use `classifier_dropout`, or `hidden_dropout_prob` when it is null.
///
/// The head's matrix products are tiny, so they run in fp32 on the master weights in every precision.
///
/// Shapes: first (B, C) is the last layer's output for the first token. x0, t and dropped are
/// (B, C), Wd (C, C), Wo (L, C), and logits and probs (B, L).
final class ClassificationHead {
    let denseWeight: Parameter
    let denseBias: Parameter
    let outputWeight: Parameter
    let outputBias: Parameter
    let dropsInput: Bool
    let dropout: Float
    let labelCount: Int

    /// Parameter names of the head that a base checkpoint may lack (the BERT pooler is optional too).
    let classifierNames: [String]
    let poolerNames: [String]

    struct Activations {
        var input: Tensor
        var inputMask: Tensor
        var tanh: Tensor
        var dropped: Tensor
        var droppedMask: Tensor
        var logits: Tensor
        var probs: Tensor

        init(_ arena: Arena, batchSize: Int, width: Int, labels: Int) {
            input = arena.tensor([batchSize, width])
            inputMask = arena.tensor([maskWords(batchSize * width)])
            tanh = arena.tensor([batchSize, width])
            dropped = arena.tensor([batchSize, width])
            droppedMask = arena.tensor([maskWords(batchSize * width)])
            logits = arena.tensor([batchSize, labels])
            probs = arena.tensor([batchSize, labels])
        }
    }

    struct Scratch {
        var dlogits: Tensor  // (B, L)
        var ddropped: Tensor // (B, C)
        var dinput: Tensor   // (B, C), before the input dropout
    }

    init(config: EncoderConfig, labelCount: Int, store: ParameterStore) {
        let c = config.hiddenSize
        switch config.modelType {
        case .roberta:
            denseWeight = store.add("head dense.weight", [c, c], names: [("classifier.dense.weight", [c, c])])
            denseBias = store.add("head dense.bias", [c], names: [("classifier.dense.bias", [c])])
            outputWeight = store.add("head output.weight", [labelCount, c],
                                     names: [("classifier.out_proj.weight", [labelCount, c])])
            outputBias = store.add("head output.bias", [labelCount], names: [("classifier.out_proj.bias", [labelCount])])
            classifierNames = ["classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight", "classifier.out_proj.bias"]
            poolerNames = []
            dropsInput = true
        case .bert:
            denseWeight = store.add("pooler dense.weight", [c, c], names: [("pooler.dense.weight", [c, c])])
            denseBias = store.add("pooler dense.bias", [c], names: [("pooler.dense.bias", [c])])
            outputWeight = store.add("head classifier.weight", [labelCount, c],
                                     names: [("classifier.weight", [labelCount, c])])
            outputBias = store.add("head classifier.bias", [labelCount], names: [("classifier.bias", [labelCount])])
            classifierNames = ["classifier.weight", "classifier.bias"]
            poolerNames = ["pooler.dense.weight", "pooler.dense.bias"]
            dropsInput = false
        }
        dropout = config.headDropout
        self.labelCount = labelCount
    }

    static func parameterCount(_ config: EncoderConfig, labelCount: Int) -> Int {
        let c = config.hiddenSize
        return c * c + c + labelCount * c + labelCount
    }

    /// Fills the parameters of `names` with N(0, std) weights and zero biases, as transformers'
    /// `_init_weights` does for new Linear layers.
    func initialize(_ names: [NamedTensor], std: Float, seed: UInt64) {
        for (index, named) in names.enumerated() {
            if named.name.hasSuffix(".bias") {
                named.values.update(repeating: 0, count: named.count)
            } else {
                fillNormal(named.values, count: named.count, std: std, seed: seed, stream: UInt64(index))
            }
        }
    }

    func forward(_ backend: Backend, first: Tensor, saved: Activations, context: PassContext) {
        let input = dropsInput ? saved.input : first
        if dropsInput {
            backend.dropoutForward(first, out: saved.input, mask: saved.inputMask, probability: context.dropout(dropout),
                                   seed: context.dropoutSeed, stream: DropoutStream.headInput)
        }
        Linear.forward(backend, x: input, weight: denseWeight, bias: denseBias, out: saved.tanh)
        backend.tanhForward(saved.tanh, out: saved.tanh)
        backend.dropoutForward(saved.tanh, out: saved.dropped, mask: saved.droppedMask, probability: context.dropout(dropout),
                               seed: context.dropoutSeed, stream: DropoutStream.headHidden)
        Linear.forward(backend, x: saved.dropped, weight: outputWeight, bias: outputBias, out: saved.logits)
    }

    /// From dlogits in `scratch.dlogits` (B, L), writes dfirst (B, C), the gradient of `first`.
    func backward(_ backend: Backend, first: Tensor, saved: Activations, context: PassContext, scratch: Scratch, dfirst: Tensor) {
        let input = dropsInput ? saved.input : first

        Linear.backward(backend, dout: scratch.dlogits, halfScratch: nil, x: saved.dropped, weight: outputWeight, bias: outputBias, dx: scratch.ddropped)
        backend.dropoutBackward(dout: scratch.ddropped, mask: saved.droppedMask, probability: context.dropout(dropout), dx: scratch.ddropped)
        backend.tanhBackward(dout: scratch.ddropped, out: saved.tanh, dx: scratch.ddropped)
        Linear.backward(backend, dout: scratch.ddropped, halfScratch: nil, x: input, weight: denseWeight, bias: denseBias,
                        dx: dropsInput ? scratch.dinput : dfirst)
        if dropsInput {
            backend.dropoutBackward(dout: scratch.dinput, mask: saved.inputMask, probability: context.dropout(dropout), dx: dfirst)
        }
    }
}
