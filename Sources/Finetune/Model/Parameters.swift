import Foundation

/// One trainable tensor of the model: its fp32 master value, its gradient, and in 16-bit
/// precisions a 16-bit copy of the value for matrix products.
///
/// Values and gradients view two flat blocks owned by `ParameterStore`, so the optimizer and
/// the gradient utilities run over all parameters in one pass.
public final class Parameter {
    /// Internal name, for messages (for example "layer 3 qkv.weight").
    public let label: String
    public let value: Tensor
    public let gradient: Tensor
    /// True for weights that enter matrix products and so get a 16-bit copy in bf16/fp16.
    public let feedsMatmul: Bool
    /// The 16-bit copy of `value`, refreshed after each optimizer step; nil in fp32.
    public internal(set) var half: Tensor?

    init(label: String, value: Tensor, gradient: Tensor, feedsMatmul: Bool) {
        self.label = label
        self.value = value
        self.gradient = gradient
        self.feedsMatmul = feedsMatmul
    }

    /// The value in the dtype matrix products use: the 16-bit copy when there is one.
    var matmulValue: Tensor { half ?? value }
}

/// A Hugging Face tensor name and the part of a parameter it covers (the query, key and value
/// weights of a layer are three rows blocks of one fused parameter).
public struct NamedTensor {
    /// Name without the `roberta.`/`bert.` prefix, as in `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    public let shape: [Int]
    let parameter: Parameter
    /// First element within `parameter`.
    let elementOffset: Int

    public var count: Int { shape.reduce(1, *) }

    /// The fp32 values this name covers.
    public var values: UnsafeMutablePointer<Float> { parameter.value.floats + elementOffset }
    /// The gradient this name covers.
    public var gradients: UnsafeMutablePointer<Float> { parameter.gradient.floats + elementOffset }
}

/// The flat value and gradient blocks of all parameters, plus the Hugging Face names that view them.
public final class ParameterStore {
    public let values: Tensor
    public let gradients: Tensor
    public private(set) var parameters: [Parameter] = []
    public private(set) var names: [NamedTensor] = []
    private var used = 0

    /// Allocates blocks for `count` fp32 elements; `add` carves them in order.
    init(count: Int) {
        values = Tensor(shape: [count])
        gradients = Tensor(shape: [count])
    }

    /// Carves a parameter of `shape` and registers the Hugging Face names that cover it, each with
    /// its shape, in row order. Names cover the parameter exactly.
    func add(_ label: String, _ shape: [Int], feedsMatmul: Bool = false, names parts: [(String, [Int])]) -> Parameter {
        let count = shape.reduce(1, *)
        precondition(used + count <= values.count, "ParameterStore: \(label) \(shape) exceeds the \(values.count)-element block")
        precondition(parts.reduce(0) { $0 + $1.1.reduce(1, *) } == count, "ParameterStore: names of \(label) do not cover \(shape)")
        let parameter = Parameter(
            label: label,
            value: Tensor(storage: values.storage, byteOffset: used * 4, shape: shape, dtype: .float32),
            gradient: Tensor(storage: gradients.storage, byteOffset: used * 4, shape: shape, dtype: .float32),
            feedsMatmul: feedsMatmul)
        var offset = 0
        for (name, partShape) in parts {
            names.append(NamedTensor(name: name, shape: partShape, parameter: parameter, elementOffset: offset))
            offset += partShape.reduce(1, *)
        }
        used += count
        parameters.append(parameter)
        return parameter
    }

    /// Number of scalar parameters.
    public var count: Int { values.count }

    /// Creates or drops the 16-bit copies of matmul weights and fills them from the fp32 values.
    func setHalfCopies(_ dtype: DType?, backend: Backend) {
        for parameter in parameters where parameter.feedsMatmul {
            if let dtype, dtype != .float32 {
                if parameter.half?.dtype != dtype { parameter.half = Tensor(shape: parameter.value.shape, dtype: dtype) }
                backend.convert(parameter.value, into: parameter.half!)
            } else {
                parameter.half = nil
            }
        }
    }

    /// Refreshes the existing 16-bit copies from the fp32 values.
    func refreshHalfCopies(backend: Backend) {
        for parameter in parameters {
            if let half = parameter.half { backend.convert(parameter.value, into: half) }
        }
    }
}

/// Fills values[0..<count] with N(0, std) samples: element i comes from Philox(seed, stream)
/// block i / 4, whose four words make two Box-Muller pairs. Blocks are split across cores, and
/// the result does not depend on how.
func fillNormal(_ values: UnsafeMutablePointer<Float>, count: Int, std: Float, seed: UInt64, stream: UInt64) {
    let generator = Philox(seed: seed, stream: stream)
    let blocks = (count + 3) / 4
    Parallel.forEachChunk(count: blocks, grain: 4096) { _, range in
        for block in range {
            let words = generator.block(generator.counter + UInt64(block))
            boxMuller(words.0, words.1, into: values, at: block * 4, count: count, std: std)
            boxMuller(words.2, words.3, into: values, at: block * 4 + 2, count: count, std: std)
        }
    }
}

/// Writes the Box-Muller pair of two random words to values[index] and values[index + 1]
/// (those below count).
@inline(__always)
private func boxMuller(_ first: UInt32, _ second: UInt32, into values: UnsafeMutablePointer<Float>, at index: Int, count: Int, std: Float) {
    // u1 in (0, 1] keeps the logarithm finite; u2 in [0, 1).
    let u1 = (Float(first >> 8) + 1) * (1.0 / 16_777_216.0)
    let u2 = Float(second >> 8) * (1.0 / 16_777_216.0)
    let radius = std * (-2 * logf(u1)).squareRoot()
    if index < count { values[index] = radius * cosf(2 * Float.pi * u2) }
    if index + 1 < count { values[index + 1] = radius * sinf(2 * Float.pi * u2) }
}
