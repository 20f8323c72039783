/// Dropout with keep bits drawn from Philox, so a (seed, stream) pair fixes the mask on any
/// device and any thread count.
///
/// Element i of a call uses 16 bits of Philox block (stream << 40) + i / 8 (each block yields
/// four 32-bit words, eight 16-bit values, low half first) and is dropped when that value is
/// below round(p · 65536); the drop rate is p to within 2^-17. Kept elements are scaled by
/// 1 / (1 - p), as torch.nn.functional.dropout does. Keep bits are stored 32 to a word, 64
/// elements (8 blocks, evaluated together in SIMD lanes) per pair of words.
extension CPUBackend {
    public func dropoutForward(_ x: Tensor, out: Tensor, mask: Tensor, probability: Float, seed: UInt64, stream: UInt64) {
        precondition(x.count == out.count && mask.count * 32 >= x.count,
                     "dropoutForward: x \(x.shape), out \(out.shape), mask \(mask.shape) (needs \((x.count + 31) / 32) words)")
        precondition(probability >= 0 && probability < 1, "dropoutForward: probability \(probability) is outside [0, 1)")
        let count = x.count, xp = x.floats, op = out.floats
        let bits = mask.data.assumingMemoryBound(to: UInt32.self)
        let words = (count + 31) / 32
        guard probability > 0 else {
            if xp != op { op.update(from: xp, count: count) }
            bits.update(repeating: UInt32.max, count: words)
            return
        }
        let threshold = UInt32((probability * 65536).rounded())
        let keepScale = 1 / (1 - probability)
        let key = Philox(seed: seed).key
        let base = stream << 40

        // Chunks of whole 64-element groups, so every word is written by one thread.
        Parallel.forEachChunk(count: (words + 1) / 2, grain: elementGrain / 64) { _, groups in
            for group in groups {
                let (low, high) = keepBits64(key: key, firstBlock: base + UInt64(group * 8), threshold: threshold)
                bits[2 * group] = low
                if 2 * group + 1 < words { bits[2 * group + 1] = high }
                applyKeepBits(low, xp, op, start: group * 64, count: count, scale: keepScale)
                applyKeepBits(high, xp, op, start: group * 64 + 32, count: count, scale: keepScale)
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
                applyKeepBits(bits[word], gp, dp, start: word * 32, count: count, scale: keepScale)
            }
        }
    }

    /// out[start + i] = keep bit i ? x[start + i] · scale : 0 for the 32 elements of one word
    /// (fewer at the end of the tensor).
    @inline(__always)
    func applyKeepBits(_ keep: UInt32, _ x: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                       start: Int, count: Int, scale: Float) {
        guard start + 32 <= count else {
            for i in start..<min(start + 32, count) {
                out[i] = (keep >> UInt32(i - start)) & 1 == 1 ? x[i] * scale : 0
            }
            return
        }
        let laneShifts = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        for part in 0..<4 {
            let byte = SIMD8<UInt32>(repeating: keep >> UInt32(part * 8))
            // 0 - bit is all ones for a kept lane and zero for a dropped one.
            let keepMask = SIMD8<UInt32>() &- ((byte &>> laneShifts) & 1)
            let i = start + part * vectorWidth
            out.storeVector(FloatVector(bitPattern: (x.loadVector(i) * scale).bitPattern & keepMask), i)
        }
    }

    /// Keep bits of 64 consecutive elements: Philox blocks firstBlock ..< firstBlock + 8, one per
    /// SIMD lane. Returns the words for elements 0..<32 and 32..<64.
    @inline(__always)
    func keepBits64(key: (UInt32, UInt32), firstBlock: UInt64, threshold: UInt32) -> (UInt32, UInt32) {
        let index = SIMD8<UInt64>(repeating: firstBlock) &+ SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
        var c0 = SIMD8<UInt32>(truncatingIfNeeded: index)
        var c1 = SIMD8<UInt32>(truncatingIfNeeded: index &>> 32)
        var c2 = SIMD8<UInt32>(), c3 = SIMD8<UInt32>()
        var k0 = key.0, k1 = key.1
        for round in 0..<10 {
            if round > 0 {
                k0 &+= 0x9E37_79B9
                k1 &+= 0xBB67_AE85
            }
            // 32 x 32 -> 64-bit products of Philox4x32 (multipliers 0xD2511F53 and 0xCD9E8D57).
            let p0 = SIMD8<UInt64>(truncatingIfNeeded: c0) &* 0xD251_1F53
            let p1 = SIMD8<UInt64>(truncatingIfNeeded: c2) &* 0xCD9E_8D57
            let next0 = SIMD8<UInt32>(truncatingIfNeeded: p1 &>> 32) ^ c1 ^ k0
            let next2 = SIMD8<UInt32>(truncatingIfNeeded: p0 &>> 32) ^ c3 ^ k1
            c1 = SIMD8<UInt32>(truncatingIfNeeded: p1)
            c3 = SIMD8<UInt32>(truncatingIfNeeded: p0)
            c0 = next0
            c2 = next2
        }

        // Lane b holds block b: its 8 values give bits 8b ..< 8b + 8, low half of each word first.
        let threshold = SIMD8<UInt32>(repeating: threshold)
        let byte = keepPairs(c0, threshold) | keepPairs(c1, threshold) &<< 2
            | keepPairs(c2, threshold) &<< 4 | keepPairs(c3, threshold) &<< 6
        let placed = byte &<< SIMD8<UInt32>(0, 8, 16, 24, 0, 8, 16, 24)
        let low = placed[0] | placed[1] | placed[2] | placed[3]
        let high = placed[4] | placed[5] | placed[6] | placed[7]
        return (low, high)
    }

    /// Per lane: bit 0 when the low 16 bits of `word` are kept, bit 1 when the high 16 bits are.
    @inline(__always)
    func keepPairs(_ word: SIMD8<UInt32>, _ threshold: SIMD8<UInt32>) -> SIMD8<UInt32> {
        // value - threshold wraps past 2^31 exactly when value < threshold (both are below 2^16),
        // so its top bit is the drop bit.
        let lowDropped = ((word & 0xFFFF) &- threshold) &>> 31
        let highDropped = ((word &>> 16) &- threshold) &>> 31
        return (lowDropped ^ 1) | (highDropped ^ 1) &<< 1
    }
}
