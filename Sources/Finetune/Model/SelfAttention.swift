import Foundation

/// The attention half of an encoder layer, as transformers' RobertaAttention / BertAttention:
///   qkv = x Wqkvᵀ + bqkv                   (query, key and value weights fused, (3C, C))
///   context = attention(qkv, key mask)     (softmax(q kᵀ / √D) with dropout, times v)
///   sum = dropout(context Woᵀ + bo) + x
///   out = LayerNorm(sum)
///
/// Shapes: x, context, sum, out (B, T, C); qkv (B, T, 3C); probs (B, H, T, T); mean, rstd (N).
/// Backward overwrites all six parameter gradients and writes dx (N, C).
final class SelfAttention {
    let qkvWeight: Parameter
    let qkvBias: Parameter
    let outputWeight: Parameter
    let outputBias: Parameter
    let normWeight: Parameter
    let normBias: Parameter
    let layer: Int
    let heads: Int
    let epsilon: Float
    let attentionDropout: Float
    let hiddenDropout: Float

    struct Activations {
        var qkv: Tensor
        var probs: Tensor
        var probsMask: Tensor
        var context: Tensor
        var sum: Tensor
        var sumMask: Tensor
        var mean: Tensor
        var rstd: Tensor
        var out: Tensor
        /// 16-bit copies of x and context for the matrix products (mixed precision only).
        var inputHalf: Tensor?
        var contextHalf: Tensor?

        init(_ arena: Arena, batchSize: Int, length: Int, width: Int, heads: Int, matmulType: DType) {
            let tokens = batchSize * length
            qkv = arena.tensor([batchSize, length, 3 * width])
            probs = arena.tensor([batchSize, heads, length, length])
            probsMask = arena.tensor([batchSize * heads * attentionDropoutWords(queries: length, keys: length)])
            context = arena.tensor([batchSize, length, width])
            sum = arena.tensor([tokens, width])
            sumMask = arena.tensor([maskWords(tokens * width)])
            mean = arena.tensor([tokens])
            rstd = arena.tensor([tokens])
            out = arena.tensor([tokens, width])
            if matmulType != .float32 {
                inputHalf = arena.tensor([tokens, width], matmulType)
                contextHalf = arena.tensor([tokens, width], matmulType)
            }
        }
    }

    /// Gradient scratch shared by all layers.
    struct Scratch {
        var dsum: Tensor       // (N, C)
        var dprojection: Tensor // (N, C)
        var dcontext: Tensor   // (B, T, C)
        var dqkv: Tensor       // (B, T, 3C)
        /// 16-bit copies of output gradients, at least N·3C elements (mixed precision only).
        var half: Tensor?
    }

    init(config: EncoderConfig, layer: Int, store: ParameterStore) {
        let c = config.hiddenSize
        let prefix = "encoder.layer.\(layer).attention"
        qkvWeight = store.add("layer \(layer) qkv.weight", [3 * c, c], feedsMatmul: true, names: [
            ("\(prefix).self.query.weight", [c, c]), ("\(prefix).self.key.weight", [c, c]), ("\(prefix).self.value.weight", [c, c]),
        ])
        qkvBias = store.add("layer \(layer) qkv.bias", [3 * c], names: [
            ("\(prefix).self.query.bias", [c]), ("\(prefix).self.key.bias", [c]), ("\(prefix).self.value.bias", [c]),
        ])
        outputWeight = store.add("layer \(layer) attention.output.weight", [c, c], feedsMatmul: true,
                                 names: [("\(prefix).output.dense.weight", [c, c])])
        outputBias = store.add("layer \(layer) attention.output.bias", [c], names: [("\(prefix).output.dense.bias", [c])])
        normWeight = store.add("layer \(layer) attention.norm.weight", [c], names: [("\(prefix).output.LayerNorm.weight", [c])])
        normBias = store.add("layer \(layer) attention.norm.bias", [c], names: [("\(prefix).output.LayerNorm.bias", [c])])
        self.layer = layer
        heads = config.numAttentionHeads
        epsilon = config.layerNormEps
        attentionDropout = config.attentionProbsDropoutProb
        hiddenDropout = config.hiddenDropoutProb
    }

    static func parameterCount(_ config: EncoderConfig) -> Int {
        let c = config.hiddenSize
        return 3 * c * c + 3 * c + c * c + c + 2 * c
    }

    var scale: Float { 1 / Float(qkvWeight.value.shape[1] / heads).squareRoot() }

    func forward(_ backend: Backend, x: Tensor, saved: Activations, context: PassContext) {
        let tokens = context.tokens, width = x.columns
        let x2 = x.reshaped([tokens, width])

        let input = matmulInput(backend, x2, half: saved.inputHalf)
        Linear.forward(backend, x: input, weight: qkvWeight, bias: qkvBias, out: saved.qkv.reshaped([tokens, 3 * width]))
        backend.attentionForward(qkv: saved.qkv, keyMask: context.keyMask, heads: heads, scale: scale,
                                 probs: saved.probs, dropoutMask: saved.probsMask,
                                 probability: context.dropout(attentionDropout), seed: context.dropoutSeed,
                                 stream: DropoutStream.attentionProbs(layer: layer), out: saved.context)

        // sum = dropout(context Woᵀ + bo) + x, then layer norm.
        let context2 = matmulInput(backend, saved.context.reshaped([tokens, width]), half: saved.contextHalf)
        Linear.forward(backend, x: context2, weight: outputWeight, bias: outputBias, out: saved.sum)
        backend.dropoutForward(saved.sum, out: saved.sum, mask: saved.sumMask, probability: context.dropout(hiddenDropout),
                               seed: context.dropoutSeed, stream: DropoutStream.attentionOutput(layer: layer))
        backend.add(saved.sum, x2, into: saved.sum)
        backend.layerNormForward(saved.sum, weight: normWeight.value, bias: normBias.value, epsilon: epsilon,
                                 out: saved.out, mean: saved.mean, rstd: saved.rstd)
    }

    /// dout (N, C) is the gradient of `saved.out`; writes dx (N, C), which must not alias dout.
    func backward(_ backend: Backend, dout: Tensor, x: Tensor, saved: Activations, context: PassContext,
                  scratch: Scratch, dx: Tensor) {
        let tokens = context.tokens, width = dout.columns

        // out = LayerNorm(sum): dsum also flows straight to dx through the residual.
        backend.layerNormBackward(dout: dout, x: saved.sum, mean: saved.mean, rstd: saved.rstd, weight: normWeight.value,
                                  dx: scratch.dsum, dweight: normWeight.gradient, dbias: normBias.gradient)

        // sum = dropout(context Woᵀ + bo) + x
        backend.dropoutBackward(dout: scratch.dsum, mask: saved.sumMask, probability: context.dropout(hiddenDropout),
                                dx: scratch.dprojection)
        Linear.backward(backend, dout: scratch.dprojection, halfScratch: scratch.half,
                        x: saved.contextHalf ?? saved.context.reshaped([tokens, width]),
                        weight: outputWeight, bias: outputBias, dx: scratch.dcontext.reshaped([tokens, width]))

        // context = attention(qkv)
        backend.attentionBackward(dout: scratch.dcontext, qkv: saved.qkv, probs: saved.probs, dropoutMask: saved.probsMask,
                                  probability: context.dropout(attentionDropout), heads: heads, scale: scale, dqkv: scratch.dqkv)

        // qkv = x Wqkvᵀ + bqkv, plus the residual path.
        Linear.backward(backend, dout: scratch.dqkv.reshaped([tokens, 3 * width]), halfScratch: scratch.half,
                        x: saved.inputHalf ?? x.reshaped([tokens, width]), weight: qkvWeight, bias: qkvBias, dx: dx)
        backend.add(dx, scratch.dsum, into: dx)
    }
}
