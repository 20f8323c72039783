/// The feed-forward half of an encoder layer, as transformers' RobertaIntermediate + RobertaOutput
/// (and the BERT equivalents):
///   pre = x W1ᵀ + b1;  act = GELU(pre)
///   sum = dropout(act W2ᵀ + b2) + x;  out = LayerNorm(sum)
///
/// Shapes: x, sum, out (N, C); pre, act (N, F); W1 (F, C); W2 (C, F); mean, rstd (N).
/// Backward overwrites all six parameter gradients and writes dx (N, C).
final class FeedForward {
    let inputWeight: Parameter
    let inputBias: Parameter
    let outputWeight: Parameter
    let outputBias: Parameter
    let normWeight: Parameter
    let normBias: Parameter
    let layer: Int
    let epsilon: Float
    let hiddenDropout: Float

    struct Activations {
        var pre: Tensor
        /// GELU output (fp32 only; in mixed precision GELU writes `actHalf` instead).
        var act: Tensor
        var sum: Tensor
        var sumMask: Tensor
        var mean: Tensor
        var rstd: Tensor
        var out: Tensor
        /// 16-bit copies of x and act for the matrix products (mixed precision only).
        var inputHalf: Tensor?
        var actHalf: Tensor?

        init(_ arena: Arena, tokens: Int, width: Int, inner: Int, matmulType: DType) {
            pre = arena.tensor([tokens, inner])
            act = arena.tensor(matmulType == .float32 ? [tokens, inner] : [0])
            sum = arena.tensor([tokens, width])
            sumMask = arena.tensor([maskWords(tokens * width)])
            mean = arena.tensor([tokens])
            rstd = arena.tensor([tokens])
            out = arena.tensor([tokens, width])
            if matmulType != .float32 {
                inputHalf = arena.tensor([tokens, width], matmulType)
                actHalf = arena.tensor([tokens, inner], matmulType)
            }
        }
    }

    /// Gradient scratch shared by all layers.
    struct Scratch {
        var dsum: Tensor        // (N, C)
        var dprojection: Tensor // (N, C)
        var dinner: Tensor      // (N, F)
        /// 16-bit copies of output gradients, at least N·F elements (mixed precision only).
        var half: Tensor?
    }

    init(config: EncoderConfig, layer: Int, store: ParameterStore) {
        let c = config.hiddenSize, f = config.intermediateSize
        let prefix = "encoder.layer.\(layer)"
        inputWeight = store.add("layer \(layer) intermediate.weight", [f, c], feedsMatmul: true,
                                names: [("\(prefix).intermediate.dense.weight", [f, c])])
        inputBias = store.add("layer \(layer) intermediate.bias", [f], names: [("\(prefix).intermediate.dense.bias", [f])])
        outputWeight = store.add("layer \(layer) output.weight", [c, f], feedsMatmul: true,
                                 names: [("\(prefix).output.dense.weight", [c, f])])
        outputBias = store.add("layer \(layer) output.bias", [c], names: [("\(prefix).output.dense.bias", [c])])
        normWeight = store.add("layer \(layer) output.norm.weight", [c], names: [("\(prefix).output.LayerNorm.weight", [c])])
        normBias = store.add("layer \(layer) output.norm.bias", [c], names: [("\(prefix).output.LayerNorm.bias", [c])])
        self.layer = layer
        epsilon = config.layerNormEps
        hiddenDropout = config.hiddenDropoutProb
    }

    static func parameterCount(_ config: EncoderConfig) -> Int {
        let c = config.hiddenSize, f = config.intermediateSize
        return f * c + f + c * f + c + 2 * c
    }

    func forward(_ backend: Backend, x: Tensor, saved: Activations, context: PassContext) {
        Linear.forward(backend, x: matmulInput(backend, x, half: saved.inputHalf), weight: inputWeight, bias: inputBias, out: saved.pre)
        // In mixed precision GELU writes its 16-bit copy directly; the fp32 act is not needed.
        let act = saved.actHalf ?? saved.act
        backend.geluForward(saved.pre, out: act)

        // sum = dropout(act W2ᵀ + b2) + x, then layer norm.
        Linear.forward(backend, x: act, weight: outputWeight, bias: outputBias, out: saved.sum)
        backend.dropoutForward(saved.sum, out: saved.sum, mask: saved.sumMask, probability: context.dropout(hiddenDropout),
                               seed: context.dropoutSeed, stream: DropoutStream.feedForwardOutput(layer: layer))
        backend.add(saved.sum, x, into: saved.sum)
        backend.layerNormForward(saved.sum, weight: normWeight.value, bias: normBias.value, epsilon: epsilon,
                                 out: saved.out, mean: saved.mean, rstd: saved.rstd)
    }

    /// dout (N, C) is the gradient of `saved.out`; writes dx (N, C), which must not alias dout.
    func backward(_ backend: Backend, dout: Tensor, x: Tensor, saved: Activations, context: PassContext,
                  scratch: Scratch, dx: Tensor) {
        backend.layerNormBackward(dout: dout, x: saved.sum, mean: saved.mean, rstd: saved.rstd, weight: normWeight.value,
                                  dx: scratch.dsum, dweight: normWeight.gradient, dbias: normBias.gradient)
        backend.dropoutBackward(dout: scratch.dsum, mask: saved.sumMask, probability: context.dropout(hiddenDropout),
                                dx: scratch.dprojection)

        // sum = act W2ᵀ + b2 (+ x)
        Linear.backward(backend, dout: scratch.dprojection, halfScratch: scratch.half, x: saved.actHalf ?? saved.act,
                        weight: outputWeight, bias: outputBias, dx: scratch.dinner)
        // act = GELU(pre)
        backend.geluBackward(dout: scratch.dinner, x: saved.pre, dx: scratch.dinner)
        // pre = x W1ᵀ + b1, plus the residual path.
        Linear.backward(backend, dout: scratch.dinner, halfScratch: scratch.half, x: saved.inputHalf ?? x,
                        weight: inputWeight, bias: inputBias, dx: dx)
        backend.add(dx, scratch.dsum, into: dx)
    }
}
