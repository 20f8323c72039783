import Foundation

/// Elementwise and row kernels: bias, sums, scaling, finiteness, dtype conversion, GELU, tanh.
/// Loops run 8 lanes at a time with a scalar tail, split across cores in contiguous chunks.

/// Smallest number of elements worth a chunk of its own on another core.
let elementGrain = 32_768

extension CPUBackend {
    public func addBias(_ bias: Tensor, to x: Tensor) {
        let columns = x.columns
        precondition(bias.count == columns, "addBias: bias \(bias.shape) does not match x \(x.shape)")
        let xp = x.floats, bp = UnsafePointer(bias.floats)
        Parallel.forEach(count: x.rows, grain: max(1, elementGrain / max(columns, 1))) { row in
            let r = xp + row * columns
            var c = 0
            while c + vectorWidth <= columns {
                r.storeVector(r.loadVector(c) + bp.loadVector(c), c)
                c += vectorWidth
            }
            while c < columns { r[c] += bp[c]; c += 1 }
        }
    }

    public func sumRows(_ x: Tensor, into sum: Tensor) {
        let rows = x.rows, columns = x.columns
        precondition(sum.count == columns, "sumRows: sum \(sum.shape) does not match x \(x.shape)")
        let xp = UnsafePointer(x.floats), sp = sum.floats
        // Each chunk owns a range of columns, so the sums need no merging and do not depend on threads.
        let columnGrain = max(vectorWidth, elementGrain / max(rows, 1))
        Parallel.forEachChunk(count: columns / vectorWidth, grain: columnGrain / vectorWidth) { _, vectors in
            for v in vectors {
                let c = v * vectorWidth
                var total = FloatVector()
                for row in 0..<rows { total += xp.loadVector(row * columns + c) }
                sp.storeVector(total, c)
            }
        }
        for c in (columns / vectorWidth * vectorWidth)..<columns {
            var total: Float = 0
            for row in 0..<rows { total += xp[row * columns + c] }
            sp[c] = total
        }
    }

    public func add(_ a: Tensor, _ b: Tensor, into out: Tensor) {
        precondition(a.count == b.count && a.count == out.count, "add: shapes \(a.shape), \(b.shape), \(out.shape) differ")
        let ap = a.floats, bp = b.floats, op = out.floats
        Parallel.forEachChunk(count: a.count, grain: elementGrain) { _, range in
            var i = range.lowerBound
            while i + vectorWidth <= range.upperBound {
                op.storeVector(ap.loadVector(i) + bp.loadVector(i), i)
                i += vectorWidth
            }
            while i < range.upperBound { op[i] = ap[i] + bp[i]; i += 1 }
        }
    }

    public func scale(_ x: Tensor, by factor: Float) {
        let xp = x.floats
        Parallel.forEachChunk(count: x.count, grain: elementGrain) { _, range in
            var i = range.lowerBound
            while i + vectorWidth <= range.upperBound {
                xp.storeVector(xp.loadVector(i) * factor, i)
                i += vectorWidth
            }
            while i < range.upperBound { xp[i] *= factor; i += 1 }
        }
    }

    public func sumOfSquares(_ x: Tensor) -> Double {
        let xp = x.floats
        let chunks = Parallel.chunkCount(x.count, grain: elementGrain)
        var partial = [Double](repeating: 0, count: max(chunks, 1))
        partial.withUnsafeMutableBufferPointer { partialSums in
            Parallel.forEachChunk(count: x.count, grain: elementGrain) { chunk, range in
                // fp32 lanes over blocks of 4096 elements, then doubles, so long sums stay exact enough.
                var total: Double = 0
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = min(start + 4096, range.upperBound)
                    var lanes = FloatVector()
                    var i = start
                    while i + vectorWidth <= end {
                        let v = xp.loadVector(i)
                        lanes += v * v
                        i += vectorWidth
                    }
                    var block = Double(lanes.sum())
                    while i < end { block += Double(xp[i] * xp[i]); i += 1 }
                    total += block
                    start = end
                }
                partialSums[chunk] = total
            }
        }
        return partial.reduce(0, +)
    }

    public func allFinite(_ x: Tensor) -> Bool {
        let xp = x.floats
        let chunks = Parallel.chunkCount(x.count, grain: elementGrain)
        var finite = [Bool](repeating: true, count: max(chunks, 1))
        finite.withUnsafeMutableBufferPointer { flags in
            Parallel.forEachChunk(count: x.count, grain: elementGrain) { chunk, range in
                // x - x is 0 for finite x and NaN for inf or NaN, so one running sum finds both.
                var lanes = FloatVector()
                var i = range.lowerBound
                while i + vectorWidth <= range.upperBound {
                    let v = xp.loadVector(i)
                    lanes += v - v
                    i += vectorWidth
                }
                var tail: Float = 0
                while i < range.upperBound { tail += xp[i] - xp[i]; i += 1 }
                flags[chunk] = lanes.sum() == 0 && tail == 0
            }
        }
        return !finite.contains(false)
    }

    public func convert(_ source: Tensor, into destination: Tensor) {
        precondition(source.count == destination.count, "convert: \(source.shape) and \(destination.shape) differ in size")
        switch (source.dtype, destination.dtype) {
        case (.float32, .float32):
            destination.floats.update(from: source.floats, count: source.count)
        case (.float32, .bfloat16):
            convertToBFloat16(source.floats, destination.halves, count: source.count)
        case (.bfloat16, .float32):
            let s = source.halves, d = destination.floats
            Parallel.forEachChunk(count: source.count, grain: elementGrain) { _, range in
                for i in range { d[i] = HalfConversion.float(bfloat16Bits: s[i]) }
            }
        case (.float32, .float16):
            let s = source.floats, d = destination.halves
            Parallel.forEachChunk(count: source.count, grain: elementGrain) { _, range in
                for i in range { d[i] = Float16(s[i]).bitPattern }
            }
        case (.float16, .float32):
            let s = source.halves, d = destination.floats
            Parallel.forEachChunk(count: source.count, grain: elementGrain) { _, range in
                for i in range { d[i] = Float(Float16(bitPattern: s[i])) }
            }
        default:
            let wide = Tensor(shape: source.shape)
            convert(source, into: wide)
            convert(wide, into: destination)
        }
    }

    /// Rounds fp32 to bfloat16 (nearest, ties to even; NaN stays a quiet NaN), in parallel.
    func convertToBFloat16(_ source: UnsafeMutablePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int) {
        Parallel.forEachChunk(count: count, grain: elementGrain) { _, range in
            roundToBFloat16(source + range.lowerBound, destination + range.lowerBound, count: range.count)
        }
    }

    public func geluForward(_ x: Tensor, out: Tensor) {
        precondition(x.count == out.count && x.dtype == .float32, "geluForward: x \(x.shape) \(x.dtype) and out \(out.shape) differ")
        let xp = x.floats
        Parallel.forEachChunk(count: x.count, grain: elementGrain / 4) { _, range in
            guard out.dtype != .float32 else {
                geluValues(xp + range.lowerBound, into: out.floats + range.lowerBound, count: range.count)
                return
            }
            // A 16-bit out: compute blocks of 1024 in fp32 on the stack, then round them.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 1024) { block in
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = min(1024, range.upperBound - start)
                    geluValues(xp + start, into: block.baseAddress!, count: n)
                    storeRounded(block.baseAddress!, into: out, at: start, count: n)
                    start += n
                }
            }
        }
    }

    /// out[i] = GELU(x[i]) for i < count, on the calling thread.
    @inline(__always)
    func geluValues(_ x: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + vectorWidth <= count {
            out.storeVector(VectorMath.gelu(x.loadVector(i)), i)
            i += vectorWidth
        }
        while i < count {
            out[i] = x[i] * 0.5 * Foundation.erfc(-x[i] * 0.707_106_78)
            i += 1
        }
    }

    /// Rounds `count` fp32 values into elements offset ..< offset + count of a 16-bit tensor.
    @inline(__always)
    func storeRounded(_ values: UnsafeMutablePointer<Float>, into destination: Tensor, at offset: Int, count: Int) {
        if destination.dtype == .bfloat16 {
            roundToBFloat16(values, destination.halves + offset, count: count)
        } else {
            let halves = destination.halves + offset
            for i in 0..<count { halves[i] = Float16(values[i]).bitPattern }
        }
    }

    public func geluBackward(dout: Tensor, x: Tensor, dx: Tensor) {
        precondition(x.count == dout.count && x.count == dx.count, "geluBackward: shapes \(dout.shape), \(x.shape), \(dx.shape) differ")
        let xp = x.floats, gp = dout.floats, dp = dx.floats
        Parallel.forEachChunk(count: x.count, grain: elementGrain / 4) { _, range in
            var i = range.lowerBound
            while i + vectorWidth <= range.upperBound {
                dp.storeVector(gp.loadVector(i) * VectorMath.geluDerivative(xp.loadVector(i)), i)
                i += vectorWidth
            }
            while i < range.upperBound {
                let v = xp[i]
                let cdf = 0.5 * Foundation.erfc(-v * 0.707_106_78)
                let density = Foundation.exp(-0.5 * v * v) * 0.398_942_28
                dp[i] = gp[i] * (cdf + v * density)
                i += 1
            }
        }
    }

    public func tanhForward(_ x: Tensor, out: Tensor) {
        precondition(x.count == out.count, "tanhForward: x \(x.shape) and out \(out.shape) differ")
        let xp = x.floats, op = out.floats
        for i in 0..<x.count { op[i] = Foundation.tanh(xp[i]) }
    }

    public func tanhBackward(dout: Tensor, out: Tensor, dx: Tensor) {
        precondition(out.count == dout.count && out.count == dx.count, "tanhBackward: shapes \(dout.shape), \(out.shape), \(dx.shape) differ")
        let yp = out.floats, gp = dout.floats, dp = dx.floats
        for i in 0..<out.count { dp[i] = gp[i] * (1 - yp[i] * yp[i]) }
    }
}

/// Rounds `count` fp32 values to bfloat16 (nearest, ties to even; NaN stays a quiet NaN), 8 lanes
/// at a time, on the calling thread.
@inline(__always)
func roundToBFloat16(_ source: UnsafeMutablePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int) {
    var i = 0
    while i + vectorWidth <= count {
        let bits = source.loadVector(i).bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits &>> 16) & 1)) &>> 16
        let quietNaN = (bits &>> 16) | 0x0040
        // |bits| above the infinity pattern means NaN; the difference then wraps negative.
        let isNaN = signMask(FloatVector(bitPattern: 0x7F80_0000 &- (bits & 0x7FFF_FFFF)))
        let result = (quietNaN & isNaN) | (rounded & ~isNaN)
        // Lane by lane: SIMD8<UInt16>(truncatingIfNeeded:) is a generic call, not a pack instruction.
        for lane in 0..<vectorWidth { destination[i + lane] = UInt16(truncatingIfNeeded: result[lane]) }
        i += vectorWidth
    }
    while i < count { destination[i] = HalfConversion.bfloat16Bits(source[i]); i += 1 }
}
