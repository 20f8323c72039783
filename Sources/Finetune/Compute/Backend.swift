/// Every kernel the encoder needs, so the model code runs unchanged on another device.
///
/// Shapes use B (batch), T (sequence length), N = B·T (tokens), C (hidden size), H (heads),
/// D = C/H (head size), F (feed-forward size), V (vocabulary), P (positions), L (labels).
/// Tensors are row-major and float32 unless a method's documentation names another type.
/// Outputs are overwritten, and a gradient marked "accumulates" is added to (`+=`).
/// Kernels do not throw: shape mismatches are programmer errors and stop with a precondition.
public protocol Backend: AnyObject {
    // MARK: Matrix products

    /// c = alpha · op(a) · op(b) + beta · c for 2-D a, b, c, where op transposes when asked.
    /// a and b are both float32, both bfloat16 or both float16; c is float32 (bfloat16 inputs may
    /// also write a bfloat16 c when beta is 0). Products accumulate in fp32.
    func matmul(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, into c: Tensor, alpha: Float, beta: Float)

    // MARK: Elementwise and row operations

    /// x[n, :] += bias for x (rows, C) and bias (C).
    func addBias(_ bias: Tensor, to x: Tensor)
    /// sum[c] = Σ_n x[n, c] for x (rows, C); the bias gradient of a linear layer.
    func sumRows(_ x: Tensor, into sum: Tensor)
    /// out = a + b, elementwise over equal shapes; out may alias a or b.
    func add(_ a: Tensor, _ b: Tensor, into out: Tensor)
    /// x *= factor, elementwise.
    func scale(_ x: Tensor, by factor: Float)
    /// Σ x² in double precision.
    func sumOfSquares(_ x: Tensor) -> Double
    /// True when no element is inf or NaN.
    func allFinite(_ x: Tensor) -> Bool
    /// Copies `source` into `destination` of the same element count, converting the dtype
    /// (rounding to nearest, ties to even, when narrowing).
    func convert(_ source: Tensor, into destination: Tensor)

    // MARK: Embeddings

    /// out[n] = word[ids[n]] + position[positionIds[n]] + tokenType[0] for n < N.
    /// ids and positionIds must be in range (the caller validates them).
    func embeddingForward(ids: UnsafePointer<Int32>, positionIds: UnsafePointer<Int32>,
                          word: Tensor, position: Tensor, tokenType: Tensor, out: Tensor)
    /// dword[ids[n]] += dout[n], dposition[positionIds[n]] += dout[n], dtokenType[0] += dout[n]
    /// (all three accumulate).
    func embeddingBackward(dout: Tensor, ids: UnsafePointer<Int32>, positionIds: UnsafePointer<Int32>,
                           dword: Tensor, dposition: Tensor, dtokenType: Tensor)

    // MARK: Layer norm

    /// out = (x - mean) · rstd · weight + bias per row of x (N, C); saves mean and rstd (N).
    func layerNormForward(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float,
                          out: Tensor, mean: Tensor, rstd: Tensor)
    /// dx from dout and the saved x, mean, rstd; dweight and dbias are overwritten (not accumulated).
    func layerNormBackward(dout: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor,
                           dx: Tensor, dweight: Tensor, dbias: Tensor)

    // MARK: Activations

    /// out = GELU(x) = x Φ(x) (exact, erf form), computed in fp32; out is float32 (and may alias
    /// x) or a 16-bit type, which receives the rounded values.
    func geluForward(_ x: Tensor, out: Tensor)
    /// dx = dout · GELU'(x); dx may alias dout.
    func geluBackward(dout: Tensor, x: Tensor, dx: Tensor)
    /// out = tanh(x); out may alias x.
    func tanhForward(_ x: Tensor, out: Tensor)
    /// dx = dout · (1 - out²) from the saved output; dx may alias dout.
    func tanhBackward(dout: Tensor, out: Tensor, dx: Tensor)

    // MARK: Dropout

    /// out = x · keep / (1 - p), keep drawn from Philox(seed) on counter stream `stream`; stores
    /// the keep bits in `mask` (ceil(count/32) 32-bit words viewed from a float32 tensor).
    /// p = 0 copies x and sets every bit. out may alias x.
    func dropoutForward(_ x: Tensor, out: Tensor, mask: Tensor, probability: Float, seed: UInt64, stream: UInt64)
    /// dx = dout · keep / (1 - p) with the saved keep bits; dx may alias dout.
    func dropoutBackward(dout: Tensor, mask: Tensor, probability: Float, dx: Tensor)

    // MARK: Attention

    /// Multi-head self-attention on a packed projection qkv (B, T, 3C): queries in columns
    /// [0, C), keys in [C, 2C), values in [2C, 3C), head h in columns h·D ..< (h+1)·D of each.
    /// Only the first Tq = out.shape[1] rows of queries are used (Tq = T, or 1 when only the first
    /// token's output is needed). probs (B, H, Tq, T) = softmax(q kᵀ · scale) over keys with
    /// keyMask (B, T) = 0 excluded; a row with no key left is uniform over all T keys, as
    /// transformers' eager attention (which adds the dtype minimum) produces. Attention dropout
    /// with `probability` draws its keep bits into `dropoutMask` (B·H·`attentionDropoutWords`
    /// words viewed from a float32 tensor). out (B, Tq, C) = dropped probs · v.
    func attentionForward(qkv: Tensor, keyMask: Tensor, heads: Int, scale: Float,
                          probs: Tensor, dropoutMask: Tensor, probability: Float, seed: UInt64, stream: UInt64,
                          out: Tensor)
    /// dqkv (B, T, 3C) from dout (B, Tq, C) and the saved qkv, probs and dropout bits; query rows
    /// from Tq on get zero gradient.
    func attentionBackward(dout: Tensor, qkv: Tensor, probs: Tensor, dropoutMask: Tensor, probability: Float,
                           heads: Int, scale: Float, dqkv: Tensor)

    // MARK: Loss

    /// Mean cross-entropy of logits (B, L) against labels (B); saves softmax probabilities (B, L).
    func crossEntropyForward(logits: Tensor, labels: UnsafePointer<Int32>, probs: Tensor) -> Float
    /// dlogits = (probs - onehot(labels)) · scale / B.
    func crossEntropyBackward(probs: Tensor, labels: UnsafePointer<Int32>, scale: Float, dlogits: Tensor)

    // MARK: Optimizer

    /// Applies one torch.optim.AdamW update to `parameters` (fp32) in place with fp32 moments, where
    /// `stepSize` = lr / (1 - β1^t), `biasCorrection2Root` = √(1 - β2^t) and `decay` = 1 - lr·wd.
    /// When `halfCopy` (bfloat16 or float16, same count) is given, it receives the updated values
    /// rounded to nearest in the same pass.
    func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
               beta1: Float, beta2: Float, epsilon: Float, stepSize: Float, biasCorrection2Root: Float, decay: Float,
               halfCopy: Tensor?)
}

/// 32-bit words of attention-dropout keep bits per (batch row, head) pair: Tq·T bits rounded up
/// to whole 64-bit groups.
public func attentionDropoutWords(queries: Int, keys: Int) -> Int {
    (queries * keys + 63) / 64 * 2
}
