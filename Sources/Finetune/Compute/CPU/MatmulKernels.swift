import CDNNL

/// Matrix products on oneDNN: `dnnl_sgemm` for fp32 inputs, and for bf16 inputs a matmul
/// primitive (fp32 accumulation) built once per shape and cached.
///
/// fp16 inputs are widened to fp32 and go through `dnnl_sgemm`, because oneDNN 2.6 has no
/// fast fp16 matmul on CPUs without AVX512-FP16; fp16 is then a storage format only.

/// Identifies one cached matmul primitive.
struct MatmulKey: Hashable {
    var m: Int, n: Int, k: Int
    var transposeA: Bool, transposeB: Bool
    var input: DType, output: DType
    var alphaBits: UInt32, betaBits: UInt32
}

/// A oneDNN matmul primitive with its three memory objects, whose data handles are set per call.
struct MatmulPrimitive {
    let primitive: dnnl_primitive_t
    let a: dnnl_memory_t
    let b: dnnl_memory_t
    let c: dnnl_memory_t

    func destroy() {
        dnnl_memory_destroy(a)
        dnnl_memory_destroy(b)
        dnnl_memory_destroy(c)
        dnnl_primitive_destroy(primitive)
    }
}

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
            let key = MatmulKey(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                input: .bfloat16, output: c.dtype, alphaBits: alpha.bitPattern, betaBits: beta.bitPattern)
            let primitive = matmulPrimitive(key)
            execute(primitive, a: a.data, b: b.data, c: c.data)
        }
    }

    /// Row-major C = alpha op(A) op(B) + beta C through `dnnl_sgemm`.
    func sgemm(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
               _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, lda: Int, ldb: Int, alpha: Float, beta: Float) {
        let status = dnnl_sgemm(transposeA ? 84 : 78, transposeB ? 84 : 78,  // "T" : "N"
                                Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(n))
        precondition(status == dnnl_success, "matmul: dnnl_sgemm \(m)x\(n)x\(k) failed with status \(status.rawValue)")
    }

    /// Returns the cached primitive for `key`, creating it on first use.
    func matmulPrimitive(_ key: MatmulKey) -> MatmulPrimitive {
        if let cached = matmulPrimitives[key] { return cached }

        var aDesc = memoryDescriptor(rows: key.m, columns: key.k, transposed: key.transposeA, type: key.input)
        var bDesc = memoryDescriptor(rows: key.k, columns: key.n, transposed: key.transposeB, type: key.input)
        var cDesc = memoryDescriptor(rows: key.m, columns: key.n, transposed: false, type: key.output)
        var operation = dnnl_matmul_desc_t()
        check(dnnl_matmul_desc_init(&operation, &aDesc, &bDesc, nil, &cDesc), "dnnl_matmul_desc_init", key)

        var attributes: dnnl_primitive_attr_t?
        check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create", key)
        defer { dnnl_primitive_attr_destroy(attributes) }
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

        var descriptor: dnnl_primitive_desc_t?
        check(dnnl_primitive_desc_create(&descriptor, &operation, attributes, engine, nil), "dnnl_primitive_desc_create", key)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        check(dnnl_primitive_create(&primitive, descriptor), "dnnl_primitive_create", key)

        var aMemory: dnnl_memory_t?, bMemory: dnnl_memory_t?, cMemory: dnnl_memory_t?
        check(dnnl_memory_create(&aMemory, &aDesc, engine, nil), "dnnl_memory_create", key)
        check(dnnl_memory_create(&bMemory, &bDesc, engine, nil), "dnnl_memory_create", key)
        check(dnnl_memory_create(&cMemory, &cDesc, engine, nil), "dnnl_memory_create", key)
        let created = MatmulPrimitive(primitive: primitive!, a: aMemory!, b: bMemory!, c: cMemory!)
        matmulPrimitives[key] = created
        return created
    }

    /// Returns the name of the implementation oneDNN picks for an m x n x k product of `dtype`
    /// inputs with fp32 output, for example "brg:avx512_core_bf16". Benchmarks report it.
    public func matmulImplementation(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, dtype: DType) -> String {
        matmulImplementation(MatmulKey(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                       input: dtype, output: .float32, alphaBits: Float(1).bitPattern, betaBits: 0))
    }

    func matmulImplementation(_ key: MatmulKey) -> String {
        var aDesc = memoryDescriptor(rows: key.m, columns: key.k, transposed: key.transposeA, type: key.input)
        var bDesc = memoryDescriptor(rows: key.k, columns: key.n, transposed: key.transposeB, type: key.input)
        var cDesc = memoryDescriptor(rows: key.m, columns: key.n, transposed: false, type: key.output)
        var operation = dnnl_matmul_desc_t()
        check(dnnl_matmul_desc_init(&operation, &aDesc, &bDesc, nil, &cDesc), "dnnl_matmul_desc_init", key)
        var descriptor: dnnl_primitive_desc_t?
        check(dnnl_primitive_desc_create(&descriptor, &operation, nil, engine, nil), "dnnl_primitive_desc_create", key)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var name: UnsafePointer<CChar>?
        check(dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name), "dnnl_primitive_desc_query", key)
        return name.map { String(cString: $0) } ?? "unknown"
    }

    func execute(_ primitive: MatmulPrimitive, a: UnsafeMutableRawPointer, b: UnsafeMutableRawPointer, c: UnsafeMutableRawPointer) {
        dnnl_memory_set_data_handle_v2(primitive.a, a, stream)
        dnnl_memory_set_data_handle_v2(primitive.b, b, stream)
        dnnl_memory_set_data_handle_v2(primitive.c, c, stream)
        var arguments = [
            dnnl_exec_arg_t(arg: Int32(DNNL_ARG_SRC_0), memory: primitive.a),
            dnnl_exec_arg_t(arg: Int32(DNNL_ARG_WEIGHTS_0), memory: primitive.b),
            dnnl_exec_arg_t(arg: Int32(DNNL_ARG_DST_0), memory: primitive.c),
        ]
        let status = dnnl_primitive_execute(primitive.primitive, stream, 3, &arguments)
        precondition(status == dnnl_success, "matmul: dnnl_primitive_execute failed with status \(status.rawValue)")
        dnnl_stream_wait(stream)
    }

    /// Builds the 2-D descriptor of a rows x columns operand stored row-major, or stored as its transpose.
    func memoryDescriptor(rows: Int, columns: Int, transposed: Bool, type: DType) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        var dims = [Int64(rows), Int64(columns)] + [Int64](repeating: 0, count: 10)
        var strides = (transposed ? [1, Int64(rows)] : [Int64(columns), 1]) + [Int64](repeating: 0, count: 10)
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
