/// The whole network: embeddings, L encoder layers and the classification head, with the
/// activation memory of the current batch shape.
///
/// The head reads only the first token of the last layer's output, so the last layer computes
/// keys and values for every token but everything else for the first token alone (Tq = 1 in
/// `SelfAttention`); its logits and all gradients are those of the full computation.
///
/// Activations are carved from one arena per (B, T, mode, matmul type). Training keeps every
/// layer's activations for backward; evaluation shares one set across layers 0..<L-1, because
/// each layer reads its input before it overwrites the shared output buffer. The arena grows
/// when a larger shape arrives and is reused otherwise, so steps of a seen shape allocate no
/// tensor memory.
final class ClassifierNetwork {
    let config: EncoderConfig
    let labelCount: Int
    let backend: Backend
    let store: ParameterStore
    let embeddings: Embeddings
    let attention: [SelfAttention]
    let feedForward: [FeedForward]
    let head: ClassificationHead

    private let arena = Arena()
    private var workspace: Workspace?
    /// Position ids of the current batch (N), reused between steps.
    private var positionIds: [Int32] = []

    struct ShapeKey: Equatable {
        var batchSize: Int
        var sequenceLength: Int
        var training: Bool
        var matmulType: DType
    }

    /// The tensors of one batch shape.
    struct Workspace {
        var key: ShapeKey
        var keyMask: Tensor
        var embeddings: Embeddings.Activations
        /// Layers 0..<L-1: one entry per layer in training, one shared entry in evaluation.
        var attention: [SelfAttention.Activations]
        var feedForward: [FeedForward.Activations]
        /// The last layer, whose outputs cover the first token of each row (B, C).
        var lastAttention: SelfAttention.Activations
        var lastFeedForward: FeedForward.Activations
        var head: ClassificationHead.Activations
        /// Backward buffers (training only): two (N, C) and two (B, C) gradients used in turn,
        /// and layer scratch.
        var gradients: (Tensor, Tensor)?
        var firstTokenGradients: (Tensor, Tensor)?
        var attentionScratch: SelfAttention.Scratch?
        var feedForwardScratch: FeedForward.Scratch?
        var lastAttentionScratch: SelfAttention.Scratch?
        var lastFeedForwardScratch: FeedForward.Scratch?
        var headScratch: ClassificationHead.Scratch?
    }

    init(config: EncoderConfig, labelCount: Int, backend: Backend) {
        self.config = config
        self.labelCount = labelCount
        self.backend = backend
        let total = Embeddings.parameterCount(config)
            + config.numHiddenLayers * (SelfAttention.parameterCount(config) + FeedForward.parameterCount(config))
            + ClassificationHead.parameterCount(config, labelCount: labelCount)
        store = ParameterStore(count: total)
        embeddings = Embeddings(config: config, store: store)
        var attention: [SelfAttention] = []
        var feedForward: [FeedForward] = []
        for layer in 0..<config.numHiddenLayers {
            attention.append(SelfAttention(config: config, layer: layer, store: store))
            feedForward.append(FeedForward(config: config, layer: layer, store: store))
        }
        self.attention = attention
        self.feedForward = feedForward
        head = ClassificationHead(config: config, labelCount: labelCount, store: store)
    }

    /// Maximum token sequence length the position table allows.
    var maxSequenceLength: Int {
        config.modelType == .roberta ? config.maxPositionEmbeddings - config.padTokenId - 1 : config.maxPositionEmbeddings
    }

    // MARK: Workspace

    func workspace(for key: ShapeKey) -> Workspace {
        if let workspace, workspace.key == key { return workspace }
        arena.reset()
        var carved = carve(key)
        if arena.requested > arena.capacity {
            // Some tensors did not fit and got their own memory: grow the arena and carve again.
            arena.reset(minimumBytes: arena.requested)
            carved = carve(key)
        }
        workspace = carved
        return carved
    }

    private func carve(_ key: ShapeKey) -> Workspace {
        let b = key.batchSize, t = key.sequenceLength, n = b * t
        let c = config.hiddenSize, f = config.intermediateSize, h = config.numAttentionHeads
        let fullLayers = config.numHiddenLayers - 1
        let layerSets = key.training ? fullLayers : min(1, fullLayers)
        let half = key.matmulType
        var workspace = Workspace(
            key: key,
            keyMask: arena.tensor([b, t]),
            embeddings: Embeddings.Activations(arena, tokens: n, width: c),
            attention: (0..<layerSets).map { _ in
                SelfAttention.Activations(arena, batchSize: b, length: t, queries: t, width: c, heads: h, matmulType: half)
            },
            feedForward: (0..<layerSets).map { _ in
                FeedForward.Activations(arena, tokens: n, width: c, inner: f, matmulType: half)
            },
            lastAttention: SelfAttention.Activations(arena, batchSize: b, length: t, queries: 1, width: c, heads: h, matmulType: half),
            lastFeedForward: FeedForward.Activations(arena, tokens: b, width: c, inner: f, matmulType: half),
            head: ClassificationHead.Activations(arena, batchSize: b, width: c, labels: labelCount))
        guard key.training else { return workspace }

        let dqkv = arena.tensor([b, t, 3 * c])
        let halfScratch = half != .float32 ? arena.tensor([n * max(3 * c, f)], half) : nil
        workspace.gradients = (arena.tensor([n, c]), arena.tensor([n, c]))
        workspace.firstTokenGradients = (arena.tensor([b, c]), arena.tensor([b, c]))
        if fullLayers > 0 {
            let attentionScratch = SelfAttention.Scratch(dsum: arena.tensor([n, c]), dprojection: arena.tensor([n, c]),
                                                         dcontext: arena.tensor([b, t, c]), dqkv: dqkv, half: halfScratch)
            workspace.attentionScratch = attentionScratch
            // The feed-forward backward finishes with dsum and dprojection before attention starts.
            workspace.feedForwardScratch = FeedForward.Scratch(dsum: attentionScratch.dsum, dprojection: attentionScratch.dprojection,
                                                               dinner: arena.tensor([n, f]), half: halfScratch)
        }
        let lastScratch = SelfAttention.Scratch(dsum: arena.tensor([b, c]), dprojection: arena.tensor([b, c]),
                                                dcontext: arena.tensor([b, 1, c]), dqkv: dqkv, half: halfScratch)
        workspace.lastAttentionScratch = lastScratch
        workspace.lastFeedForwardScratch = FeedForward.Scratch(dsum: lastScratch.dsum, dprojection: lastScratch.dprojection,
                                                               dinner: arena.tensor([b, f]), half: halfScratch)
        workspace.headScratch = ClassificationHead.Scratch(
            dlogits: arena.tensor([b, labelCount]), ddropped: arena.tensor([b, c]), dinput: arena.tensor([b, c]))
        return workspace
    }

    // MARK: Forward and backward

    /// Checks ids, lengths and labels, fills the key mask and position ids.
    func prepare(_ batch: Batch, workspace: Workspace) throws {
        let b = batch.batchSize, t = batch.sequenceLength
        guard b > 0, t > 0 else { throw ModelError.emptyBatch }
        let mask = workspace.keyMask.floats
        positionIds.removeAll(keepingCapacity: true)
        for row in 0..<b {
            var count: Int32 = 0
            for position in 0..<t {
                let index = row * t + position
                let id = batch.ids[index]
                guard id >= 0 && Int(id) < config.vocabSize else {
                    throw ModelError.tokenOutOfRange(row: row, position: position, id: id, vocabularySize: config.vocabSize)
                }
                mask[index] = batch.attentionMask[index] != 0 ? 1 : 0
                switch config.modelType {
                case .roberta:
                    // transformers' create_position_ids_from_input_ids: pads get padding_idx, real
                    // tokens padding_idx + their running count of non-pad tokens.
                    let pad = Int32(config.padTokenId)
                    if id != pad { count += 1 }
                    positionIds.append(id != pad ? pad + count : pad)
                case .bert:
                    positionIds.append(Int32(position))
                }
            }
            let longest = config.modelType == .roberta ? Int(count) : t
            guard longest <= maxSequenceLength else {
                throw ModelError.sequenceTooLong(row: row, length: longest, maximum: maxSequenceLength)
            }
        }
        for (row, label) in batch.labels.enumerated() where label < 0 || Int(label) >= labelCount {
            throw ModelError.labelOutOfRange(row: row, label: label, labelCount: labelCount)
        }
    }

    /// Runs the forward pass and leaves the logits in `workspace.head.logits`. `check` is called
    /// after each stage with its name and output; returning false stops the pass early.
    @discardableResult
    func forward(_ batch: Batch, training: Bool, dropoutSeed: UInt64, matmulType: DType,
                 check: ((String, Tensor) -> Bool)? = nil) throws -> Workspace {
        let key = ShapeKey(batchSize: batch.batchSize, sequenceLength: batch.sequenceLength, training: training, matmulType: matmulType)
        let ws = workspace(for: key)
        try prepare(batch, workspace: ws)
        let context = PassContext(batchSize: key.batchSize, sequenceLength: key.sequenceLength, training: training,
                                  dropoutSeed: dropoutSeed, keyMask: ws.keyMask, matmulType: matmulType)
        batch.ids.withUnsafeBufferPointer { ids in
            positionIds.withUnsafeBufferPointer { positions in
                embeddings.forward(backend, ids: ids.baseAddress!, positionIds: positions.baseAddress!, saved: ws.embeddings, context: context)
            }
        }
        if let check, !check("embeddings", ws.embeddings.out) { return ws }

        var x = ws.embeddings.out
        let last = config.numHiddenLayers - 1
        for layer in 0..<last {
            let set = training ? layer : 0
            attention[layer].forward(backend, x: x, saved: ws.attention[set], context: context)
            if let check, !check("layer \(layer) attention", ws.attention[set].out) { return ws }
            feedForward[layer].forward(backend, x: ws.attention[set].out, saved: ws.feedForward[set], context: context)
            if let check, !check("layer \(layer) feed-forward", ws.feedForward[set].out) { return ws }
            x = ws.feedForward[set].out
        }
        attention[last].forward(backend, x: x, saved: ws.lastAttention, context: context)
        if let check, !check("layer \(last) attention", ws.lastAttention.out) { return ws }
        feedForward[last].forward(backend, x: ws.lastAttention.out, saved: ws.lastFeedForward, context: context)
        if let check, !check("layer \(last) feed-forward", ws.lastFeedForward.out) { return ws }

        head.forward(backend, first: ws.lastFeedForward.out, saved: ws.head, context: context)
        if let check, !check("classification head", ws.head.logits) { return ws }
        return ws
    }

    /// Mean cross-entropy of the last forward pass; saves the softmax for backward.
    func loss(_ batch: Batch, workspace ws: Workspace) -> Float {
        batch.labels.withUnsafeBufferPointer { labels in
            backend.crossEntropyForward(logits: ws.head.logits, labels: labels.baseAddress!, probs: ws.head.probs)
        }
    }

    /// Runs the backward pass after a training forward and `loss`, overwriting every parameter
    /// gradient with d(loss · lossScale)/dθ. `check` receives each gradient as it is produced,
    /// as in `forward`.
    func backward(_ batch: Batch, workspace ws: Workspace, lossScale: Float, dropoutSeed: UInt64,
                  check: ((String, Tensor) -> Bool)? = nil) {
        let context = PassContext(batchSize: batch.batchSize, sequenceLength: batch.sequenceLength, training: true,
                                  dropoutSeed: dropoutSeed, keyMask: ws.keyMask, matmulType: ws.key.matmulType)
        guard let (gradientA, gradientB) = ws.gradients, let (firstA, firstB) = ws.firstTokenGradients,
              let lastAttentionScratch = ws.lastAttentionScratch, let lastFeedForwardScratch = ws.lastFeedForwardScratch,
              let headScratch = ws.headScratch else {
            preconditionFailure("ClassifierNetwork.backward: the workspace was carved for evaluation, not training")
        }

        batch.labels.withUnsafeBufferPointer { labels in
            backend.crossEntropyBackward(probs: ws.head.probs, labels: labels.baseAddress!, scale: lossScale, dlogits: headScratch.dlogits)
        }
        head.backward(backend, first: ws.lastFeedForward.out, saved: ws.head, context: context, scratch: headScratch, dfirst: firstA)
        if let check, !check("classification head", firstA) { return }

        // The last layer, from the first-token gradient (B, C) to the full input gradient (N, C).
        let last = config.numHiddenLayers - 1
        let lastInput = last == 0 ? ws.embeddings.out : ws.feedForward[last - 1].out
        feedForward[last].backward(backend, dout: firstA, x: ws.lastAttention.out, saved: ws.lastFeedForward,
                                   context: context, scratch: lastFeedForwardScratch, dx: firstB)
        if let check, !check("layer \(last) feed-forward", firstB) { return }
        attention[last].backward(backend, dout: firstB, x: lastInput, saved: ws.lastAttention,
                                 context: context, scratch: lastAttentionScratch, dx: gradientA)
        if let check, !check("layer \(last) attention", gradientA) { return }

        for layer in stride(from: last - 1, through: 0, by: -1) {
            guard let attentionScratch = ws.attentionScratch, let feedForwardScratch = ws.feedForwardScratch else { break }
            let input = layer == 0 ? ws.embeddings.out : ws.feedForward[layer - 1].out
            feedForward[layer].backward(backend, dout: gradientA, x: ws.attention[layer].out, saved: ws.feedForward[layer],
                                        context: context, scratch: feedForwardScratch, dx: gradientB)
            if let check, !check("layer \(layer) feed-forward", gradientB) { return }
            attention[layer].backward(backend, dout: gradientB, x: input, saved: ws.attention[layer],
                                      context: context, scratch: attentionScratch, dx: gradientA)
            if let check, !check("layer \(layer) attention", gradientA) { return }
        }

        batch.ids.withUnsafeBufferPointer { ids in
            positionIds.withUnsafeBufferPointer { positions in
                embeddings.backward(backend, dout: gradientA, ids: ids.baseAddress!, positionIds: positions.baseAddress!,
                                    saved: ws.embeddings, context: context, dsum: gradientB)
            }
        }
        if let check, !check("embeddings", store.gradients) { return }
    }
}
