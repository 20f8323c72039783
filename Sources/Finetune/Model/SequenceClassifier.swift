import Foundation

/// A RoBERTa or BERT encoder with a sequence-classification head, as transformers'
/// RobertaForSequenceClassification and BertForSequenceClassification, trained on the CPU.
///
/// Load one with `load(folder:labelNames:seed:log:)`, run `computeGradients` and an `AdamW`
/// step per batch, and `save(to:tokenizerSource:)` a folder that transformers loads unchanged.
public final class SequenceClassifier {
    public private(set) var config: EncoderConfig
    public let labelNames: [String]
    let network: ClassifierNetwork
    let backend: Backend

    /// The precision of the matrix products. Setting it creates or drops the 16-bit weight copies.
    public var precision: Precision = .fp32 {
        didSet {
            guard precision != oldValue else { return }
            network.store.setHalfCopies(precision == .fp32 ? nil : DType(precision), backend: backend)
        }
    }

    /// Storage type of matrix-product inputs in the current precision.
    var matmulType: DType { DType(precision) }

    init(config: EncoderConfig, labelNames: [String], backend: Backend) {
        var config = config
        config.id2label = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($0.offset, $0.element) })
        self.config = config
        self.labelNames = labelNames
        self.backend = backend
        network = ClassifierNetwork(config: config, labelCount: labelNames.count, backend: backend)
    }

    /// Creates a model with new weights: N(0, initializer_range) matrices and embeddings, zero
    /// biases, layer norms at weight 1 and bias 0, as transformers initialises a fresh model.
    public convenience init(config: EncoderConfig, labelNames: [String], seed: UInt64) {
        self.init(config: config, labelNames: labelNames, backend: CPUBackend())
        // Each named tensor draws from its own Philox stream (its index), so tensors fill in parallel.
        for (index, named) in network.store.names.enumerated() {
            let values = named.values
            if named.name.contains("LayerNorm") {
                let fill: Float = named.name.hasSuffix(".weight") ? 1 : 0
                values.update(repeating: fill, count: named.count)
            } else if named.name.hasSuffix(".bias") {
                values.update(repeating: 0, count: named.count)
            } else {
                fillNormal(values, count: named.count, std: config.initializerRange, seed: seed, stream: UInt64(index))
            }
        }
        // Embedding rows of the padding index start at zero, as nn.Embedding(padding_idx:) does.
        let pad = config.padTokenId, width = config.hiddenSize
        network.embeddings.word.value.floats.advanced(by: pad * width).update(repeating: 0, count: width)
        if config.modelType == .roberta {
            network.embeddings.position.value.floats.advanced(by: pad * width).update(repeating: 0, count: width)
        }
    }

    /// Number of scalar parameters (encoder and head).
    public var parameterCount: Int { network.store.count }

    /// Maximum token sequence length the position table allows (RoBERTa: max_position_embeddings - pad_token_id - 1).
    public var maxSequenceLength: Int { network.maxSequenceLength }

    /// The Hugging Face names (without the `roberta.`/`bert.` prefix) and fp32 values of all parameters.
    public var namedParameters: [NamedTensor] { network.store.names }

    /// All parameter values, one flat fp32 block (the optimizer's view).
    public var parameterValues: Tensor { network.store.values }
    /// All parameter gradients, laid out as `parameterValues`.
    public var parameterGradients: Tensor { network.store.gradients }

    /// Eval-mode forward (no dropout). Returns logits (B, L) row-major, and the mean
    /// cross-entropy when `batch.labels` is not empty.
    public func predict(_ batch: Batch) throws -> (logits: [Float], loss: Float?) {
        let workspace = try network.forward(batch, training: false, dropoutSeed: 0, matmulType: matmulType)
        let loss = batch.labels.isEmpty ? nil : network.loss(batch, workspace: workspace)
        return (workspace.head.logits.toFloatArray(), loss)
    }

    /// Train-mode forward and backward. Parameter gradients are overwritten with
    /// d(loss · lossScale)/dθ; returns the unscaled mean loss. `dropoutSeed` fixes the dropout
    /// masks of this step. Throws `ModelError.nonFiniteLoss` when the loss is inf or NaN in fp32
    /// or bf16 (in fp16 the loss scaler handles overflow, so the loss is returned).
    public func computeGradients(_ batch: Batch, lossScale: Float = 1, dropoutSeed: UInt64) throws -> Float {
        guard !batch.labels.isEmpty else { throw ModelError.unlabeledBatch }
        let workspace = try network.forward(batch, training: true, dropoutSeed: dropoutSeed, matmulType: matmulType)
        let loss = network.loss(batch, workspace: workspace)
        if !loss.isFinite && precision != .fp16 {
            throw ModelError.nonFiniteLoss(loss: loss, precision: precision, location: locateNonFinite(batch, dropoutSeed: dropoutSeed))
        }
        network.backward(batch, workspace: workspace, lossScale: lossScale, dropoutSeed: dropoutSeed)
        return loss
    }

    /// Divides all gradients by `scale`; returns false when any gradient is inf or NaN.
    public func unscaleGradients(by scale: Float) -> Bool {
        let gradients = network.store.gradients
        if scale != 1 { backend.scale(gradients, by: 1 / scale) }
        return backend.allFinite(gradients)
    }

    /// Returns the global L2 norm of all gradients.
    public func gradientNorm() -> Float {
        Float(backend.sumOfSquares(network.store.gradients).squareRoot())
    }

    /// Scales the gradients so their global L2 norm is at most `maxNorm`, as
    /// torch.nn.utils.clip_grad_norm_ does (factor maxNorm / (norm + 1e-6), capped at 1).
    /// Returns the norm before clipping.
    public func clipGradients(maxNorm: Float) -> Float {
        let norm = gradientNorm()
        let factor = maxNorm / (norm + 1e-6)
        if factor < 1 { backend.scale(network.store.gradients, by: factor) }
        return norm
    }

    /// Runs a training forward and backward on `batch` and returns the first stage whose output
    /// or gradient contains inf or NaN ("forward: layer 3 attention"), or nil when all are finite.
    public func locateNonFinite(_ batch: Batch) -> String? {
        locateNonFinite(batch, dropoutSeed: 0)
    }

    func locateNonFinite(_ batch: Batch, dropoutSeed: UInt64) -> String? {
        var found: String?
        let check: (String, String, Tensor) -> Bool = { [backend] pass, stage, tensor in
            if backend.allFinite(tensor) { return true }
            found = "\(pass): \(stage)"
            return false
        }
        guard let workspace = try? network.forward(batch, training: true, dropoutSeed: dropoutSeed, matmulType: matmulType,
                                                   check: { check("forward", $0, $1) }) else { return nil }
        if let found { return found }
        guard !batch.labels.isEmpty else { return nil }
        let loss = network.loss(batch, workspace: workspace)
        if !loss.isFinite { return "forward: loss (\(loss))" }
        network.backward(batch, workspace: workspace, lossScale: 1, dropoutSeed: dropoutSeed,
                         check: { check("backward", $0, $1) })
        return found
    }

    /// Refreshes the 16-bit weight copies after the fp32 values changed (the optimizer calls this).
    public func refreshHalfWeights() {
        network.store.refreshHalfCopies(backend: backend)
    }
}
