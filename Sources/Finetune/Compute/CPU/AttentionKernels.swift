import Foundation

/// Multi-head self-attention on a packed projection, one (batch row, head) pair per work item.
///
/// For a pair, q, k, v are slices of qkv (B, T, 3C) with row stride 3C: k and v have T rows, q
/// the first Tq rows (Tq = T normally; Tq = 1 when only the first token's output is needed).
/// Forward:
///   s = q kᵀ · scale, masked keys excluded;  p = softmax(s);  pd = dropout(p);  out = pd v
/// Backward, from dout (the gradient of out):
///   dpd = dout vᵀ;  dp = dpd · keep / (1 - p_drop);  ds = p ⊙ (dp - Σ_j p dp);
///   dq = ds k · scale;  dk = dsᵀ q · scale;  dv = pdᵀ dout
/// Each pair writes only its own columns of out and dqkv, so pairs run in parallel without locks.
/// Keys (forward) and values (backward) are transposed into per-core scratch, padded to a
/// multiple of 8 rows with zeros, so score rows are computed 8 keys at a time.
///
/// Attention dropout bits of pair p (= b·H + h) fill `attentionDropoutWords(queries:keys:)` words
/// from word p · that count on, element (i, j) at bit i·T + j, drawn as `dropoutForward` draws
/// them with the pair's elements numbered from p · 32 · that count.
extension CPUBackend {
    public func attentionForward(qkv: Tensor, keyMask: Tensor, heads: Int, scale: Float,
                                 probs: Tensor, dropoutMask: Tensor, probability: Float, seed: UInt64, stream: UInt64,
                                 out: Tensor) {
        let batch = keyMask.shape[0], length = keyMask.shape[1], queries = out.shape[1]
        let width = out.columns, headSize = width / heads, rowStride = 3 * width
        let paddedLength = (length + vectorWidth - 1) / vectorWidth * vectorWidth
        let wordsPerPair = attentionDropoutWords(queries: queries, keys: length)
        precondition(qkv.shape == [batch, length, rowStride] && out.shape == [batch, queries, width] && queries <= length
                     && probs.count == batch * heads * queries * length && width % heads == 0
                     && dropoutMask.count >= batch * heads * wordsPerPair,
                     "attentionForward: qkv \(qkv.shape), keyMask \(keyMask.shape), heads \(heads), probs \(probs.shape), out \(out.shape)")
        let qkvp = qkv.floats, maskp = keyMask.floats, probsp = probs.floats, outp = out.floats
        let bits = dropoutMask.data.assumingMemoryBound(to: UInt32.self)
        let threshold = UInt32((probability * 65536).rounded())
        let keepScale: Float = probability > 0 ? 1 / (1 - probability) : 1
        let key = Philox(seed: seed).key

        let perChunk = headSize * paddedLength + paddedLength
        let scratchp = scratch(&attentionScratch, count: perChunk * Parallel.workers).floats
        Parallel.forEachChunk(count: batch * heads, grain: 1) { chunk, pairs in
            let keysT = scratchp + chunk * perChunk, weights = keysT + headSize * paddedLength
            for pair in pairs {
                let b = pair / heads, h = pair % heads
                let q = qkvp + b * length * rowStride + h * headSize, k = q + width, v = q + 2 * width
                let valid = maskp + b * length
                let hasValidKey = (0..<length).contains { valid[$0] != 0 }
                transpose(k, rows: length, columns: headSize, rowStride: rowStride, into: keysT, paddedRows: paddedLength)
                let pairBits = bits + pair * wordsPerPair
                fillKeepBits(pairBits, words: wordsPerPair, probability: probability, key: key,
                             firstBlock: (stream << 40) + UInt64(pair * wordsPerPair / 2 * 8), threshold: threshold)

                for i in 0..<queries {
                    dotRows(q + i * rowStride, transposed: keysT, depth: headSize, paddedLength: paddedLength,
                            scale: scale, into: weights)

                    // Softmax over valid keys; a row without any is uniform over all keys.
                    let row = probsp + (pair * queries + i) * length
                    softmaxRow(weights, valid: valid, hasValidKey: hasValidKey, length: length, into: row)

                    // Dropout, then out_i = Σ_j pd_ij v_j.
                    droppedRow(row, bits: pairBits, firstBit: i * length, length: length,
                               probability: probability, keepScale: keepScale, into: weights)
                    weightedSum(weights: weights, rows: v, count: length, rowStride: rowStride, columns: headSize,
                                into: outp + (b * queries + i) * width + h * headSize)
                }
            }
        }
    }

    public func attentionBackward(dout: Tensor, qkv: Tensor, probs: Tensor, dropoutMask: Tensor, probability: Float,
                                  heads: Int, scale: Float, dqkv: Tensor) {
        let batch = qkv.shape[0], length = qkv.shape[1], queries = dout.shape[1]
        let width = dout.columns, headSize = width / heads, rowStride = 3 * width
        let paddedLength = (length + vectorWidth - 1) / vectorWidth * vectorWidth
        let wordsPerPair = attentionDropoutWords(queries: queries, keys: length)
        precondition(qkv.shape == [batch, length, rowStride] && dqkv.shape == qkv.shape && dout.shape == [batch, queries, width]
                     && probs.count == batch * heads * queries * length && width % heads == 0,
                     "attentionBackward: dout \(dout.shape), qkv \(qkv.shape), probs \(probs.shape), dqkv \(dqkv.shape), heads \(heads)")
        let doutp = dout.floats, qkvp = qkv.floats, probsp = probs.floats, dqkvp = dqkv.floats
        let bits = dropoutMask.data.assumingMemoryBound(to: UInt32.self)
        let keepScale: Float = probability > 0 ? 1 / (1 - probability) : 1

        let perChunk = headSize * paddedLength + queries * paddedLength + paddedLength + queries
        let scratchp = scratch(&attentionScratch, count: perChunk * Parallel.workers).floats
        Parallel.forEachChunk(count: batch * heads, grain: 1) { chunk, pairs in
            let valuesT = scratchp + chunk * perChunk
            let ds = valuesT + headSize * paddedLength    // (Tq, paddedLength): ds · scale
            let dpd = ds + queries * paddedLength          // one row of dpd
            let column = dpd + paddedLength                // one column of ds or pd
            for pair in pairs {
                let b = pair / heads, h = pair % heads
                let offset = b * length * rowStride + h * headSize
                let q = qkvp + offset, k = q + width, v = q + 2 * width
                let dq = dqkvp + offset, dk = dq + width, dv = dq + 2 * width
                let g = doutp + b * queries * width + h * headSize
                let p = probsp + pair * queries * length
                let pairBits = bits + pair * wordsPerPair
                transpose(v, rows: length, columns: headSize, rowStride: rowStride, into: valuesT, paddedRows: paddedLength)

                for i in 0..<queries {
                    // dpd_i = dout_i vᵀ, then dp through the dropout mask.
                    dotRows(g + i * width, transposed: valuesT, depth: headSize, paddedLength: paddedLength, scale: 1, into: dpd)
                    let pi = p + i * length, dsi = ds + i * paddedLength
                    droppedRow(dpd, bits: pairBits, firstBit: i * length, length: length,
                               probability: probability, keepScale: keepScale, into: dpd)

                    // ds_i = p_i ⊙ (dp_i - Σ_j p_ij dp_ij), times scale for the products below.
                    var rowDot: Float = 0
                    for j in 0..<length { rowDot += pi[j] * dpd[j] }
                    for j in 0..<length { dsi[j] = pi[j] * (dpd[j] - rowDot) * scale }

                    // dq_i = Σ_j ds_ij k_j
                    weightedSum(weights: dsi, rows: k, count: length, rowStride: rowStride, columns: headSize,
                                into: dq + i * rowStride)
                }
                // Queries past Tq do not exist, so their gradient is zero.
                for i in queries..<length { (dq + i * rowStride).update(repeating: 0, count: headSize) }

                for j in 0..<length {
                    // dk_j = Σ_i ds_ij q_i
                    for i in 0..<queries { column[i] = ds[i * paddedLength + j] }
                    weightedSum(weights: column, rows: q, count: queries, rowStride: rowStride, columns: headSize,
                                into: dk + j * rowStride)

                    // dv_j = Σ_i pd_ij dout_i
                    for i in 0..<queries {
                        let e = i * length + j
                        let kept = (pairBits[e / 32] >> UInt32(e % 32)) & 1 == 1
                        column[i] = kept ? p[i * length + j] * keepScale : 0
                    }
                    weightedSum(weights: column, rows: g, count: queries, rowStride: width, columns: headSize,
                                into: dv + j * rowStride)
                }
            }
        }
    }
}

extension CPUBackend {
    /// Writes softmax(scores) over keys with valid[j] != 0 into row (length); masked keys get 0.
    func softmaxRow(_ scores: UnsafeMutablePointer<Float>, valid: UnsafeMutablePointer<Float>, hasValidKey: Bool,
                    length: Int, into row: UnsafeMutablePointer<Float>) {
        guard hasValidKey else {
            for j in 0..<length { row[j] = 1 / Float(length) }
            return
        }
        var maximum = -Float.infinity
        for j in 0..<length where valid[j] != 0 { maximum = max(maximum, scores[j]) }
        var j = 0
        var lanes = FloatVector()
        while j + vectorWidth <= length {
            // valid is 1 or 0, so the product keeps or removes each key.
            let kept = VectorMath.exp(scores.loadVector(j) - maximum) * valid.loadVector(j)
            row.storeVector(kept, j)
            lanes += kept
            j += vectorWidth
        }
        var total = lanes.sum()
        while j < length {
            let e = valid[j] != 0 ? Foundation.exp(scores[j] - maximum) : 0
            row[j] = e
            total += e
            j += 1
        }
        let inverse = 1 / total
        for j in 0..<length { row[j] *= inverse }
    }

    /// Fills `words` keep-bit words (an even number) from Philox blocks firstBlock..., or sets
    /// every bit when there is no dropout.
    @inline(__always)
    func fillKeepBits(_ bits: UnsafeMutablePointer<UInt32>, words: Int, probability: Float, key: (UInt32, UInt32),
                      firstBlock: UInt64, threshold: UInt32) {
        guard probability > 0 else {
            bits.update(repeating: UInt32.max, count: words)
            return
        }
        for group in 0..<words / 2 {
            (bits[2 * group], bits[2 * group + 1]) = keepBits64(key: key, firstBlock: firstBlock + UInt64(group * 8), threshold: threshold)
        }
    }

    /// out[j] = row[j] · keepScale when bit firstBit + j is set, else 0, for j < length; a copy
    /// when there is no dropout. out may alias row.
    @inline(__always)
    func droppedRow(_ row: UnsafeMutablePointer<Float>, bits: UnsafeMutablePointer<UInt32>, firstBit: Int, length: Int,
                    probability: Float, keepScale: Float, into out: UnsafeMutablePointer<Float>) {
        guard probability > 0 else {
            if row != out { out.update(from: row, count: length) }
            return
        }
        for j in 0..<length {
            let e = firstBit + j
            out[j] = (bits[e / 32] >> UInt32(e % 32)) & 1 == 1 ? row[j] * keepScale : 0
        }
    }

    /// destination[d * paddedRows + j] = source[j * rowStride + d] for j < rows, zero for rows ≤ j < paddedRows.
    @inline(__always)
    func transpose(_ source: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowStride: Int,
                   into destination: UnsafeMutablePointer<Float>, paddedRows: Int) {
        for d in 0..<columns {
            let column = destination + d * paddedRows
            for j in 0..<rows { column[j] = source[j * rowStride + d] }
            for j in rows..<paddedRows { column[j] = 0 }
        }
    }

    /// destination[d] = Σ_j weights[j] · rows[j * rowStride + d] for d < columns.
    ///
    /// Eight independent accumulators per pass over j (64 columns), so the FMAs do not wait on
    /// each other; then 8-column and scalar tails.
    @inline(__always)
    func weightedSum(weights: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>, count: Int, rowStride: Int,
                     columns: Int, into destination: UnsafeMutablePointer<Float>) {
        var d = 0
        while d + 8 * vectorWidth <= columns {
            var a0 = FloatVector(), a1 = FloatVector(), a2 = FloatVector(), a3 = FloatVector()
            var a4 = FloatVector(), a5 = FloatVector(), a6 = FloatVector(), a7 = FloatVector()
            for j in 0..<count {
                let w = FloatVector(repeating: weights[j]), row = rows + j * rowStride + d
                a0 = fma(w, row.loadVector(0), a0)
                a1 = fma(w, row.loadVector(vectorWidth), a1)
                a2 = fma(w, row.loadVector(2 * vectorWidth), a2)
                a3 = fma(w, row.loadVector(3 * vectorWidth), a3)
                a4 = fma(w, row.loadVector(4 * vectorWidth), a4)
                a5 = fma(w, row.loadVector(5 * vectorWidth), a5)
                a6 = fma(w, row.loadVector(6 * vectorWidth), a6)
                a7 = fma(w, row.loadVector(7 * vectorWidth), a7)
            }
            let out = destination + d
            out.storeVector(a0, 0)
            out.storeVector(a1, vectorWidth)
            out.storeVector(a2, 2 * vectorWidth)
            out.storeVector(a3, 3 * vectorWidth)
            out.storeVector(a4, 4 * vectorWidth)
            out.storeVector(a5, 5 * vectorWidth)
            out.storeVector(a6, 6 * vectorWidth)
            out.storeVector(a7, 7 * vectorWidth)
            d += 8 * vectorWidth
        }
        while d + vectorWidth <= columns {
            var acc = FloatVector()
            for j in 0..<count { acc = fma(FloatVector(repeating: weights[j]), rows.loadVector(j * rowStride + d), acc) }
            destination.storeVector(acc, d)
            d += vectorWidth
        }
        while d < columns {
            var acc: Float = 0
            for j in 0..<count { acc += weights[j] * rows[j * rowStride + d] }
            destination[d] = acc
            d += 1
        }
    }

    /// out[j] = scale · Σ_d x[d] · transposed[d * paddedLength + j] for j < paddedLength
    /// (a multiple of 8): one query (or output-gradient) row against all keys (or values).
    @inline(__always)
    func dotRows(_ x: UnsafeMutablePointer<Float>, transposed: UnsafeMutablePointer<Float>, depth: Int, paddedLength: Int,
                 scale: Float, into out: UnsafeMutablePointer<Float>) {
        var j = 0
        while j + 4 * vectorWidth <= paddedLength {
            var a0 = FloatVector(), a1 = FloatVector(), a2 = FloatVector(), a3 = FloatVector()
            for d in 0..<depth {
                let xd = FloatVector(repeating: x[d]), column = transposed + d * paddedLength + j
                a0 = fma(xd, column.loadVector(0), a0)
                a1 = fma(xd, column.loadVector(vectorWidth), a1)
                a2 = fma(xd, column.loadVector(2 * vectorWidth), a2)
                a3 = fma(xd, column.loadVector(3 * vectorWidth), a3)
            }
            out.storeVector(a0 * scale, j)
            out.storeVector(a1 * scale, j + vectorWidth)
            out.storeVector(a2 * scale, j + 2 * vectorWidth)
            out.storeVector(a3 * scale, j + 3 * vectorWidth)
            j += 4 * vectorWidth
        }
        while j < paddedLength {
            var acc = FloatVector()
            for d in 0..<depth { acc = fma(FloatVector(repeating: x[d]), transposed.loadVector(d * paddedLength + j), acc) }
            out.storeVector(acc * scale, j)
            j += vectorWidth
        }
    }
}
