import CDNNL

/// The CPU backend: oneDNN for matrix products, Swift SIMD kernels for everything else,
/// parallel over rows on all cores.
///
/// The kernels live in extensions, one file per family (`MatmulKernels.swift`,
/// `LayerNormKernels.swift`, ...). The instance owns the oneDNN engine and stream, the cache
/// of bf16 matmul primitives, and scratch memory that grows to the largest request and is
/// then reused.
public final class CPUBackend: Backend {
    let engine: dnnl_engine_t
    /// One stream per `Parallel` chunk, so blocks of a product run on separate streams.
    let streams: [dnnl_stream_t]
    var matmulPrimitives: [MatmulKey: MatmulPrimitive] = [:]
    /// Per-chunk partial sums of row reductions (layer-norm weight gradients, bias gradients).
    var reductionScratch = Tensor(shape: [0])
    /// Per-core transposed keys and score rows of the attention kernels.
    var attentionScratch = Tensor(shape: [0])
    /// fp32 copies of fp16 matrix-product inputs.
    var widenScratch = Tensor(shape: [0])

    public init() {
        var engine: dnnl_engine_t?
        let engineStatus = dnnl_engine_create(&engine, dnnl_cpu, 0)
        precondition(engineStatus == dnnl_success, "CPUBackend: dnnl_engine_create failed with status \(engineStatus.rawValue)")
        self.engine = engine!
        streams = (0..<Parallel.workers).map { _ in
            var stream: dnnl_stream_t?
            let status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue)
            precondition(status == dnnl_success, "CPUBackend: dnnl_stream_create failed with status \(status.rawValue)")
            return stream!
        }
    }

    deinit {
        for primitive in matmulPrimitives.values { primitive.destroy() }
        for stream in streams { dnnl_stream_destroy(stream) }
        dnnl_engine_destroy(engine)
    }

    /// Returns a float32 scratch tensor of at least `count` elements, growing `scratch` when needed.
    func scratch(_ scratch: inout Tensor, count: Int) -> Tensor {
        if scratch.count < count { scratch = Tensor(shape: [count]) }
        return scratch
    }
}
