import CDNNL
#if canImport(Glibc)
import Glibc
#endif

/// Matrix products on oneDNN: `dnnl_sgemm` for fp32 inputs, and for bf16 inputs a matmul
/// primitive (fp32 accumulation) built once per shape and cached.
///
/// Every product is split by us: the larger of M and N is cut into one block per core, and each
/// block runs single-threaded inside `Parallel`, so matrix products and the Swift kernels share
/// one thread pool. oneDNN's own OpenMP threading ends every product in a spinning barrier,
/// which stalls when another process occupies a core.
///
/// fp16 inputs are widened to fp32 and go through `dnnl_sgemm`, because oneDNN 2.6 has no
/// fast fp16 matmul on CPUs without AVX512-FP16; fp16 is then a storage format only.

/// Sets the OpenMP thread count of the calling thread to 1, so oneDNN calls made from the
/// `Parallel` workers run on that worker alone. libgomp's `omp_set_num_threads` is found with
/// dlsym in the already loaded library; without it oneDNN keeps its default threading.
enum OpenMPThreads {
    typealias SetThreads = @convention(c) (Int32) -> Void

    static let setThreads: SetThreads? = {
        guard let handle = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD),
              let symbol = dlsym(handle, "omp_set_num_threads") else { return nil }
        return unsafeBitCast(symbol, to: SetThreads.self)
    }()

    @inline(__always)
    static func useOneThread() { setThreads?(1) }
}

/// Identifies one cached matmul primitive: a block's shape, its operands' leading dimensions,
/// and the `Parallel` chunk (slot) that runs it, which owns the memory objects and scratchpad.
struct MatmulKey: Hashable {
    var m: Int, n: Int, k: Int
    var transposeA: Bool, transposeB: Bool
    var lda: Int, ldb: Int, ldc: Int
    var input: DType, output: DType
    var alphaBits: UInt32, betaBits: UInt32
    var slot: Int
}

/// A oneDNN matmul primitive with its memory objects, whose data handles are set per call, and
/// its user-managed scratchpad.
struct MatmulPrimitive {
    let primitive: dnnl_primitive_t
    let a: dnnl_memory_t
    let b: dnnl_memory_t
    let c: dnnl_memory_t
    let scratchpad: dnnl_memory_t
    let scratchpadStorage: TensorStorage

    func destroy() {
        dnnl_memory_destroy(a)
        dnnl_memory_destroy(b)
        dnnl_memory_destroy(c)
        dnnl_memory_destroy(scratchpad)
        dnnl_primitive_destroy(primitive)
    }
}

/// Products smaller than this many multiply-adds run as one block on the calling thread.
let matmulSplitThreshold = 1 << 21
/// Minimum rows (or columns) per block, because smaller blocks slow oneDNN's kernels down.
let matmulBlockGrain = 64
/// Most bf16 matmul primitives kept at once.
let matmulCacheLimit = 1024

extension CPUBackend {
    public func matmul(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, into c: Tensor, alpha: Float, beta: Float) {
        precondition(a.shape.count == 2 && b.shape.count == 2 && c.shape.count == 2,
                     "matmul: expected 2-D tensors, got \(a.shape), \(b.shape), \(c.shape)")
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(k == kb && c.shape == [m, n],
                     "matmul: op(a) \(m)x\(k) times op(b) \(kb)x\(n) does not fit c \(c.shape)")
        precondition(a.dtype == b.dtype, "matmul: a is \(a.dtype) but b is \(b.dtype)")
        guard m > 0, n > 0 else { return }

        switch a.dtype {
        case .float32:
            precondition(c.dtype == .float32, "matmul: float32 inputs need a float32 output, got \(c.dtype)")
            sgemm(a.floats, transposeA: transposeA, b.floats, transposeB: transposeB, c.floats,
                  m: m, n: n, k: k, lda: a.shape[1], ldb: b.shape[1], alpha: alpha, beta: beta)
        case .float16:
            precondition(c.dtype == .float32, "matmul: float16 inputs need a float32 output, got \(c.dtype)")
            let wide = scratch(&widenScratch, count: a.count + b.count)
            let wideA = Tensor(storage: wide.storage, byteOffset: wide.byteOffset, shape: a.shape, dtype: .float32)
            let wideB = Tensor(storage: wide.storage, byteOffset: wide.byteOffset + a.count * 4, shape: b.shape, dtype: .float32)
            convert(a, into: wideA)
            convert(b, into: wideB)
            sgemm(wideA.floats, transposeA: transposeA, wideB.floats, transposeB: transposeB, c.floats,
                  m: m, n: n, k: k, lda: a.shape[1], ldb: b.shape[1], alpha: alpha, beta: beta)
        case .bfloat16:
            precondition(c.dtype == .float32 || (c.dtype == .bfloat16 && beta == 0),
                         "matmul: bfloat16 inputs need a float32 output, or a bfloat16 one with beta 0; got \(c.dtype), beta \(beta)")
            primitiveMatmul(a, transposeA: transposeA, b, transposeB: transposeB, into: c, m: m, n: n, k: k, alpha: alpha, beta: beta)
        }
    }

    /// Returns how an m x n product is cut: the number of blocks, whether they split rows (else
    /// columns), and the number of rows or columns to split.
    func matmulBlocks(m: Int, n: Int, k: Int) -> (count: Int, splitRows: Bool, extent: Int) {
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let count = m * n * k >= matmulSplitThreshold ? Parallel.chunkCount(extent, grain: matmulBlockGrain) : 1
        return (count, splitRows, extent)
    }

    /// Row-major C = alpha op(A) op(B) + beta C through single-threaded `dnnl_sgemm` calls, one per block.
    func sgemm(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
               _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, lda: Int, ldb: Int, alpha: Float, beta: Float) {
        let blocks = matmulBlocks(m: m, n: n, k: k)
        let splitRows = blocks.splitRows
        Parallel.forEachChunk(count: blocks.extent, grain: blocks.count > 1 ? matmulBlockGrain : Int.max) { _, range in
            OpenMPThreads.useOneThread()
            let start = range.lowerBound
            // SAFETY: a block of rows of C reads the same rows of op(A); a block of columns reads
            // the same columns of op(B). Row-major offsets follow from lda, ldb and ldc = n.
            var blockA = a, blockB = b, blockC = c + start
            if splitRows {
                blockA = transposeA ? a + start : a + start * lda
                blockC = c + start * n
            } else {
                blockB = transposeB ? b + start * ldb : b + start
            }
            let status = dnnl_sgemm(transposeA ? 84 : 78, transposeB ? 84 : 78,  // "T" : "N"
                                    Int64(splitRows ? range.count : m), Int64(splitRows ? n : range.count), Int64(k),
                                    alpha, blockA, Int64(lda), blockB, Int64(ldb), beta, blockC, Int64(n))
            precondition(status == dnnl_success, "matmul: dnnl_sgemm \(m)x\(n)x\(k) failed with status \(status.rawValue)")
        }
    }

    /// C = alpha op(A) op(B) + beta C through oneDNN matmul primitives, one per block, built on
    /// the calling thread before the blocks run (the primitive cache is not thread-safe).
    func primitiveMatmul(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, into c: Tensor,
                         m: Int, n: Int, k: Int, alpha: Float, beta: Float) {
        let blocks = matmulBlocks(m: m, n: n, k: k)
        let splitRows = blocks.splitRows
        let lda = a.shape[1], ldb = b.shape[1]
        let elementSize = a.dtype.byteSize, outputSize = c.dtype.byteSize
        // Emptied before any block's primitive is fetched, so none is destroyed while in use.
        if matmulPrimitives.count + blocks.count > matmulCacheLimit {
            for primitive in matmulPrimitives.values { primitive.destroy() }
            matmulPrimitives.removeAll()
        }
        withUnsafeTemporaryAllocation(of: MatmulPrimitive.self, capacity: blocks.count) { primitives in
            for block in 0..<blocks.count {
                let size = blocks.extent * (block + 1) / blocks.count - blocks.extent * block / blocks.count
                let key = MatmulKey(m: splitRows ? size : m, n: splitRows ? n : size, k: k,
                                    transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: n,
                                    input: a.dtype, output: c.dtype, alphaBits: alpha.bitPattern, betaBits: beta.bitPattern,
                                    slot: block)
                primitives.initializeElement(at: block, to: matmulPrimitive(key))
            }
            Parallel.forEachChunk(count: blocks.extent, grain: blocks.count > 1 ? matmulBlockGrain : Int.max) { block, range in
                OpenMPThreads.useOneThread()
                let start = range.lowerBound
                // SAFETY: as in sgemm, with offsets in bytes of each operand's element type.
                var offsetA = 0, offsetB = 0, offsetC = start
                if splitRows {
                    offsetA = transposeA ? start : start * lda
                    offsetC = start * n
                } else {
                    offsetB = transposeB ? start * ldb : start
                }
                execute(primitives[block], slot: block, a: a.data + offsetA * elementSize, b: b.data + offsetB * elementSize,
                        c: c.data + offsetC * outputSize)
            }
            primitives.baseAddress!.deinitialize(count: blocks.count)
        }
    }

    /// Returns the cached primitive for `key`, creating it on first use.
    ///
    /// With dynamic padding every new sequence length brings new shapes, and a primitive costs
    /// about 10 ms to build and some JIT code and scratchpad memory (measured: 164 primitives,
    /// 38 MiB). `primitiveMatmul` empties the cache when it reaches `matmulCacheLimit` entries.
    func matmulPrimitive(_ key: MatmulKey) -> MatmulPrimitive {
        if let cached = matmulPrimitives[key] { return cached }

        var descriptors = operandDescriptors(key)
        var operation = dnnl_matmul_desc_t()
        check(dnnl_matmul_desc_init(&operation, &descriptors.a, &descriptors.b, nil, &descriptors.c), "dnnl_matmul_desc_init", key)

        var attributes: dnnl_primitive_attr_t?
        check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create", key)
        defer { dnnl_primitive_attr_destroy(attributes) }
        check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode", key)
        var alpha = Float(bitPattern: key.alphaBits)
        if alpha != 1 {
            check(dnnl_primitive_attr_set_output_scales(attributes, 1, 0, &alpha), "dnnl_primitive_attr_set_output_scales", key)
        }
        let beta = Float(bitPattern: key.betaBits)
        if beta != 0 {
            var postOps: dnnl_post_ops_t?
            check(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create", key)
            defer { dnnl_post_ops_destroy(postOps) }
            check(dnnl_post_ops_append_sum(postOps, beta), "dnnl_post_ops_append_sum", key)
            check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops", key)
        }

        // Built with one OpenMP thread, as it runs, so oneDNN plans its work for one thread.
        OpenMPThreads.useOneThread()
        var descriptor: dnnl_primitive_desc_t?
        check(dnnl_primitive_desc_create(&descriptor, &operation, attributes, engine, nil), "dnnl_primitive_desc_create", key)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        check(dnnl_primitive_create(&primitive, descriptor), "dnnl_primitive_create", key)

        var aMemory: dnnl_memory_t?, bMemory: dnnl_memory_t?, cMemory: dnnl_memory_t?, scratchMemory: dnnl_memory_t?
        check(dnnl_memory_create(&aMemory, &descriptors.a, engine, nil), "dnnl_memory_create", key)
        check(dnnl_memory_create(&bMemory, &descriptors.b, engine, nil), "dnnl_memory_create", key)
        check(dnnl_memory_create(&cMemory, &descriptors.c, engine, nil), "dnnl_memory_create", key)
        let scratchDescriptor = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)!
        let storage = TensorStorage(byteCount: dnnl_memory_desc_get_size(scratchDescriptor))
        check(dnnl_memory_create(&scratchMemory, scratchDescriptor, engine, storage.base), "dnnl_memory_create", key)
        let created = MatmulPrimitive(primitive: primitive!, a: aMemory!, b: bMemory!, c: cMemory!,
                                      scratchpad: scratchMemory!, scratchpadStorage: storage)
        matmulPrimitives[key] = created
        return created
    }

    /// Returns the name of the implementation oneDNN picks for an m x n x k product of `dtype`
    /// inputs with fp32 output, for example "brg:avx512_core_bf16". Benchmarks report it.
    public func matmulImplementation(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, dtype: DType) -> String {
        let key = MatmulKey(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                            lda: transposeA ? m : k, ldb: transposeB ? k : n, ldc: n,
                            input: dtype, output: .float32, alphaBits: Float(1).bitPattern, betaBits: 0, slot: 0)
        var descriptors = operandDescriptors(key)
        var operation = dnnl_matmul_desc_t()
        check(dnnl_matmul_desc_init(&operation, &descriptors.a, &descriptors.b, nil, &descriptors.c), "dnnl_matmul_desc_init", key)
        OpenMPThreads.useOneThread()
        var descriptor: dnnl_primitive_desc_t?
        check(dnnl_primitive_desc_create(&descriptor, &operation, nil, engine, nil), "dnnl_primitive_desc_create", key)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var name: UnsafePointer<CChar>?
        check(dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name), "dnnl_primitive_desc_query", key)
        return name.map { String(cString: $0) } ?? "unknown"
    }

    /// Runs a cached primitive on the stream of `slot`.
    func execute(_ primitive: MatmulPrimitive, slot: Int, a: UnsafeMutableRawPointer, b: UnsafeMutableRawPointer, c: UnsafeMutableRawPointer) {
        let stream = streams[slot]
        dnnl_memory_set_data_handle_v2(primitive.a, a, stream)
        dnnl_memory_set_data_handle_v2(primitive.b, b, stream)
        dnnl_memory_set_data_handle_v2(primitive.c, c, stream)
        withUnsafeTemporaryAllocation(of: dnnl_exec_arg_t.self, capacity: 4) { arguments in
            arguments[0] = dnnl_exec_arg_t(arg: Int32(DNNL_ARG_SRC_0), memory: primitive.a)
            arguments[1] = dnnl_exec_arg_t(arg: Int32(DNNL_ARG_WEIGHTS_0), memory: primitive.b)
            arguments[2] = dnnl_exec_arg_t(arg: Int32(DNNL_ARG_DST_0), memory: primitive.c)
            arguments[3] = dnnl_exec_arg_t(arg: Int32(DNNL_ARG_SCRATCHPAD), memory: primitive.scratchpad)
            let status = dnnl_primitive_execute(primitive.primitive, stream, 4, arguments.baseAddress)
            precondition(status == dnnl_success, "matmul: dnnl_primitive_execute failed with status \(status.rawValue)")
        }
        dnnl_stream_wait(stream)
    }

    /// Builds the descriptors of op(A) (m x k), op(B) (k x n) and C (m x n) for `key`. An operand
    /// stored transposed has element (i, j) at j · ld + i, otherwise at i · ld + j.
    func operandDescriptors(_ key: MatmulKey) -> (a: dnnl_memory_desc_t, b: dnnl_memory_desc_t, c: dnnl_memory_desc_t) {
        (memoryDescriptor(rows: key.m, columns: key.k, transposed: key.transposeA, leadingDimension: key.lda, type: key.input),
         memoryDescriptor(rows: key.k, columns: key.n, transposed: key.transposeB, leadingDimension: key.ldb, type: key.input),
         memoryDescriptor(rows: key.m, columns: key.n, transposed: false, leadingDimension: key.ldc, type: key.output))
    }

    func memoryDescriptor(rows: Int, columns: Int, transposed: Bool, leadingDimension: Int, type: DType) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        var dims = [Int64(rows), Int64(columns)] + [Int64](repeating: 0, count: 10)
        var strides = (transposed ? [1, Int64(leadingDimension)] : [Int64(leadingDimension), 1]) + [Int64](repeating: 0, count: 10)
        let dataType: dnnl_data_type_t
        switch type {
        case .float32: dataType = dnnl_f32
        case .bfloat16: dataType = dnnl_bf16
        case .float16: dataType = dnnl_f16
        }
        let status = dnnl_memory_desc_init_by_strides(&descriptor, 2, &dims, dataType, &strides)
        precondition(status == dnnl_success, "matmul: dnnl_memory_desc_init_by_strides \(rows)x\(columns) failed with status \(status.rawValue)")
        return descriptor
    }

    func check(_ status: dnnl_status_t, _ call: String, _ key: MatmulKey) {
        precondition(status == dnnl_success, "matmul: \(call) failed with status \(status.rawValue) for \(key)")
    }
}
