import Foundation

/// The attention half of an encoder layer, as transformers' RobertaAttention / BertAttention:
///   qkv = x Wqkvᵀ + bqkv                   (query, key and value weights fused, (3C, C))
///   context = attention(qkv, key mask)     (softmax(q kᵀ / √D) with dropout, times v)
///   sum = dropout(context Woᵀ + bo) + x
///   out = LayerNorm(sum)
///
/// Shapes: x (B, T, C); qkv (B, T, 3C); context, sum, out (B, Tq, C); probs (B, H, Tq, T);
/// mean, rstd (B·Tq). Tq is T, or 1 in the last layer, where only the first token's output
/// reaches the classification head. There keys and values still cover all T tokens, while the
/// query, the output projection and everything after it run for the first token alone.
/// Backward overwrites all six parameter gradients and writes dx (B, T, C).
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
        /// x[:, 0] (B, C), the residual input when Tq = 1.
        var firstTokens: Tensor?
        /// 16-bit copies of x and context for the matrix products (mixed precision only).
        var inputHalf: Tensor?
        var contextHalf: Tensor?

        var queries: Int { context.shape[1] }

        init(_ arena: Arena, batchSize: Int, length: Int, queries: Int, width: Int, heads: Int, matmulType: DType) {
            let tokens = batchSize * length, rows = batchSize * queries
            qkv = arena.tensor([batchSize, length, 3 * width])
            probs = arena.tensor([batchSize, heads, queries, length])
            probsMask = arena.tensor([batchSize * heads * attentionDropoutWords(queries: queries, keys: length)])
            context = arena.tensor([batchSize, queries, width])
            sum = arena.tensor([rows, width])
            sumMask = arena.tensor([maskWords(rows * width)])
            mean = arena.tensor([rows])
            rstd = arena.tensor([rows])
            out = arena.tensor([rows, width])
            if queries < length { firstTokens = arena.tensor([batchSize, width]) }
            if matmulType != .float32 {
                inputHalf = arena.tensor([tokens, width], matmulType)
                contextHalf = arena.tensor([rows, width], matmulType)
            }
        }
    }

    /// Gradient scratch, shared by all layers with the same Tq.
    struct Scratch {
        var dsum: Tensor        // (B·Tq, C)
        var dprojection: Tensor // (B·Tq, C)
        var dcontext: Tensor    // (B, Tq, C)
        var dqkv: Tensor        // (B, T, 3C)
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
        let tokens = context.tokens, width = x.columns, rows = context.batchSize * saved.queries
        let x2 = x.reshaped([tokens, width])

        let input = matmulInput(backend, x2, half: saved.inputHalf)
        Linear.forward(backend, x: input, weight: qkvWeight, bias: qkvBias, out: saved.qkv.reshaped([tokens, 3 * width]))
        backend.attentionForward(qkv: saved.qkv, keyMask: context.keyMask, heads: heads, scale: scale,
                                 probs: saved.probs, dropoutMask: saved.probsMask,
                                 probability: context.dropout(attentionDropout), seed: context.dropoutSeed,
                                 stream: DropoutStream.attentionProbs(layer: layer), out: saved.context)

        // sum = dropout(context Woᵀ + bo) + x, then layer norm.
        let context2 = matmulInput(backend, saved.context.reshaped([rows, width]), half: saved.contextHalf)
        Linear.forward(backend, x: context2, weight: outputWeight, bias: outputBias, out: saved.sum)
        backend.dropoutForward(saved.sum, out: saved.sum, mask: saved.sumMask, probability: context.dropout(hiddenDropout),
                               seed: context.dropoutSeed, stream: DropoutStream.attentionOutput(layer: layer))
        var residual = x2
        if let firstTokens = saved.firstTokens {
            copyFirstTokens(of: x, into: firstTokens)
            residual = firstTokens
        }
        backend.add(saved.sum, residual, into: saved.sum)
        backend.layerNormForward(saved.sum, weight: normWeight.value, bias: normBias.value, epsilon: epsilon,
                                 out: saved.out, mean: saved.mean, rstd: saved.rstd)
    }

    /// dout (B·Tq, C) is the gradient of `saved.out`; writes dx (B, T, C), which must not alias dout.
    func backward(_ backend: Backend, dout: Tensor, x: Tensor, saved: Activations, context: PassContext,
                  scratch: Scratch, dx: Tensor) {
        let tokens = context.tokens, width = dout.columns, rows = context.batchSize * saved.queries

        // out = LayerNorm(sum): dsum also flows straight to dx through the residual.
        backend.layerNormBackward(dout: dout, x: saved.sum, mean: saved.mean, rstd: saved.rstd, weight: normWeight.value,
                                  dx: scratch.dsum, dweight: normWeight.gradient, dbias: normBias.gradient)

        // sum = dropout(context Woᵀ + bo) + x
        backend.dropoutBackward(dout: scratch.dsum, mask: saved.sumMask, probability: context.dropout(hiddenDropout),
                                dx: scratch.dprojection)
        Linear.backward(backend, dout: scratch.dprojection, halfScratch: scratch.half,
                        x: saved.contextHalf ?? saved.context.reshaped([rows, width]),
                        weight: outputWeight, bias: outputBias, dx: scratch.dcontext.reshaped([rows, width]))

        // context = attention(qkv)
        backend.attentionBackward(dout: scratch.dcontext, qkv: saved.qkv, probs: saved.probs, dropoutMask: saved.probsMask,
                                  probability: context.dropout(attentionDropout), heads: heads, scale: scale, dqkv: scratch.dqkv)

        // qkv = x Wqkvᵀ + bqkv, plus the residual path.
        let dx2 = dx.reshaped([tokens, width])
        Linear.backward(backend, dout: scratch.dqkv.reshaped([tokens, 3 * width]), halfScratch: scratch.half,
                        x: saved.inputHalf ?? x.reshaped([tokens, width]), weight: qkvWeight, bias: qkvBias, dx: dx2)
        if saved.firstTokens != nil {
            addToFirstTokens(scratch.dsum, of: dx)
        } else {
            backend.add(dx2, scratch.dsum, into: dx2)
        }
    }
}

/// Copies x[:, 0] of x (B, T, C) into first (B, C).
func copyFirstTokens(of x: Tensor, into first: Tensor) {
    let b = first.rows, c = first.columns, stride = x.count / b
    for row in 0..<b { (first.floats + row * c).update(from: x.floats + row * stride, count: c) }
}

/// dx[:, 0] += d for d (B, C) and dx (B, T, C).
func addToFirstTokens(_ d: Tensor, of dx: Tensor) {
    let b = d.rows, c = d.columns, stride = dx.count / b
    for row in 0..<b {
        let target = dx.floats + row * stride, source = d.floats + row * c
        for i in 0..<c { target[i] += source[i] }
    }
}
