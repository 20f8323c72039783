/// SIMD building blocks of the CPU kernels: 8-lane fp32 vectors (one AVX2 register), their
/// loads and stores, lane selection, and vector exp, erfc and GELU.
///
/// Lane selection uses integer masks (all ones or all zeros per lane) built with arithmetic and
/// shifts. The standard library's comparison operators (`.<`, `.==`) and `replacing(with:where:)`,
/// and `pointwiseMin`/`pointwiseMax`, compile to per-lane scalar loops through memory here, which
/// made these kernels several times slower.

typealias FloatVector = SIMD8<Float>
let vectorWidth = 8

extension SIMD8 where Scalar == Float {
    /// The IEEE bit patterns of the lanes.
    @inline(__always) var bitPattern: SIMD8<UInt32> { unsafeBitCast(self, to: SIMD8<UInt32>.self) }

    @inline(__always) init(bitPattern: SIMD8<UInt32>) { self = unsafeBitCast(bitPattern, to: SIMD8<Float>.self) }
}

extension UnsafePointer where Pointee == Float {
    @inline(__always) func loadVector(_ i: Int) -> FloatVector {
        UnsafeRawPointer(self + i).loadUnaligned(as: FloatVector.self)
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always) func loadVector(_ i: Int) -> FloatVector {
        UnsafeRawPointer(self + i).loadUnaligned(as: FloatVector.self)
    }

    @inline(__always) func storeVector(_ value: FloatVector, _ i: Int) {
        UnsafeMutableRawPointer(self + i).storeBytes(of: value, as: FloatVector.self)
    }
}

/// Returns all ones in lanes whose sign bit is set (negative values, -0 and negative NaNs) and
/// zero elsewhere.
@inline(__always)
func signMask(_ x: FloatVector) -> SIMD8<UInt32> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<Int32>.self) &>> 31, to: SIMD8<UInt32>.self)
}

/// Returns the lanes of `a` where `mask` is all ones and those of `b` where it is zero.
@inline(__always)
func select(_ mask: SIMD8<UInt32>, _ a: FloatVector, _ b: FloatVector) -> FloatVector {
    FloatVector(bitPattern: (a.bitPattern & mask) | (b.bitPattern & ~mask))
}

/// x clamped to [lower, upper] per lane (the sign of x - bound is exact, so the comparison is too).
@inline(__always)
func clamp(_ x: FloatVector, _ lower: Float, _ upper: Float) -> FloatVector {
    let low = FloatVector(repeating: lower), high = FloatVector(repeating: upper)
    let raised = select(signMask(x - low), low, x)
    return select(signMask(high - raised), high, raised)
}

/// a · b + c per lane with one rounding (one FMA instruction). Swift does not contract a * b + c
/// into an FMA by itself.
@inline(__always)
func fma(_ a: FloatVector, _ b: FloatVector, _ c: FloatVector) -> FloatVector {
    c.addingProduct(a, b)
}

enum VectorMath {
    /// e^x per lane, with relative error below 2e-7 on [-87, 88]; inputs outside are clamped.
    ///
    /// x = n ln2 + r with |r| <= ln2/2, so e^x = 2^n e^r, and e^r is its degree-7 Taylor polynomial.
    @inline(__always)
    static func exp(_ x: FloatVector) -> FloatVector {
        let clamped = clamp(x, -87.0, 88.0)

        // Adding 1.5 * 2^23 rounds to the nearest integer and leaves n in the low mantissa bits.
        let magic = FloatVector(repeating: 12_582_912.0)
        let shifted = fma(clamped, FloatVector(repeating: 1.442_695_04), magic)
        let n = shifted - magic
        let r = fma(n, FloatVector(repeating: -1.428_606_8e-6), fma(n, FloatVector(repeating: -0.693_145_75), clamped))

        var p = FloatVector(repeating: 1.0 / 5040.0)
        p = fma(p, r, FloatVector(repeating: 1.0 / 720.0))
        p = fma(p, r, FloatVector(repeating: 1.0 / 120.0))
        p = fma(p, r, FloatVector(repeating: 1.0 / 24.0))
        p = fma(p, r, FloatVector(repeating: 1.0 / 6.0))
        p = fma(p, r, FloatVector(repeating: 0.5))
        p = fma(p, r, FloatVector(repeating: 1.0))
        p = fma(p, r, FloatVector(repeating: 1.0))

        // 2^n: n + 127 in the exponent field.
        let exponent = (shifted.bitPattern &- magic.bitPattern &+ SIMD8<UInt32>(repeating: 127)) &<< 23
        return p * FloatVector(bitPattern: exponent)
    }

    /// erfc(z) per lane for z >= 0, as t e^(-z^2 + P(t)) with t = 1/(1 + z/2).
    ///
    /// P is a degree-10 Chebyshev least-squares fit on z in [0, 10] made by scripts/fit_erfc.py
    /// (relative error of the fit 2.4e-8; in fp32 the error grows with z as the conditioning of
    /// erfc does, about 1e-5 relative near z = 9).
    @inline(__always)
    static func erfc(nonNegative z: FloatVector) -> FloatVector {
        let t = 1.0 / fma(z, FloatVector(repeating: 0.5), FloatVector(repeating: 1.0))
        var p = FloatVector(repeating: -0.132_188_36)
        p = fma(p, t, FloatVector(repeating: 0.918_474_7))
        p = fma(p, t, FloatVector(repeating: -2.660_184_6))
        p = fma(p, t, FloatVector(repeating: 4.065_587))
        p = fma(p, t, FloatVector(repeating: -3.407_514_8))
        p = fma(p, t, FloatVector(repeating: 1.589_504_4))
        p = fma(p, t, FloatVector(repeating: -0.684_801_1))
        p = fma(p, t, FloatVector(repeating: 0.219_751_83))
        p = fma(p, t, FloatVector(repeating: 0.355_314_3))
        p = fma(p, t, FloatVector(repeating: 1.001_627_3))
        p = fma(p, t, FloatVector(repeating: -1.265_570_6))
        return t * exp(fma(-z, z, p))
    }

    /// |x| per lane.
    @inline(__always)
    static func magnitude(_ x: FloatVector) -> FloatVector {
        FloatVector(bitPattern: x.bitPattern & SIMD8<UInt32>(repeating: 0x7FFF_FFFF))
    }

    /// Φ(x), the standard normal CDF, per lane: 0.5 erfc(-x/√2).
    @inline(__always)
    static func normalCDF(_ x: FloatVector) -> FloatVector {
        let lowerTail = 0.5 * erfc(nonNegative: magnitude(x) * 0.707_106_78)
        return select(signMask(x), lowerTail, 1 - lowerTail)
    }

    /// Exact GELU, x Φ(x), per lane (PyTorch `gelu(approximate="none")`).
    @inline(__always)
    static func gelu(_ x: FloatVector) -> FloatVector {
        x * normalCDF(x)
    }

    /// d GELU / dx = Φ(x) + x φ(x), with φ(x) = e^(-x²/2) / √(2π).
    @inline(__always)
    static func geluDerivative(_ x: FloatVector) -> FloatVector {
        let density = exp(-0.5 * x * x) * 0.398_942_28
        return fma(x, density, normalCDF(x))
    }
}
