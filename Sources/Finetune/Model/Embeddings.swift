/// Token embeddings: word + position + token type (always type 0), then layer norm and dropout,
/// as transformers' RobertaEmbeddings and BertEmbeddings.
///
/// Shapes: ids and positionIds (N) Int32; word (V, C), position (P, C), tokenType (types, C);
/// out (N, C). Position ids come from the caller (RoBERTa counts non-pad tokens, BERT counts
/// positions). Backward overwrites the table gradients. As nn.Embedding(padding_idx:) does, the
/// gradient row of the pad id stays zero in the word table, and in RoBERTa's position table too
/// (whose padding_idx is also pad_token_id).
final class Embeddings {
    let word: Parameter
    let position: Parameter
    let tokenType: Parameter
    let normWeight: Parameter
    let normBias: Parameter
    let epsilon: Float
    let dropout: Float
    let paddingIndex: Int
    let positionsHavePaddingIndex: Bool

    struct Activations {
        /// word + position + type, the layer-norm input (N, C).
        var sum: Tensor
        var mean: Tensor
        var rstd: Tensor
        /// Layer-norm output after dropout (N, C).
        var out: Tensor
        var dropoutMask: Tensor

        init(_ arena: Arena, tokens: Int, width: Int) {
            sum = arena.tensor([tokens, width])
            mean = arena.tensor([tokens])
            rstd = arena.tensor([tokens])
            out = arena.tensor([tokens, width])
            dropoutMask = arena.tensor([maskWords(tokens * width)])
        }
    }

    init(config: EncoderConfig, store: ParameterStore) {
        let c = config.hiddenSize
        word = store.add("embeddings.word", [config.vocabSize, c],
                         names: [("embeddings.word_embeddings.weight", [config.vocabSize, c])])
        position = store.add("embeddings.position", [config.maxPositionEmbeddings, c],
                             names: [("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, c])])
        tokenType = store.add("embeddings.token_type", [config.typeVocabSize, c],
                              names: [("embeddings.token_type_embeddings.weight", [config.typeVocabSize, c])])
        normWeight = store.add("embeddings.norm.weight", [c], names: [("embeddings.LayerNorm.weight", [c])])
        normBias = store.add("embeddings.norm.bias", [c], names: [("embeddings.LayerNorm.bias", [c])])
        epsilon = config.layerNormEps
        dropout = config.hiddenDropoutProb
        paddingIndex = config.padTokenId
        positionsHavePaddingIndex = config.modelType == .roberta
    }

    static func parameterCount(_ config: EncoderConfig) -> Int {
        (config.vocabSize + config.maxPositionEmbeddings + config.typeVocabSize + 2) * config.hiddenSize
    }

    func forward(_ backend: Backend, ids: UnsafePointer<Int32>, positionIds: UnsafePointer<Int32>,
                 saved: Activations, context: PassContext) {
        backend.embeddingForward(ids: ids, positionIds: positionIds, word: word.value, position: position.value,
                                 tokenType: tokenType.value, out: saved.sum)
        backend.layerNormForward(saved.sum, weight: normWeight.value, bias: normBias.value, epsilon: epsilon,
                                 out: saved.out, mean: saved.mean, rstd: saved.rstd)
        backend.dropoutForward(saved.out, out: saved.out, mask: saved.dropoutMask, probability: context.dropout(dropout),
                               seed: context.dropoutSeed, stream: DropoutStream.embeddings)
    }

    /// dout (N, C) is the gradient of `saved.out`; it is overwritten. `dsum` (N, C) is scratch.
    func backward(_ backend: Backend, dout: Tensor, ids: UnsafePointer<Int32>, positionIds: UnsafePointer<Int32>,
                  saved: Activations, context: PassContext, dsum: Tensor) {
        backend.dropoutBackward(dout: dout, mask: saved.dropoutMask, probability: context.dropout(dropout), dx: dout)
        backend.layerNormBackward(dout: dout, x: saved.sum, mean: saved.mean, rstd: saved.rstd, weight: normWeight.value,
                                  dx: dsum, dweight: normWeight.gradient, dbias: normBias.gradient)
        word.gradient.zero()
        position.gradient.zero()
        tokenType.gradient.zero()
        backend.embeddingBackward(dout: dsum, ids: ids, positionIds: positionIds, dword: word.gradient,
                                  dposition: position.gradient, dtokenType: tokenType.gradient)
        let width = word.value.columns
        word.gradient.floats.advanced(by: paddingIndex * width).update(repeating: 0, count: width)
        if positionsHavePaddingIndex {
            position.gradient.floats.advanced(by: paddingIndex * width).update(repeating: 0, count: width)
        }
    }
}
