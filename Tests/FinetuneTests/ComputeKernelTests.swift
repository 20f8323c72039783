import Foundation
import Testing
import Finetune

/// CPU kernels against direct scalar formulas.
@Suite struct ComputeKernelTests {
    let backend = CPUBackend()

    func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var generator = Philox(seed: seed)
        return (0..<count).map { _ in generator.nextNormal() * scale }
    }

    func tensor(_ shape: [Int], _ values: [Float], dtype: DType = .float32) -> Tensor {
        let t = Tensor(shape: shape, dtype: dtype)
        t.copy(from: values)
        return t
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulTransposes(_ transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        let m = 5, n = 7, k = 9
        let a = random(m * k, seed: 1), b = random(k * n, seed: 2)
        let aT = tensor(ta ? [k, m] : [m, k], a), bT = tensor(tb ? [n, k] : [k, n], b)
        let c = tensor([m, n], [Float](repeating: 1, count: m * n))
        backend.matmul(aT, transposeA: ta, bT, transposeB: tb, into: c, alpha: 2, beta: 0.5)
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    sum += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j])
                }
                expected[i * n + j] = 2 * sum + 0.5
            }
        }
        let mismatch = compare(c.toFloatArray(), expected, atol: 1e-5)
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }

    /// Products above the split threshold run as one block per core, split by rows when m >= n
    /// and by columns otherwise; every transpose combination has its own block offsets.
    @Test(arguments: [DType.float32, .bfloat16], [(false, false), (true, false), (false, true), (true, true)])
    func splitMatmulMatchesReference(_ dtype: DType, _ transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        for (m, n, k) in [(300, 130, 70), (90, 310, 80)] {
            let aT = tensor(ta ? [k, m] : [m, k], random(m * k, seed: 20), dtype: dtype)
            let bT = tensor(tb ? [n, k] : [k, n], random(k * n, seed: 21), dtype: dtype)
            let a = aT.toFloatArray(), b = bT.toFloatArray()
            let c = tensor([m, n], [Float](repeating: 1, count: m * n))
            backend.matmul(aT, transposeA: ta, bT, transposeB: tb, into: c, alpha: 0.5, beta: 2)
            var expected = [Float](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Double = 0
                    for p in 0..<k {
                        sum += Double(ta ? a[p * m + i] : a[i * k + p]) * Double(tb ? b[j * k + p] : b[p * n + j])
                    }
                    expected[i * n + j] = Float(0.5 * sum + 2)
                }
            }
            // fp32 accumulation of 80 products of size ~1 (the bf16 inputs are rounded in both).
            let mismatch = compare(c.toFloatArray(), expected, atol: 1e-4)
            #expect(mismatch == nil, "\(dtype) \(m)x\(n)x\(k) transposes \(transposes): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test(arguments: [DType.bfloat16, DType.float16])
    func halfMatmulAccumulatesInFloat(_ dtype: DType) {
        let m = 33, n = 40, k = 768
        let a = random(m * k, seed: 3), b = random(n * k, seed: 4)
        let aH = tensor([m, k], a, dtype: dtype), bH = tensor([n, k], b, dtype: dtype)
        let c = Tensor(shape: [m, n])
        backend.matmul(aH, transposeA: false, bH, transposeB: true, into: c, alpha: 1, beta: 0)
        // Reference: the rounded 16-bit inputs multiplied in double.
        let aR = aH.toFloatArray(), bR = bH.toFloatArray()
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k { sum += Double(aR[i * k + p]) * Double(bR[j * k + p]) }
                expected[i * n + j] = Float(sum)
            }
        }
        // fp32 accumulation of 768 products of size ~1: rounding error ~1e-4 at most.
        let mismatch = compare(c.toFloatArray(), expected, atol: 1e-3)
        #expect(mismatch == nil, "\(dtype): \(mismatch.map(String.init(describing:)) ?? "")")
    }

    @Test func bfloat16RoundsToNearestEven() {
        let values: [Float] = [1, 1 + 1.0 / 256, 1 + 3.0 / 256, 1 + 1.0 / 512, -2.5, .infinity, 3.4e38]
        let t = tensor([values.count], values, dtype: .bfloat16)
        let scalar = values.map { HalfConversion.bfloat16Bits($0) }
        #expect(Array(UnsafeBufferPointer(start: t.halves, count: values.count)) == scalar)
        // 1 + 1/512 lies halfway between 1 and 1 + 1/128... and rounds to the even neighbour 1.
        #expect(HalfConversion.float(bfloat16Bits: scalar[3]) == 1)
        #expect(HalfConversion.float(bfloat16Bits: scalar[2]) == 1 + 4.0 / 256)
        let wide = Tensor(shape: [values.count])
        let vectorNarrow = Tensor(shape: [values.count], dtype: .bfloat16)
        backend.convert(tensor([values.count], values), into: vectorNarrow)
        backend.convert(vectorNarrow, into: wide)
        #expect(wide.toFloatArray() == t.toFloatArray())
        #expect(HalfConversion.float(bfloat16Bits: HalfConversion.bfloat16Bits(.nan)).isNaN)
    }

    @Test func geluMatchesErfFormula() {
        // Points from -12 to 12, including 0 and both tails.
        let xs = (0..<2401).map { Float($0 - 1200) / 100 }
        let x = tensor([xs.count], xs), out = Tensor(shape: [xs.count]), dx = Tensor(shape: [xs.count])
        backend.geluForward(x, out: out)
        backend.geluBackward(dout: tensor([xs.count], [Float](repeating: 1, count: xs.count)), x: x, dx: dx)
        let expected = xs.map { v in Float(0.5 * Double(v) * (1 + Foundation.erf(Double(v) / 2.0.squareRoot()))) }
        let expectedDerivative = xs.map { v -> Float in
            let d = Double(v)
            return Float(0.5 * (1 + Foundation.erf(d / 2.0.squareRoot())) + d * Foundation.exp(-d * d / 2) / (2 * Double.pi).squareRoot())
        }
        // The erfc fit is good to about 1e-7 relative; 2e-6 absolute covers fp32 rounding at |x| = 12.
        let forward = compare(out.toFloatArray(), expected, atol: 2e-6, rtol: 1e-6)
        #expect(forward == nil, "GELU: \(forward.map(String.init(describing:)) ?? "")")
        let backward = compare(dx.toFloatArray(), expectedDerivative, atol: 2e-6, rtol: 1e-6)
        #expect(backward == nil, "GELU': \(backward.map(String.init(describing:)) ?? "")")
    }

    @Test func layerNormMatchesFormula() {
        let rows = 3, columns = 37
        let xs = random(rows * columns, seed: 5, scale: 3), w = random(columns, seed: 6), b = random(columns, seed: 7)
        let out = Tensor(shape: [rows, columns]), mean = Tensor(shape: [rows]), rstd = Tensor(shape: [rows])
        backend.layerNormForward(tensor([rows, columns], xs), weight: tensor([columns], w), bias: tensor([columns], b),
                                 epsilon: 1e-5, out: out, mean: mean, rstd: rstd)
        var expected = [Float]()
        for r in 0..<rows {
            let row = xs[r * columns ..< (r + 1) * columns].map(Double.init)
            let mu = row.reduce(0, +) / Double(columns)
            let variance = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(columns)
            for c in 0..<columns { expected.append(Float((row[c] - mu) / (variance + 1e-5).squareRoot()) * w[c] + b[c]) }
        }
        let mismatch = compare(out.toFloatArray(), expected, atol: 1e-5)
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }

    @Test func fullyMaskedRowIsUniformNotNaN() {
        // B = 2, T = 3, C = 4, one head; row 1 has no valid key.
        let qkv = tensor([2, 3, 12], random(72, seed: 8))
        let mask = tensor([2, 3], [1, 1, 0, 0, 0, 0])
        let probs = Tensor(shape: [2, 1, 3, 3]), bits = Tensor(shape: [2 * attentionDropoutWords(queries: 3, keys: 3)]), out = Tensor(shape: [2, 3, 4])
        backend.attentionForward(qkv: qkv, keyMask: mask, heads: 1, scale: 0.5, probs: probs, dropoutMask: bits,
                                 probability: 0, seed: 0, stream: 0, out: out)
        let p = probs.toFloatArray()
        #expect(p.allSatisfy { $0.isFinite })
        #expect(out.toFloatArray().allSatisfy { $0.isFinite })
        #expect(p[9..<18].allSatisfy { abs($0 - 1.0 / 3) < 1e-6 })
        for i in 0..<3 {
            #expect(p[i * 3 + 2] == 0)
            #expect(abs(p[i * 3] + p[i * 3 + 1] - 1) < 1e-6)
        }
    }

    @Test func firstQueryAttentionMatchesFullAttention() {
        // B = 2, T = 5, C = 16, two heads of size 8; the first token's row alone must give the
        // same output, and the same gradients when only that row has an output gradient.
        let (b, t, c, h) = (2, 5, 16, 2)
        let qkv = tensor([b, t, 3 * c], random(b * t * 3 * c, seed: 12))
        let mask = tensor([b, t], [1, 1, 1, 1, 0, 1, 1, 1, 0, 0])
        let fullProbs = Tensor(shape: [b, h, t, t]), fullOut = Tensor(shape: [b, t, c])
        let firstProbs = Tensor(shape: [b, h, 1, t]), firstOut = Tensor(shape: [b, 1, c])
        let bits = Tensor(shape: [b * h * attentionDropoutWords(queries: t, keys: t)])
        backend.attentionForward(qkv: qkv, keyMask: mask, heads: h, scale: 0.35, probs: fullProbs, dropoutMask: bits,
                                 probability: 0, seed: 0, stream: 0, out: fullOut)
        backend.attentionForward(qkv: qkv, keyMask: mask, heads: h, scale: 0.35, probs: firstProbs, dropoutMask: bits,
                                 probability: 0, seed: 0, stream: 0, out: firstOut)
        let full = fullOut.toFloatArray(), first = firstOut.toFloatArray()
        for row in 0..<b {
            #expect(Array(first[row * c ..< (row + 1) * c]) == Array(full[row * t * c ..< row * t * c + c]))
        }

        let gradient = random(b * c, seed: 13)
        var fullGradient = [Float](repeating: 0, count: b * t * c)
        for row in 0..<b { for i in 0..<c { fullGradient[row * t * c + i] = gradient[row * c + i] } }
        let fullDqkv = tensor([b, t, 3 * c], [Float](repeating: 9, count: b * t * 3 * c))
        let firstDqkv = tensor([b, t, 3 * c], [Float](repeating: 9, count: b * t * 3 * c))
        backend.attentionBackward(dout: tensor([b, t, c], fullGradient), qkv: qkv, probs: fullProbs, dropoutMask: bits,
                                  probability: 0, heads: h, scale: 0.35, dqkv: fullDqkv)
        backend.attentionBackward(dout: tensor([b, 1, c], gradient), qkv: qkv, probs: firstProbs, dropoutMask: bits,
                                  probability: 0, heads: h, scale: 0.35, dqkv: firstDqkv)
        let mismatch = compare(firstDqkv.toFloatArray(), fullDqkv.toFloatArray(), atol: 1e-6)
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }

    @Test func dropoutIsSeededAndScaled() {
        let count = 100_000
        let x = tensor([count], [Float](repeating: 1, count: count))
        let first = Tensor(shape: [count]), second = Tensor(shape: [count]), other = Tensor(shape: [count])
        let maskA = Tensor(shape: [count / 32 + 1]), maskB = Tensor(shape: [count / 32 + 1])
        backend.dropoutForward(x, out: first, mask: maskA, probability: 0.1, seed: 42, stream: 3)
        backend.dropoutForward(x, out: second, mask: maskB, probability: 0.1, seed: 42, stream: 3)
        backend.dropoutForward(x, out: other, mask: maskB, probability: 0.1, seed: 42, stream: 4)
        let values = first.toFloatArray()
        #expect(values == second.toFloatArray())
        #expect(values != other.toFloatArray())
        let dropped = values.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / Double(count) - 0.1) < 0.005)
        #expect(values.allSatisfy { $0 == 0 || abs($0 - 1 / 0.9) < 1e-6 })

        let gradient = Tensor(shape: [count])
        backend.dropoutBackward(dout: x, mask: maskA, probability: 0.1, dx: gradient)
        #expect(gradient.toFloatArray() == values)
    }

    @Test func dropoutBitsFollowPhiloxBlocks() {
        // Element i is dropped when 16-bit value i % 8 of Philox block (stream << 40) + i / 8 is
        // below round(p · 65536); values are the low then high halves of the block's four words.
        let count = 1000, probability: Float = 0.3, stream: UInt64 = 5
        let x = tensor([count], [Float](repeating: 1, count: count)), out = Tensor(shape: [count])
        backend.dropoutForward(x, out: out, mask: Tensor(shape: [count / 32 + 2]), probability: probability, seed: 77, stream: stream)
        let generator = Philox(seed: 77)
        let threshold = UInt32((probability * 65536).rounded())
        let values = out.toFloatArray()
        for i in 0..<count {
            let block = generator.block((stream << 40) + UInt64(i / 8))
            let words = [block.0, block.1, block.2, block.3]
            let value = (words[(i % 8) / 2] >> (16 * UInt32(i % 2))) & 0xFFFF
            #expect((values[i] != 0) == (value >= threshold), "element \(i)")
        }
    }

    @Test func crossEntropyMatchesLogSoftmax() {
        let logits = tensor([2, 3], [1, 2, 3, -1, 0, 5])
        let probs = Tensor(shape: [2, 3])
        let loss = [Int32(2), 0].withUnsafeBufferPointer { backend.crossEntropyForward(logits: logits, labels: $0.baseAddress!, probs: probs) }
        let row0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0
        let row1 = log(exp(-1.0) + exp(0.0) + exp(5.0)) + 1.0
        #expect(abs(Double(loss) - (row0 + row1) / 2) < 1e-6)
    }

    @Test func gradientUtilitiesFindNonFiniteValues() {
        let x = tensor([100], random(100, seed: 9))
        #expect(backend.allFinite(x))
        let expected = x.toFloatArray().map { Double($0) * Double($0) }.reduce(0, +)
        #expect(abs(backend.sumOfSquares(x) - expected) < 1e-4)
        x.floats[57] = .nan
        #expect(!backend.allFinite(x))
        x.floats[57] = -.infinity
        #expect(!backend.allFinite(x))
    }
}
