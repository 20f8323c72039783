/// Dropout with keep bits drawn from Philox, so a (seed, stream) pair fixes the mask on any
/// device and any thread count.
///
/// Element i of a call uses 16 bits of Philox block (stream << 40) + i / 8 (each block yields
/// four 32-bit words, eight 16-bit values) and is dropped when that value is below
/// round(p · 65536); the drop rate is p to within 2^-17. Kept elements are scaled by 1 / (1 - p),
/// as torch.nn.functional.dropout does. The keep bits are stored 32 to a word.
extension CPUBackend {
    public func dropoutForward(_ x: Tensor, out: Tensor, mask: Tensor, probability: Float, seed: UInt64, stream: UInt64) {
        precondition(x.count == out.count && mask.count * 32 >= x.count,
                     "dropoutForward: x \(x.shape), out \(out.shape), mask \(mask.shape) (needs \((x.count + 31) / 32) words)")
        precondition(probability >= 0 && probability < 1, "dropoutForward: probability \(probability) is outside [0, 1)")
        let count = x.count, xp = x.floats, op = out.floats
        let bits = mask.data.assumingMemoryBound(to: UInt32.self)
        guard probability > 0 else {
            if xp != op { op.update(from: xp, count: count) }
            bits.update(repeating: UInt32.max, count: (count + 31) / 32)
            return
        }
        let threshold = UInt32((probability * 65536).rounded())
        let keepScale = 1 / (1 - probability)
        let generator = Philox(seed: seed)
        let base = stream << 40

        // Chunks of whole 32-element words, so every word is written by one thread.
        Parallel.forEachChunk(count: (count + 31) / 32, grain: elementGrain / 32) { _, words in
            for word in words {
                var keep: UInt32 = 0
                for blockInWord in 0..<4 {
                    let (w0, w1, w2, w3) = generator.block(base + UInt64(word * 4 + blockInWord))
                    let byte = keepPair(w0, threshold) | keepPair(w1, threshold) << 2
                        | keepPair(w2, threshold) << 4 | keepPair(w3, threshold) << 6
                    keep |= byte << UInt32(blockInWord * 8)
                }
                bits[word] = keep
                let start = word * 32
                for i in start..<min(start + 32, count) {
                    op[i] = (keep >> UInt32(i - start)) & 1 == 1 ? xp[i] * keepScale : 0
                }
            }
        }
    }

    public func dropoutBackward(dout: Tensor, mask: Tensor, probability: Float, dx: Tensor) {
        precondition(dout.count == dx.count && mask.count * 32 >= dout.count,
                     "dropoutBackward: dout \(dout.shape), dx \(dx.shape), mask \(mask.shape)")
        let count = dout.count, gp = dout.floats, dp = dx.floats
        guard probability > 0 else {
            if gp != dp { dp.update(from: gp, count: count) }
            return
        }
        let bits = mask.data.assumingMemoryBound(to: UInt32.self)
        let keepScale = 1 / (1 - probability)
        Parallel.forEachChunk(count: (count + 31) / 32, grain: elementGrain / 32) { _, words in
            for word in words {
                let keep = bits[word], start = word * 32
                for i in start..<min(start + 32, count) {
                    dp[i] = (keep >> UInt32(i - start)) & 1 == 1 ? gp[i] * keepScale : 0
                }
            }
        }
    }

    /// Keep bits of the low (bit 0) and high (bit 1) 16-bit halves of a Philox word.
    @inline(__always)
    func keepPair(_ word: UInt32, _ threshold: UInt32) -> UInt32 {
        (word & 0xFFFF >= threshold ? 1 : 0) | (word >> 16 >= threshold ? 2 : 0)
    }
}
