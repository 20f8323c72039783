/// A linear layer y = x Wᵀ + b with x (rows, in), W (out, in), b (out), y (rows, out), as
/// torch.nn.Linear.
///
/// In 16-bit precisions x, W and dout arrive as 16-bit tensors (W as the parameter's `half`
/// copy) and the products accumulate in fp32; y, dx and the gradients are fp32.
enum Linear {
    /// out = x Wᵀ + b; x has the dtype of `weight.matmulValue` (fp32, or the 16-bit copy's type).
    static func forward(_ backend: Backend, x: Tensor, weight: Parameter, bias: Parameter, out: Tensor) {
        backend.matmul(x, transposeA: false, weight.matmulValue, transposeB: true, into: out, alpha: 1, beta: 0)
        backend.addBias(bias.value, to: out)
    }

    /// dweight = doutᵀ x and dbias = Σ_rows dout (both overwritten); dx = dout W when dx is given.
    /// dout is fp32. In 16-bit precisions `halfScratch` (at least dout.count elements of the
    /// weight copy's type) receives a 16-bit copy of dout for the two products, and x is the
    /// 16-bit copy saved in forward.
    static func backward(_ backend: Backend, dout: Tensor, halfScratch: Tensor?, x: Tensor, weight: Parameter, bias: Parameter, dx: Tensor?) {
        backend.sumRows(dout, into: bias.gradient)
        var product = dout
        if let halfScratch, x.dtype != .float32 {
            product = Tensor(storage: halfScratch.storage, byteOffset: halfScratch.byteOffset, shape: dout.shape, dtype: halfScratch.dtype)
            backend.convert(dout, into: product)
        }
        backend.matmul(product, transposeA: true, x, transposeB: false, into: weight.gradient, alpha: 1, beta: 0)
        if let dx {
            backend.matmul(product, transposeA: false, weight.matmulValue, transposeB: false, into: dx, alpha: 1, beta: 0)
        }
    }
}

/// The settings of one forward or backward pass besides the tensors: batch shape, mode, dropout
/// seed and matmul type.
struct PassContext {
    var batchSize: Int
    var sequenceLength: Int
    var training: Bool
    var dropoutSeed: UInt64
    /// 1 for a real token, 0 for padding, (B, T) float32.
    var keyMask: Tensor
    /// Storage type of matrix-product inputs: float32, or bfloat16/float16 in mixed precision.
    var matmulType: DType

    var tokens: Int { batchSize * sequenceLength }

    /// Returns the dropout rate to use: `rate` in training, 0 in evaluation.
    func dropout(_ rate: Float) -> Float { training ? rate : 0 }
}

/// Dropout streams: each dropout site of a step draws from its own Philox counter range.
enum DropoutStream {
    static let embeddings: UInt64 = 0
    static func attentionProbs(layer: Int) -> UInt64 { 1 + 3 * UInt64(layer) }
    static func attentionOutput(layer: Int) -> UInt64 { 2 + 3 * UInt64(layer) }
    static func feedForwardOutput(layer: Int) -> UInt64 { 3 + 3 * UInt64(layer) }
    static let headInput: UInt64 = 1 << 20
    static let headHidden: UInt64 = (1 << 20) + 1
}

/// The 16-bit copy of x for a matrix product: converts x into `half` and returns it, or returns
/// x itself in fp32 (when `half` is nil).
func matmulInput(_ backend: Backend, _ x: Tensor, half: Tensor?) -> Tensor {
    guard let half else { return x }
    backend.convert(x, into: half)
    return half
}

/// Words of keep bits for `count` dropout elements, as a float32 tensor length.
func maskWords(_ count: Int) -> Int { (count + 31) / 32 }
