/// Embedding lookups: out (N, C) from word (V, C), position (P, C) and token-type (types, C) tables.
/// Backward scatter-adds into the table gradients. Columns are split across cores, so no two
/// threads add into the same element and the sums are free of races and deterministic.
extension CPUBackend {
    public func embeddingForward(ids: UnsafePointer<Int32>, positionIds: UnsafePointer<Int32>,
                                 word: Tensor, position: Tensor, tokenType: Tensor, out: Tensor) {
        let columns = out.columns, tokens = out.rows
        precondition(word.columns == columns && position.columns == columns && tokenType.columns == columns,
                     "embeddingForward: tables \(word.shape), \(position.shape), \(tokenType.shape) do not match out \(out.shape)")
        let wp = word.floats, pp = position.floats, tp = tokenType.floats, op = out.floats
        Parallel.forEach(count: tokens, grain: max(1, elementGrain / max(columns, 1))) { n in
            // SAFETY: the caller checked ids < V and positionIds < P.
            let w = wp + Int(ids[n]) * columns, p = pp + Int(positionIds[n]) * columns, o = op + n * columns
            var c = 0
            while c + vectorWidth <= columns {
                o.storeVector(w.loadVector(c) + tp.loadVector(c) + p.loadVector(c), c)
                c += vectorWidth
            }
            while c < columns { o[c] = w[c] + tp[c] + p[c]; c += 1 }
        }
    }

    public func embeddingBackward(dout: Tensor, ids: UnsafePointer<Int32>, positionIds: UnsafePointer<Int32>,
                                  dword: Tensor, dposition: Tensor, dtokenType: Tensor) {
        let columns = dout.columns, tokens = dout.rows
        precondition(dword.columns == columns && dposition.columns == columns && dtokenType.columns == columns,
                     "embeddingBackward: gradients \(dword.shape), \(dposition.shape), \(dtokenType.shape) do not match dout \(dout.shape)")
        let gp = dout.floats, wp = dword.floats, pp = dposition.floats, tp = dtokenType.floats
        Parallel.forEachChunk(count: columns, grain: vectorWidth * 8) { _, range in
            for n in 0..<tokens {
                let g = gp + n * columns, w = wp + Int(ids[n]) * columns, p = pp + Int(positionIds[n]) * columns
                for c in range {
                    w[c] += g[c]
                    p[c] += g[c]
                    tp[c] += g[c]
                }
            }
        }
    }
}
